"""The data folder: the encrypted database, its key slots, back-off state and backups.

``Vault`` is the one object that turns a login and password into an open ``Database``: this
module creates a folder and opens (unlocks) it; the key file and every later change to its
slots (new passwords, the keychain, removal, rotation) are its base ``KeySlots`` in
``vault_slots.py``. Nothing outside storage sees keys or files.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from .anchor import AnchorFile
from .device import DeviceSecrets
from .errors import (
    AmbiguousLogin,
    DataDirProblem,
    KeychainUnavailable,
    LockedOut,
    NoSuchAccount,
    NotADatabase,
    WrongPassword,
)
from .files import dir_problem as _dir_problem
from .files import make_private, private_dir
from .keyfile import KeyFile
from .keys import (
    RECOVERY_SLOT,
    KdfParams,
    Slot,
    data_keys,
    make_keyed_slot,
    new_data_key,
    new_recovery_key,
    normalise_login,
    slot_key,
    unwrap,
    upgraded,
    user_slot_name,
)
from .lockout import RECOVERY, UNKNOWN, FailedAttempt, Lockout
from .vault_slots import KEYS_NAME, KeySlots

if TYPE_CHECKING:
    from .engine import Database

DB_NAME = "facilitator.db"
_SQLITE_PLAIN_HEADER = b"SQLite format 3\x00"


def _slots_for(keys: KeyFile, name: str) -> list[Slot]:
    """The slots a login may open: its own, then those of accounts whose login clinic sync
    renamed from it (``keys.renamed``). Their owner may not know her new login yet; her
    password opens her slot alone, so nobody reaches another person's account this way."""
    own = keys.slots.get(name)
    renamed = [slot for other, slot in sorted(keys.slots.items())
               if other != name and slot.made_as == name]
    return ([own] if own is not None else []) + renamed


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("Facilitator", appauthor=False))


@dataclass(frozen=True)
class Unlocked:
    """The result of a successful unlock: the open database and what to audit about it.

    ``fingerprint`` names the slot's public key ("" for a format-1 slot), which the services
    compare with the one the database recorded for the account; ``upgrade`` is the format-2
    successor of a format-1 slot, to store once its binding has committed; ``settled`` says
    whether this unlock finished ("completed") or undid ("abandoned") an interrupted rotation."""

    db: Database
    login: str
    failed_attempts: tuple[FailedAttempt, ...]
    fingerprint: str = ""
    upgrade: Slot | None = None
    settled: str | None = None
    private: bytes | None = field(default=None, repr=False)
    """The slot's X25519 private key (format 2), so the session can open sync keys sealed to
    this user (``services.sync.epochs``); held in memory only, like the data key itself."""
    renamed_from: str = ""
    """The login typed, when it opened the slot of an account clinic sync renamed since (the
    login is ``login`` now): the services tell the user."""


