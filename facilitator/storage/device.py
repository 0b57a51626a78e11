"""A device-bound secret kept in the operating system's keychain.

What it protects against: someone who copies the data folder (a stolen backup drive, a synced
folder, a disk image) and tries passwords offline. With a device secret mixed into every password
slot, the copy is useless without this machine's keychain, however weak a user's password is.
What it does not protect against: an attacker with the unlocked laptop itself; the recovery key
slot is deliberately *not* device bound so the data survives the loss of the machine.

Backends that do not actually protect a secret (plaintext files, the null and fail backends) are
treated as "no keyring": the app then works with passwords alone and says so once.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, Protocol

from .errors import KeychainUnavailable

if TYPE_CHECKING:
    import keyring.backend

SERVICE = "Facilitator"
_INSECURE_BACKEND_HINTS = ("plaintext", "null", "fail", "uncrypted")


class DeviceSecrets(Protocol):
    available: bool

    def get(self, db_id: str) -> bytes | None:
        """The secret, None when there is none; raises KeychainUnavailable when the keychain
        cannot be read."""
        ...

    def create(self, db_id: str) -> bytes | None: ...


def backend_is_secure(backend: keyring.backend.KeyringBackend) -> bool:
    """False for backends that store secrets readably (plaintext files) or not at all."""
    name = f"{type(backend).__module__}.{type(backend).__name__}".lower()
    if any(hint in name for hint in _INSECURE_BACKEND_HINTS):
        return False
    try:
        return float(backend.priority) > 0
    except Exception:  # a backend that cannot even report its priority is not usable
        return False


class KeyringSecrets:
    """Device secrets in a keyring backend (the system one by default).

    Finding the system backend imports every installed backend and asks the OS, which takes a
    noticeable moment: it happens on first use, not when the object is made at start-up."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend
        # An explicitly chosen backend is trusted (tests use a real keyrings.alt file backend).
        self._available: bool | None = True if backend is not None else None

    def _resolve(self) -> Any:
        if self._backend is None:
            import keyring

            self._backend = keyring.get_keyring()
            self._available = backend_is_secure(self._backend)
        return self._backend

    @property
    def available(self) -> bool:
        self._resolve()
        return bool(self._available)

    @available.setter
    def available(self, value: bool) -> None:
        self._available = value

    def _user(self, db_id: str) -> str:
        return f"device-secret-{db_id}"

    def get(self, db_id: str) -> bytes | None:
        if not self.available:
            return None
        import keyring.errors

        try:
            value = self._resolve().get_password(SERVICE, self._user(db_id))
        except keyring.errors.KeyringError as exc:
            # Not "no secret": answering None here would let set_password create a new secret
            # over the one every other user's slot is bound to.
            raise KeychainUnavailable(
                "The system keychain did not answer (it may be locked). Unlock it and try again."
            ) from exc
        return bytes.fromhex(value) if value else None

    def create(self, db_id: str) -> bytes | None:
        if not self.available:
            return None
        import keyring.errors

        value = secrets.token_bytes(32)
        try:
            self._resolve().set_password(SERVICE, self._user(db_id), value.hex())
        except keyring.errors.KeyringError:
            self._available = False
            return None
        return value


class NoDeviceSecrets:
    """Passwords alone; used with ``--no-keyring`` and where no keychain exists."""

    available = False

    def get(self, db_id: str) -> bytes | None:
        return None

    def create(self, db_id: str) -> bytes | None:
        return None
