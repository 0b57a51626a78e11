"""Encrypted, consistent backups of a data folder, and restore into a new one.

A backup is one zip file holding a page-by-page copy of the database (still encrypted with the
same data key, taken with SQLite's online backup API so it is consistent while the app writes),
the key-slot file, and a manifest with a SHA-256 of the copy so damage is caught before restore.
No part of it is plaintext PHI, and its name is whatever the user chose.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .engine import Database, open_raw
from .errors import BackupError, DataDirProblem
from .vault import DB_NAME, KEYS_NAME, Vault

_FORMAT = "facilitator.backup/1"
RESTORE_MARKER = "restored-from-backup.json"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_at: datetime
    revision: str | None
    size_bytes: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_backup(
    vault: Vault, db: Database, target: Path, now: datetime, revision: str | None
) -> BackupInfo:
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".facilitator-") as tmp:
            copy = Path(tmp) / DB_NAME
            source = open_raw(db.path, db.raw_key())
            dest = open_raw(copy, db.raw_key())
            try:
                source.backup(dest)
            finally:
                dest.close()
                source.close()
            manifest = {
                "format": _FORMAT,
                "created_at": now.isoformat(),
                "revision": revision,
                "sha256": _sha256(copy),
            }
            partial = Path(tmp) / "backup.zip"
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as zf:
                zf.writestr("manifest.json", json.dumps(manifest))
                zf.write(vault.keys_path, KEYS_NAME)
                zf.write(copy, DB_NAME)
            with open(partial, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(partial, target)
    except OSError as exc:
        raise DataDirProblem(f"The backup could not be written: {exc.strerror}.") from exc
    return BackupInfo(target, now, revision, target.stat().st_size)


def take_restore_marker(data_dir: Path) -> dict[str, str] | None:
    """The marker a restore left behind, removed; None when this folder was not restored."""
    marker = Path(data_dir) / RESTORE_MARKER
    try:
        data = json.loads(marker.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:
        data = {}
    marker.unlink(missing_ok=True)
    return {str(k): str(v) for k, v in data.items()}


def read_manifest(source: Path) -> dict[str, str]:
    try:
        with zipfile.ZipFile(source) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            names = set(zf.namelist())
    except FileNotFoundError:
        raise BackupError(f"No backup file at {source}.") from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise BackupError(f"{source.name} is not a Facilitator backup or it is damaged.") from exc
    if manifest.get("format") != _FORMAT or not {DB_NAME, KEYS_NAME} <= names:
        raise BackupError(f"{source.name} is not a Facilitator backup.")
    return manifest


def restore_backup(source: Path, data_dir: Path) -> dict[str, str]:
    """Unpack ``source`` into the new, empty ``data_dir``; existing data is never overwritten."""
    manifest = read_manifest(Path(source))
    data_dir = Path(data_dir)
    if data_dir.exists() and any(data_dir.iterdir()):
        raise BackupError(
            f"{data_dir} is not empty. Restore into a new folder; existing data is never replaced."
        )
    staging = Path(tempfile.mkdtemp(prefix=".facilitator-restore-", dir=data_dir.parent))
    try:
        with zipfile.ZipFile(source) as zf:
            zf.extract(DB_NAME, staging)
            zf.extract(KEYS_NAME, staging)
        if _sha256(staging / DB_NAME) != manifest["sha256"]:
            raise BackupError(f"{Path(source).name} is damaged: its checksum does not match.")
        data_dir.mkdir(parents=True, exist_ok=True)
        for name in (DB_NAME, KEYS_NAME):
            shutil.move(staging / name, data_dir / name)
        (data_dir / RESTORE_MARKER).write_text(
            json.dumps({"backup_created_at": manifest.get("created_at")}), "utf-8"
        )
    except OSError as exc:
        raise DataDirProblem(f"The backup could not be restored: {exc.strerror}.") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
