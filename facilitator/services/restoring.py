"""Restore a backup: only for someone who can open it, and recorded in the restored database.

A backup file is a complete copy of the clinic's records. Restoring one replaces what a clinic
sees, so it needs the same proof as reading it: a password that opens a slot in the *backup's*
key file (the password as it was when the backup was made), or the backup's recovery key. The
restore is then written straight into the restored database's audit log before its files are
moved into place, so there is no plaintext marker that someone could delete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from ..clock import Clock
from ..models.users import User
from ..storage import migrate
from ..storage.backup import list_backup_files, read_manifest
from ..storage.device import DeviceSecrets
from ..storage.errors import StorageError, WrongPassword
from ..storage.keys import normalise_login
from ..storage.restore import (
    Staged,
    check_new_folder,
    open_staged,
    place_in_new_folder,
    place_setting_aside,
    refuse_if_open,
    set_aside_path,
    staged_backup,
)
from ..storage.vault import Vault
from . import audit
from .errors import AuthError, StorageProblem


@dataclass(frozen=True)
class RestoreOutcome:
    backup_created_at: datetime | None
    set_aside: Path | None
    """The folder holding the files that were replaced (None if there were none)."""


def backup_warnings(vault: Vault, source: Path) -> list[str]:
    """What to confirm before restoring ``source`` over ``vault``'s folder: a backup of another
    clinic, or one older than the newest backup seen beside it or in the folder's backups."""
    try:
        manifest = read_manifest(Path(source))
    except StorageError as error:
        raise StorageProblem(str(error)) from error
    warnings = []
    try:
        live_id = vault.db_id()
    except StorageError:
        live_id = None  # the folder's key file is missing or damaged: nothing to compare
    if live_id is not None and manifest.get("db_id") not in (None, live_id):
        warnings.append("This backup is of a different clinic database than the one in this"
                        " data folder.")
    created = manifest.get("created_at")
    seen = [b.created_at for b in list_backup_files([vault.backups_dir, Path(source).parent])
            if b.created_at is not None]
    if created and seen and datetime.fromisoformat(str(created)) < max(seen):
        newest = max(seen)
        warnings.append(f"A newer backup exists (of {newest:%Y-%m-%d %H:%M} UTC): restoring"
                        " this older one loses what was recorded in between.")
    return warnings


def check_target(data_dir: Path) -> None:
    """Refuse at once a target that is not a new, empty folder (before asking for a secret)."""
    try:
        check_new_folder(Path(data_dir))
    except StorageError as error:
        raise StorageProblem(str(error)) from error


def _record(staged: Staged, device: DeviceSecrets, clock: Clock, login: str, secret: str,
            **details: str) -> None:
    """Prove the right to the backup, then write the restore into its own audit log."""
    try:
        db, proof = open_staged(staged, device, login, secret, clock.now())
    except WrongPassword as error:
        raise AuthError(str(error)) from None
    try:
        migrate.upgrade(db)  # the event must be written in the current schema and hash format
        session = db.session()
        with session.begin():
            user_id = None
            if proof == "password":
                user_id = session.scalar(select(User.id).where(
                    User.login == normalise_login(login)))
            audit.append(session, at=clock.now(), user_id=user_id,
                         login=normalise_login(login) if proof == "password" else "",
                         action="backup.restored", details={
                             "backup_created_at": str(staged.manifest.get("created_at")),
                             "proof": proof, **details})
        session.close()
    finally:
        db.close()


def restore(source: Path, data_dir: Path, device: DeviceSecrets, clock: Clock, login: str,
            secret: str) -> RestoreOutcome:
    """Unpack a backup into a new, empty data folder, for someone who proves they may open it
    (``login`` and that user's password in the backup, or the recovery key as ``secret``)."""
    data_dir = Path(data_dir)
    try:
        check_new_folder(data_dir)
        with staged_backup(Path(source), data_dir.parent) as staged:
            _record(staged, device, clock, login, secret)
            place_in_new_folder(staged, data_dir)
            return RestoreOutcome(staged.created_at, None)
    except StorageError as error:
        raise StorageProblem(str(error)) from error


def restore_damaged(vault: Vault, clock: Clock, source: Path, login: str, secret: str
                    ) -> RestoreOutcome:
    """Replace the (damaged or missing) database of ``vault``'s folder with a backup, from the
    sign-in window, for someone who proves they may open it (see ``restore``). The backup is
    checked first (a bad backup moves nothing); the current files are moved, never deleted,
    into ``set-aside-<UTC time>/`` in the data folder. Refused while this process has the
    database open."""
    try:
        refuse_if_open(vault.data_dir)
        with staged_backup(Path(source), vault.data_dir) as staged:
            aside = set_aside_path(vault.data_dir, clock.now())
            _record(staged, vault.device, clock, login, secret,
                    set_aside=aside.name if aside is not None else "")
            place_setting_aside(staged, vault.data_dir, aside)
            return RestoreOutcome(staged.created_at, aside)
    except StorageError as error:
        raise StorageProblem(str(error)) from error
