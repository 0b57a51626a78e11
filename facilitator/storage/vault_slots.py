"""The key file side of a data folder: ``KeySlots``, the base of ``Vault``.

Holding the key file's lock, reading and writing ``keys.json``, checking a password against a
slot, and every change to the slots after set-up: a password's new slot, a slot that travelled
here bound to this laptop's keychain, a removed login, and a data key rotation. Opening the
database with a slot (and creating a folder) is ``vault.py``. Nothing outside storage sees keys.
"""

from __future__ import annotations

import base64
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import sealing
from .device import DeviceSecrets, KeyringSecrets
from .errors import KeychainUnavailable, KeysChanged, NotADatabase, WrongPassword
from .files import dir_problem as _dir_problem
from .files import exclusive
from .keyfile import KeyFile
from .keys import (
    RECOVERY_SLOT,
    KdfParams,
    Pending,
    Slot,
    device_bound_copy,
    make_keyed_slot,
    new_data_key,
    new_recovery_key,
    open_slot,
    seal_to,
    user_slot_name,
)

if TYPE_CHECKING:
    from .engine import Database

KEYS_NAME = "keys.json"


@dataclass(frozen=True)
class Rotation:
    """A rotation written to the key file, the database not yet rekeyed."""

    data_key: bytes
    epoch: int
    recovery_key: str | None
    recovery_fingerprint: str


