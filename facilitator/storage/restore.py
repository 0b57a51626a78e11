"""Restoring a backup, only for someone who can open it.

Every restore goes through the same steps, and nothing in the target folder is touched before
the last one:

1. ``staged_backup`` unpacks the archive into a staging folder next to the target (same file
   system, so the final moves are renames), checks the SHA-256 of every file the manifest lists
   and validates the backup's key file;
2. ``open_staged`` opens the staged database with a password that opens a slot *in the backup's
   own key file*, or with its recovery key, and checks the manifest's seal with the data key;
3. the caller (services) writes the restore into the staged database's own audit log;
4. ``place_in_new_folder`` or ``place_setting_aside`` moves the files into the target; in the
   second case the current database files are first *moved* into ``set-aside-<UTC stamp>/``:
   nothing is ever deleted, and a failure half-way moves them back.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .backup import DB_FILES, SET_ASIDE_PREFIX, manifest_mac, read_manifest, sha256_file
from .device import DeviceSecrets
from .engine import Database, is_open
from .errors import BackupError, DataDirProblem, NotADatabase, WrongPassword
from .files import fsync_dir, private_dir
from .keyfile import KeyFile
from .keys import normalise_recovery_key
from .vault import DB_NAME, KEYS_NAME, Vault

_RECOVERY_LENGTH = 30


@dataclass(frozen=True)
class Staged:
    folder: Path
    manifest: dict[str, Any]
    db_id: str

    @property
    def sealed(self) -> bool:
        """Whether the manifest carries a file list and a seal (backups before this did not)."""
        return "mac" in self.manifest

    @property
    def created_at(self) -> datetime | None:
        try:
            return datetime.fromisoformat(str(self.manifest.get("created_at")))
        except ValueError:
            return None


def _problem(exc: OSError) -> DataDirProblem:
    return DataDirProblem(f"The backup could not be restored: {exc.strerror}.")


@contextlib.contextmanager
def staged_backup(source: Path, near: Path) -> Iterator[Staged]:
    """Unpack ``source`` into a temporary folder inside ``near`` and check it; the folder is
    removed when the block ends. Raises BackupError (nothing else touched) for a bad backup."""
    source = Path(source)
    manifest: dict[str, Any] = read_manifest(source)
    try:
        near.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".facilitator-restore-", dir=near))
    except OSError as exc:
        raise _problem(exc) from exc
    try:
        _unpack(source, staging, manifest)
        try:
            keys = KeyFile.load(staging / KEYS_NAME)
        except NotADatabase as exc:
            raise BackupError(f"{source.name} is damaged: its key file is not valid.") from exc
        if manifest.get("db_id", keys.db_id) != keys.db_id:
            raise BackupError(f"{source.name} is damaged: its key file is from another clinic.")
        yield Staged(staging, manifest, keys.db_id)
    except OSError as exc:
        raise _problem(exc) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _unpack(source: Path, staging: Path, manifest: dict[str, Any]) -> None:
    files = manifest.get("files") or {DB_NAME: manifest.get("sha256")}
    if not isinstance(files, dict) or set(files) - {DB_NAME, KEYS_NAME}:
        raise BackupError(f"{source.name} is not a Facilitator backup.")
    try:
        with zipfile.ZipFile(source) as zf:
            if "mac" in manifest and set(zf.namelist()) != {"manifest.json", *files}:
                raise BackupError(f"{source.name} holds files its manifest does not list.")
            zf.extract(DB_NAME, staging)
            zf.extract(KEYS_NAME, staging)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise BackupError(f"{source.name} is damaged and cannot be unpacked.") from exc
    for name, digest in files.items():
        if sha256_file(staging / name) != digest:
            raise BackupError(f"{source.name} is damaged: its checksum does not match.")


def open_staged(staged: Staged, device: DeviceSecrets, login: str, secret: str,
                now: datetime) -> tuple[Database, str]:
    """Open the staged database with ``login``'s password *as it was in the backup*, or with the
    backup's recovery key (``login`` may then be empty). Returns the database and how it was
    opened ("password" or "recovery key"). Raises WrongPassword, or BackupError when the
    manifest's seal does not match the data key."""
    vault = Vault(staged.folder, device=device)
    db: Database | None = None
    proof = "password"
    if login.strip():
        with contextlib.suppress(WrongPassword):
            db = vault.unlock(login, secret, now).db
    if db is None and len(normalise_recovery_key(secret)) == _RECOVERY_LENGTH:
        with contextlib.suppress(WrongPassword):
            db, proof = vault.unlock_with_recovery(secret, now).db, "recovery key"
    if db is None:
        raise WrongPassword("Neither a password of that backup nor its recovery key: the"
                            " backup was not restored.")
    if staged.sealed and not hmac.compare_digest(
            str(staged.manifest["mac"]), manifest_mac(staged.manifest, db.raw_key(),
                                                      staged.db_id)):
        db.close()
        raise BackupError("The backup's manifest does not match its key: it was altered.")
    return db, proof


