"""The data folder: the encrypted database, its key slots, back-off state and backups.

``Vault`` is the one object that turns a login and password into an open ``Database``. Nothing
outside storage sees keys or files.
"""

from __future__ import annotations

import contextlib
import errno
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from .anchor import AnchorFile
from .device import DeviceSecrets, KeyringSecrets
from .errors import (
    DataDirProblem,
    KeychainUnavailable,
    LockedOut,
    NoSuchAccount,
    NotADatabase,
    WrongPassword,
)
from .files import make_private, private_dir
from .keys import (
    RECOVERY_SLOT,
    KdfParams,
    KeyFile,
    Slot,
    make_slot,
    new_data_key,
    new_recovery_key,
    normalise_login,
    open_slot,
    user_slot_name,
)
from .lockout import RECOVERY, UNKNOWN, FailedAttempt, Lockout

if TYPE_CHECKING:
    from .engine import Database

DB_NAME = "facilitator.db"
KEYS_NAME = "keys.json"
_SQLITE_PLAIN_HEADER = b"SQLite format 3\x00"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("Facilitator", appauthor=False))


@dataclass(frozen=True)
class Unlocked:
    """The result of a successful unlock: the open database and what to audit about it."""

    db: Database
    login: str
    failed_attempts: tuple[FailedAttempt, ...]


