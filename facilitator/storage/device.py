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
from typing import Protocol

import keyring
import keyring.backend
import keyring.errors

SERVICE = "Facilitator"
_INSECURE_BACKEND_HINTS = ("plaintext", "null", "fail", "uncrypted")


class DeviceSecrets(Protocol):
    available: bool

    def get(self, db_id: str) -> bytes | None: ...
    def create(self, db_id: str) -> bytes | None: ...


def backend_is_secure(backend: keyring.backend.KeyringBackend) -> bool:
    name = f"{type(backend).__module__}.{type(backend).__name__}".lower()
    if any(hint in name for hint in _INSECURE_BACKEND_HINTS):
        return False
    try:
        return float(backend.priority) > 0
    except Exception:  # a backend that cannot even report its priority is not usable
        return False


class KeyringSecrets:
    """Device secrets in a keyring backend (the system one by default)."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        if backend is None:
            backend = keyring.get_keyring()
            self.available = backend_is_secure(backend)
        else:
            # An explicitly chosen backend (tests use a real keyrings.alt file backend).
            self.available = True
        self._backend = backend

    def _user(self, db_id: str) -> str:
        return f"device-secret-{db_id}"

    def get(self, db_id: str) -> bytes | None:
        if not self.available:
            return None
        try:
            value = self._backend.get_password(SERVICE, self._user(db_id))
        except keyring.errors.KeyringError:
            return None
        return bytes.fromhex(value) if value else None

    def create(self, db_id: str) -> bytes | None:
        if not self.available:
            return None
        value = secrets.token_bytes(32)
        try:
            self._backend.set_password(SERVICE, self._user(db_id), value.hex())
        except keyring.errors.KeyringError:
            self.available = False
            return None
        return value


class NoDeviceSecrets:
    """Passwords alone; used with ``--no-keyring`` and where no keychain exists."""

    available = False

    def get(self, db_id: str) -> bytes | None:
        return None

    def create(self, db_id: str) -> bytes | None:
        return None