def refuse_if_open(data_dir: Path) -> None:
    if is_open(Path(data_dir) / DB_NAME):
        raise BackupError(
            f"{data_dir} is the data folder this window has open. Sign out first, or restore"
            " into a new folder."
        )


def check_new_folder(data_dir: Path) -> None:
    """A restore into a new folder never replaces anything."""
    refuse_if_open(data_dir)
    if data_dir.exists() and not data_dir.is_dir():
        raise BackupError(f"{data_dir} is a file, not a folder. Restore into a new folder.")
    try:
        if data_dir.exists() and any(data_dir.iterdir()):
            raise BackupError(f"{data_dir} is not empty. Restore into a new folder; existing"
                              " data is never replaced.")
    except OSError as exc:
        raise _problem(exc) from exc


def _staged_files(staged: Staged) -> list[str]:
    return [name for name in DB_FILES if (staged.folder / name).exists()]


def place_in_new_folder(staged: Staged, data_dir: Path) -> None:
    check_new_folder(data_dir)
    try:
        private_dir(data_dir)
        for name in _staged_files(staged):
            shutil.move(staged.folder / name, data_dir / name)
        fsync_dir(data_dir)
    except OSError as exc:
        raise _problem(exc) from exc


def set_aside_path(data_dir: Path, now: datetime) -> Path | None:
    """Where ``place_setting_aside`` will move the current files (None: there are none)."""
    if not any((data_dir / name).exists() for name in DB_FILES):
        return None
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = data_dir / f"{SET_ASIDE_PREFIX}{stamp}"
    n = 2
    while target.exists():
        target = data_dir / f"{SET_ASIDE_PREFIX}{stamp}-{n}"
        n += 1
    return target


def place_setting_aside(staged: Staged, data_dir: Path, aside: Path | None) -> None:
    """Move the current database files into ``aside`` and the staged ones into ``data_dir``;
    on failure, undo what was moved (files still in ``aside`` are safe there)."""
    refuse_if_open(data_dir)
    moved: list[tuple[Path, Path]] = []
    placed: list[Path] = []
    try:
        present = [name for name in DB_FILES if (data_dir / name).exists()]
        if present:
            assert aside is not None
            aside.mkdir()
            for name in present:
                os.replace(data_dir / name, aside / name)
                moved.append((aside / name, data_dir / name))
        for name in _staged_files(staged):
            os.replace(staged.folder / name, data_dir / name)
            placed.append(data_dir / name)
        fsync_dir(data_dir)
    except OSError as exc:
        for path in placed:
            path.unlink(missing_ok=True)
        for kept, original in reversed(moved):
            with contextlib.suppress(OSError):
                os.replace(kept, original)
        raise _problem(exc) from exc


__all__ = ["Staged", "check_new_folder", "open_staged", "place_in_new_folder",
           "place_setting_aside", "refuse_if_open", "set_aside_path", "staged_backup"]