class Vault:
    def _open(self, key: bytes) -> Database:
        # SQLAlchemy loads here, not at start-up: the login window must appear at once.
        from .engine import Database

        db = Database(self.db_path, key)
        db.check_readable()
        return db

    def __init__(
        self,
        data_dir: Path,
        *,
        device: DeviceSecrets | None = None,
        kdf: KdfParams | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.device: DeviceSecrets = device if device is not None else KeyringSecrets()
        self.kdf = kdf or KdfParams()
        self.db_path = self.data_dir / DB_NAME
        self.keys_path = self.data_dir / KEYS_NAME
        self.lockout = Lockout(self.data_dir / "lockout.json")
        self.backups_dir = self.data_dir / "backups"

    # -- state ---------------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.db_path.exists() or self.keys_path.exists()

    def has_keyring(self) -> bool:
        return self.device.available

    def _keys(self) -> KeyFile:
        try:
            return KeyFile.load(self.keys_path)
        except FileNotFoundError:
            raise NotADatabase(
                f"No key file ({KEYS_NAME}) in the data folder: it is not a Facilitator folder."
            ) from None

    def logins(self) -> list[str]:
        return sorted(n.split(":", 1)[1] for n in self._keys().slots if n.startswith("user:"))

    # -- creation ------------------------------------------------------------------------------
    def create(self, admin_login: str, password: str) -> tuple[Database, str]:
        """Create a new, empty, encrypted database. Returns it and the one-time recovery key."""
        if self.exists():
            raise DataDirProblem("The data folder already holds a Facilitator database.")
        try:
            private_dir(self.data_dir)
            probe = self.data_dir / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise _dir_problem(exc, self.data_dir) from exc
        keys = KeyFile.create(self.keys_path)
        data_key = new_data_key()
        recovery = new_recovery_key()
        device_secret = self.device.create(keys.db_id)
        keys.slots[user_slot_name(admin_login)] = make_slot(
            user_slot_name(admin_login), password, data_key,
            params=self.kdf, device_secret=device_secret,
        )
        keys.slots[RECOVERY_SLOT] = make_slot(RECOVERY_SLOT, recovery, data_key, kdf="hkdf")
        try:
            keys.save()
            db = self._open(data_key)
            # SQLite creates the -wal and -shm files with the database file's mode.
            make_private(self.db_path)
        except OSError as exc:
            raise _dir_problem(exc, self.data_dir) from exc
        return db, recovery

    def discard_unfinished(self) -> None:
        """Remove what ``create`` wrote when set-up failed before any record existed (the
        database files and the key file; nothing else in the folder is touched)."""
        for path in (self.db_path, self.db_path.with_name(DB_NAME + "-wal"),
                     self.db_path.with_name(DB_NAME + "-shm"), self.keys_path):
            path.unlink(missing_ok=True)

    # -- unlocking -----------------------------------------------------------------------------
    def _check_file(self) -> None:
        try:
            with open(self.db_path, "rb") as fh:
                head = fh.read(16)
        except FileNotFoundError:
            raise NotADatabase("The database file is missing from the data folder.") from None
        if head == _SQLITE_PLAIN_HEADER:
            raise NotADatabase("The database file is not encrypted: it is not a Facilitator file.")
        if len(head) < 16:
            raise NotADatabase("The database file is truncated. Restore it from a backup.")

    def unlock(self, login: str, password: str, now: datetime) -> Unlocked:
        typed = login
        login = normalise_login(login)
        keys = self._keys()
        slot = keys.slots.get(user_slot_name(login))
        # Logins without a slot share one bucket: junk names get no free tries of their own.
        bucket = login if slot is not None else UNKNOWN
        wait = self.lockout.retry_after(bucket, now)
        if wait > 0:
            raise LockedOut(wait)
        self._check_file()
        if slot is None:
            self._record_failure(UNKNOWN, now, tried=typed)
            raise NoSuchAccount("The login or password is not correct.")
        # Raised before any password check: a missing keychain is not a failed attempt.
        device_secret = self._device_secret(keys, slot)
        try:
            data_key = open_slot(slot, password, device_secret)
        except WrongPassword:
            self._record_failure(login, now)
            raise
        db = self._open(data_key)
        return Unlocked(db, login, tuple(self.lockout.pending()))

    def _record_failure(self, login: str, now: datetime, *, tried: str = "") -> None:
        # A back-off file that cannot be written (read-only or full folder) must not turn a
        # wrong password into a crash; whoever can make the folder read-only could delete it.
        with contextlib.suppress(OSError):
            self.lockout.record_failure(login, now, tried=tried)

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

    def unlock_with_recovery(self, recovery_key: str, now: datetime) -> Unlocked:
        """Open the database with the recovery key, under the same back-off as passwords (its
        own bucket); failures wait in the back-off file for the next sign-in to audit."""
        wait = self.lockout.retry_after(RECOVERY, now)
        if wait > 0:
            raise LockedOut(wait)
        keys = self._keys()
        self._check_file()
        try:
            data_key = open_slot(keys.slot_for(RECOVERY_SLOT), recovery_key, None)
        except WrongPassword:
            self._record_failure(RECOVERY, now)
            raise WrongPassword("The recovery key is not correct.") from None
        return Unlocked(self._open(data_key), RECOVERY, tuple(self.lockout.pending()))

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
        return make_slot(name, password, db.raw_key(), params=self.kdf,
                         device_secret=device_secret)

    def put_slot(self, slot: Slot) -> None:
        """Store ``slot`` (new or replacing the one of the same name)."""
        keys = self._keys()  # read again: the file may have changed since new_slot
        keys.slots[slot.name] = slot
        self._save(keys)

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

    def remove_login(self, login: str) -> None:
        keys = self._keys()
        if keys.slots.pop(user_slot_name(login), None) is not None:
            self._save(keys)

    def anchor_file(self, db: Database) -> AnchorFile:
        """The audit anchor of this folder, sealed with a key derived from ``db``'s data key and
        the device secret where there is one."""
        keys = self._keys()
        try:
            secret = self.device.get(keys.db_id)
        except KeychainUnavailable:
            secret = None  # a keychain-sealed anchor then reads as "cannot be checked here"
        return AnchorFile(self.data_dir, keys.db_id, db.raw_key(), secret)

    def db_id(self) -> str:
        return self._keys().db_id

    def _save(self, keys: KeyFile) -> None:
        try:
            keys.save()
        except OSError as exc:
            raise _dir_problem(exc, self.data_dir) from exc


def _dir_problem(exc: OSError, where: Path) -> DataDirProblem:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DataDirProblem("The disk is full: nothing was saved. Free some space and retry.")
    if exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
        return DataDirProblem(
            f"The data folder {where} cannot be written (read-only or no permission)."
        )
    # An OSError raised without an errno would otherwise read "cannot be used: Success".
    reason = os.strerror(exc.errno) if exc.errno else "unknown error"
    return DataDirProblem(f"The data folder {where} cannot be used: {reason}.")
