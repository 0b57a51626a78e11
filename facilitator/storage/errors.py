"""Errors raised by the storage layer. Messages are safe to show: they never carry PHI."""

from __future__ import annotations


class StorageError(Exception):
    """Base class for storage problems."""


class WrongPassword(StorageError):
    """The password (or recovery key) did not unwrap a key slot."""


class NoSuchAccount(WrongPassword):
    """No key slot for that login. Reported like a wrong password so logins cannot be probed."""


class AmbiguousLogin(StorageError):
    """A login and password that open two people's slots: clinic sync renamed one of two
    accounts that had the login (``keys.renamed``) and both chose the same password. Opening
    either could put one person in the other's account, so neither is opened."""


class LockedOut(StorageError):
    """Too many failed attempts; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"Too many failed attempts. Try again in {int(retry_after) + 1} s.")


class KeychainUnavailable(StorageError):
    """The OS keychain holding this folder's device secret cannot be read here or now. Not a
    wrong password: it must neither count towards the back-off nor replace the secret."""


class NotADatabase(StorageError):
    """The file is not a Facilitator database, or it is truncated or corrupted."""


class AlreadyOpen(StorageError):
    """Another Facilitator window already has this data folder open."""


class DataDirProblem(StorageError):
    """The data folder cannot be used (read-only, full disk, missing)."""


class BackupError(StorageError):
    """A backup file is missing, damaged or not a Facilitator backup."""


class KeysChanged(StorageError):
    """The key file changed (a rotation) between making a slot and storing it."""