class Vault(KeySlots):
    """A data folder: its key file and slots (``KeySlots``), creating it, and opening its
    database with a password or the recovery key."""

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
        super().__init__(data_dir, device, kdf)
        self.db_path = self.data_dir / DB_NAME
        self.lockout = Lockout(self.data_dir / "lockout.json")
        self.backups_dir = self.data_dir / "backups"

    # -- state ---------------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.db_path.exists() or self.keys_path.exists()

    def has_keyring(self) -> bool:
        return self.device.available

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
        keys.slots[user_slot_name(admin_login)] = make_keyed_slot(
            user_slot_name(admin_login), password, data_key, keys.db_id, keys.epoch,
            params=self.kdf, device_secret=device_secret,
        )
        keys.slots[RECOVERY_SLOT] = make_keyed_slot(RECOVERY_SLOT, recovery, data_key,
                                                    keys.db_id, keys.epoch, kdf="hkdf")
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
        slots = _slots_for(keys, user_slot_name(login))
        # Logins without a slot share one bucket: junk names get no free tries of their own.
        bucket = login if slots else UNKNOWN
        wait = self.lockout.retry_after(bucket, now)
        if wait > 0:
            raise LockedOut(wait)
        self._check_file()
        if not slots:
            self._record_failure(UNKNOWN, now, tried=typed)
            raise NoSuchAccount("The login or password is not correct.")
        unavailable: KeychainUnavailable | None = None
        opens: list[tuple[Slot, bytes, bytes]] = []
        for slot in slots:  # every one: the password must open exactly one person's slot
            try:
                # Before any password check: a missing keychain is not a failed attempt.
                device_secret = self._device_secret(keys, slot)
            except KeychainUnavailable as error:
                unavailable = error
                continue
            key = slot_key(slot, password, device_secret)
            with contextlib.suppress(WrongPassword):
                opens.append((slot, key, unwrap(slot, key)))
        if len(opens) > 1:
            raise AmbiguousLogin(
                "This login and password open two accounts: clinic sync renamed one of them"
                " (the login was given to two people on two laptops). Sign in with the new"
                " login, or ask an administrator to set a new password for one of them.")
        if opens:
            slot, key, inner = opens[0]
            opened = slot.name.split(":", 1)[1]
            unlocked = self._opened(keys, slot, key, inner, opened)
            return replace(unlocked, renamed_from=login if opened != login else "")
        if unavailable is not None:
            raise unavailable
        self._record_failure(login, now)
        raise WrongPassword("The password is not correct.")

    def _opened(self, keys: KeyFile, slot: Slot, key: bytes, inner: bytes,
                login: str) -> Unlocked:
        """Open the database with what ``slot`` unwrapped: a format-1 data key, or the private
        key whose sealed data keys are tried newest epoch first (after a rotation interrupted
        before the rekey, the newest does not open the file and the previous one does)."""
        settled = None
        if keys.pending is None:
            db, epoch, data_key = self._open_with(keys, slot, inner)
        else:
            # A rotation is under way here or in another process, or was interrupted: decide
            # under its lock, on the file as it is now, which key the database has.
            try:
                with self.keys_locked():
                    keys = self._keys()
                    fresh = keys.slots.get(slot.name)
                    if fresh is not None and fresh.public == slot.public:
                        slot = fresh
                    db, epoch, data_key = self._open_with(keys, slot, inner)
                    settled = keys.settle(epoch)
                    if settled is not None:
                        with contextlib.suppress(DataDirProblem):  # again at the next unlock
                            self._save(keys)
            except DataDirProblem:  # a read-only folder: open without settling anything
                db, epoch, data_key = self._open_with(keys, slot, inner)
        upgrade = None if slot.keyed else upgraded(slot, key, data_key, keys.db_id, keys.epoch)
        # A format-1 slot gets its key pair from the upgrade: that private key is not at hand
        # here, so such a user opens sealed sync keys from her next sign-in on.
        return Unlocked(db, login, tuple(self.lockout.pending()), slot.fingerprint(), upgrade,
                        settled, inner if slot.keyed else None)

    def _open_with(self, keys: KeyFile, slot: Slot, inner: bytes
                   ) -> tuple[Database, int, bytes]:
        if slot.keyed:
            candidates = data_keys(slot, inner, keys.db_id)
            if not candidates:
                raise NotADatabase(f"The sealed key of {slot.name} in {KEYS_NAME} does not"
                                   " open: the key file is damaged. Restore it from a backup.")
        else:
            candidates = [(keys.epoch, inner)]
        return self._first_that_opens(candidates)

    def _first_that_opens(self, candidates: list[tuple[int, bytes]]
                          ) -> tuple[Database, int, bytes]:
        for epoch, data_key in candidates[:-1]:
            with contextlib.suppress(NotADatabase):
                return self._open(data_key), epoch, data_key
        epoch, data_key = candidates[-1]
        return self._open(data_key), epoch, data_key  # its error is the one to report

    def _record_failure(self, login: str, now: datetime, *, tried: str = "") -> None:
        # A back-off file that cannot be written (read-only or full folder) must not turn a
        # wrong password into a crash; whoever can make the folder read-only could delete it.
        with contextlib.suppress(OSError):
            self.lockout.record_failure(login, now, tried=tried)

    def unlock_with_recovery(self, recovery_key: str, now: datetime) -> Unlocked:
        """Open the database with the recovery key, under the same back-off as passwords (its
        own bucket); failures wait in the back-off file for the next sign-in to audit."""
        wait = self.lockout.retry_after(RECOVERY, now)
        if wait > 0:
            raise LockedOut(wait)
        keys = self._keys()
        self._check_file()
        slot = keys.slot_for(RECOVERY_SLOT)
        key = slot_key(slot, recovery_key, None)
        try:
            inner = unwrap(slot, key)
        except WrongPassword:
            self._record_failure(RECOVERY, now)
            raise WrongPassword("The recovery key is not correct.") from None
        return self._opened(keys, slot, key, inner, RECOVERY)

    def anchor_file(self, db: Database) -> AnchorFile:
        """The audit anchor of this folder, sealed with a key derived from ``db``'s data key and
        the device secret where there is one."""
        keys = self._keys()
        try:
            secret = self.device.get(keys.db_id)
        except KeychainUnavailable:
            secret = None  # a keychain-sealed anchor then reads as "cannot be checked here"
        return AnchorFile(self.data_dir, keys.db_id, db.raw_key(), secret)