class KeySlots:
    """The key file of ``data_dir`` and its slots (see the module docstring)."""

    def __init__(self, data_dir: Path, device: DeviceSecrets | None,
                 kdf: KdfParams | None) -> None:
        self.data_dir = Path(data_dir)
        self.device: DeviceSecrets = device if device is not None else KeyringSecrets()
        self.kdf = kdf or KdfParams()
        self.keys_path = self.data_dir / KEYS_NAME
        # keys.json is rewritten by sign-in (upgrades, settling), password changes and
        # rotations, possibly in two processes (the app and a CLI run): every read-modify-write
        # holds ``keys_locked``. Re-entrant within this object so a rotation can hold it across
        # its steps.
        self._key_lock = threading.RLock()
        self._key_depth = 0

    # -- the key file --------------------------------------------------------------------------
    @contextlib.contextmanager
    def keys_locked(self) -> Iterator[None]:
        """Hold the key file's OS lock (``keys.lock``); raises DataDirProblem when the folder
        cannot hold a lock file (read-only)."""
        with self._key_lock, contextlib.ExitStack() as stack:
            if not self._key_depth:
                try:
                    stack.enter_context(exclusive(self.keys_path.with_suffix(".lock")))
                except OSError as exc:
                    raise _dir_problem(exc, self.data_dir) from exc
            self._key_depth += 1
            try:
                yield
            finally:
                self._key_depth -= 1

    def _keys(self) -> KeyFile:
        try:
            return KeyFile.load(self.keys_path)
        except FileNotFoundError:
            raise NotADatabase(
                f"No key file ({KEYS_NAME}) in the data folder: it is not a Facilitator folder."
            ) from None

    def _save(self, keys: KeyFile) -> None:
        try:
            keys.save()
        except OSError as exc:
            raise _dir_problem(exc, self.data_dir) from exc

    def logins(self) -> list[str]:
        return sorted(n.split(":", 1)[1] for n in self._keys().slots if n.startswith("user:"))

    def db_id(self) -> str:
        return self._keys().db_id

    def _device_secret(self, keys: KeyFile, slot: Slot) -> bytes | None:
        if not slot.device_bound:
            return None
        secret = self.device.get(keys.db_id)
        if secret is None:
            raise KeychainUnavailable(
                "This account is protected by this computer's keychain, which is not available"
                " here. Sign in where you usually do, or reset the password with the recovery"
                " key."
            )
        return secret

    def verify_password(self, login: str, password: str) -> bool:
        keys = self._keys()
        try:
            slot = keys.slot_for(user_slot_name(login))
        except WrongPassword:
            return False
        try:
            open_slot(slot, password, self._device_secret(keys, slot))
        except WrongPassword:
            return False
        return True

    def slot_fingerprints(self) -> dict[str, str]:
        """Slot name -> public-key fingerprint ("" for a format-1 slot)."""
        return {name: slot.fingerprint() for name, slot in self._keys().slots.items()}

    def slot_publics(self) -> dict[str, bytes]:
        """Slot name -> X25519 public key of every format-2 slot (clinic sync seals new sync
        keys to these)."""
        return {name: base64.b64decode(slot.public) for name, slot in self._keys().slots.items()
                if slot.keyed}

    def key_epoch(self) -> int:
        """How many data keys this folder has had (1 until the first rotation)."""
        return self._keys().epoch

    # -- slots ---------------------------------------------------------------------------------
    def new_slot(self, db: Database, login: str, password: str) -> Slot:
        """``login``'s slot for ``password`` (the slow KDF runs here), not yet stored: store it
        with ``put_slot`` once the database change it belongs to has committed, so a password
        change is never real but unaudited."""
        keys = self._keys()
        name = user_slot_name(login)
        device_secret = self.device.get(keys.db_id)
        if device_secret is None and self.device.available:
            device_secret = self.device.create(keys.db_id)
        return make_keyed_slot(name, password, db.raw_key(), keys.db_id, keys.epoch,
                               params=self.kdf, device_secret=device_secret)

    def put_slot(self, slot: Slot) -> None:
        """Store ``slot`` (new or replacing the one of the same name). Raises KeysChanged when
        the data key was rotated (or a rotation is under way) since the slot was made: its
        sealed key would be for the wrong epoch."""
        with self.keys_locked():
            keys = self._keys()  # read again: the file may have changed since new_slot
            if keys.pending is not None or any(b.epoch != keys.epoch for b in slot.sealed):
                raise KeysChanged("The data key was rotated meanwhile: nothing was saved."
                                  " Try again.")
            keys.slots[slot.name] = slot
            self._save(keys)

    def bind_to_device(self, login: str, password: str, private: bytes) -> bool:
        """Where this laptop's keychain is in use, wrap ``login``'s password-only slot (one
        that arrived from another laptop) again with the device secret too, as a slot made
        here would be; same key pair and sealed keys. ``private``: the slot's private key,
        just opened with ``password``. False (nothing changed) for a slot bound already, no
        keychain, a pending rotation, or a slot replaced since it was opened."""
        if not self.device.available:
            return False
        with self.keys_locked():
            keys = self._keys()
            slot = keys.slots.get(user_slot_name(login))
            if (slot is None or not slot.keyed or slot.device_bound or keys.pending is not None
                    or base64.b64decode(slot.public) != sealing.public_of(private)):
                return False
            secret = self.device.get(keys.db_id) or self.device.create(keys.db_id)
            if secret is None:
                return False
            keys.slots[slot.name] = device_bound_copy(slot, private, password, secret,
                                                      self.kdf)
            self._save(keys)
            return True

    def remove_login(self, login: str) -> None:
        with self.keys_locked():
            keys = self._keys()
            if keys.slots.pop(user_slot_name(login), None) is not None:
                self._save(keys)

    # -- rotation ------------------------------------------------------------------------------
    def begin_rotation(self, keep: list[str], new_recovery: bool) -> Rotation:
        """Step 1 of a rotation: a new data key, sealed (next epoch) to the format-2 slots named
        in ``keep`` and to the recovery slot, or to a new recovery slot, written *beside* the
        current boxes so the file opens the database before and after the rekey. Slots not in
        ``keep`` get no new box and go when the rotation settles."""
        with self.keys_locked():
            keys = self._keys()
            keys.settle(keys.epoch)  # an earlier attempt that never rekeyed: forget its boxes
            data_key, epoch = new_data_key(), keys.epoch + 1
            for name in keep:
                seal_to(keys.slots[name], data_key, keys.db_id, epoch)
            recovery_key = pending_recovery = None
            # A format-1 recovery slot cannot be sealed to: it is replaced by a new one.
            if new_recovery or not keys.slot_for(RECOVERY_SLOT).keyed:
                recovery_key = new_recovery_key()
                pending_recovery = make_keyed_slot(RECOVERY_SLOT, recovery_key, data_key,
                                                   keys.db_id, epoch, kdf="hkdf")
            else:
                seal_to(keys.slot_for(RECOVERY_SLOT), data_key, keys.db_id, epoch)
            keys.pending = Pending(epoch, pending_recovery)
            self._save(keys)
        recovery_slot = pending_recovery or keys.slot_for(RECOVERY_SLOT)
        return Rotation(data_key, epoch, recovery_key, recovery_slot.fingerprint())

    def settle_rotation(self, opened_epoch: int) -> None:
        """Last step, with the epoch whose key the database now has: after the rekey only the
        new epoch's boxes stay; after a failed rekey (``opened_epoch`` the old one) the new
        boxes go."""
        with self.keys_locked():
            keys = self._keys()
            keys.settle(opened_epoch)
            self._save(keys)
