"""Encrypted, consistent backups of a data folder; listing and pruning them; restore.

A backup is one zip file holding a page-by-page copy of the database (still encrypted with the
same data key, taken with SQLite's online backup API so it is consistent while the app writes),
the key-slot file, and a manifest with a SHA-256 of the copy so damage is caught before restore.
No part of it is plaintext PHI, and its name is whatever the user chose (or a date stamp).

Two ways back: ``restore_backup`` unpacks into a new, empty folder (the CLI), and
``restore_setting_aside`` replaces a damaged data folder in place after *moving* its files into
``set-aside-<UTC stamp>/`` (the sign-in window): nothing is ever deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..models.audit import CHAIN_FORMAT
from .anchor import ANCHOR_NAME, Anchor
from .engine import Database, is_open, open_raw
from .errors import BackupError, DataDirProblem
from .vault import DB_NAME, KEYS_NAME, Vault

_FORMAT = "facilitator.backup/1"
RESTORE_MARKER = "restored-from-backup.json"
SUFFIX = ".fbak"
AUTO_PREFIX = "auto-"
UPGRADE_PREFIX = "before-upgrade-"
SET_ASIDE_PREFIX = "set-aside-"
# Only files with exactly this shape are ever pruned: a manual backup is never removed, even
# when the user saved it into the automatic folder.
_AUTO_NAME = re.compile(r"^auto-\d{8}-\d{6}(-\d+)?\.fbak$")
# The files that make up a data folder's database; everything else (backups, logs, the
# instance lock, back-off state) stays where it is on restore.
_DB_FILES = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal", KEYS_NAME,
             RESTORE_MARKER, ANCHOR_NAME)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_at: datetime
    revision: str | None
    size_bytes: int


@dataclass(frozen=True)
class BackupFile:
    """A backup file found on disk. ``kind`` is "automatic", "before upgrade" or "manual";
    ``created_at`` comes from the manifest (None when the file cannot be read)."""

    path: Path
    kind: str
    created_at: datetime | None
    size_bytes: int
    readable: bool


@dataclass(frozen=True)
class RestoredInPlace:
    manifest: dict[str, str]
    set_aside: Path | None
    """Where the previous files went; None when the folder held no database files."""


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
    # os.replace below would put the zip in place of the live database or its key slots.
    live = {(vault.data_dir / name).resolve() for name in _DB_FILES}
    if target.resolve() in live:
        raise BackupError(f"{target.name} is a file of the data folder itself; choose another"
                          " name or folder for the backup.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".facilitator-") as tmp:
            copy = Path(tmp) / DB_NAME
            source = open_raw(db.path, db.raw_key())
            dest = open_raw(copy, db.raw_key())
            try:
                source.backup(dest)
                # The anchor is the copy's own head: the live chain may have moved on.
                head = dest.execute(
                    "SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
                table = dest.execute("SELECT sql FROM sqlite_master WHERE type = 'table'"
                                     " AND name = 'audit_events'").fetchone()
            finally:
                dest.close()
                source.close()
            manifest = {
                "format": _FORMAT,
                "created_at": now.isoformat(),
                "revision": revision,
                "sha256": _sha256(copy),
                "db_id": vault.db_id(),
                "audit_events": head[0] if head else 0,
                "audit_head": head[1] if head else "",
                # Migration 0007 made the table AUTOINCREMENT and rehashed the chain: a copy
                # taken before it (the pre-upgrade backup) holds hashes in the old format.
                "audit_format": CHAIN_FORMAT if "AUTOINCREMENT" in str(table).upper() else 1,
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


def read_restore_marker(data_dir: Path) -> dict[str, str] | None:
    """The marker a restore left behind; None when this folder was not restored."""
    marker = Path(data_dir) / RESTORE_MARKER
    try:
        data = json.loads(marker.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:
        data = {}
    return {str(k): str(v) for k, v in data.items()}


def clear_restore_marker(data_dir: Path) -> None:
    """Remove the marker once the restore is in the audit log (after that commit)."""
    (Path(data_dir) / RESTORE_MARKER).unlink(missing_ok=True)


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


def backup_anchors(files: Iterable[BackupFile], db_id: str) -> list[Anchor]:
    """The audit anchors recorded in the manifests of ``files`` that belong to ``db_id``
    (backups of other clinics, from before anchors, or in another hash format are skipped)."""
    found = []
    for backup in files:
        if not backup.readable:
            continue
        try:
            manifest: dict[str, Any] = read_manifest(backup.path)
            if (manifest.get("db_id") != db_id or "audit_head" not in manifest
                    or manifest.get("audit_format") != CHAIN_FORMAT):
                continue
            found.append(Anchor(int(manifest["audit_events"]), str(manifest["audit_head"]),
                                datetime.fromisoformat(manifest["created_at"]),
                                backup.path.name))
        except (BackupError, KeyError, ValueError, TypeError):
            continue
    return found


def backup_kind(path: Path) -> str:
    name = Path(path).name
    if _AUTO_NAME.match(name):
        return "automatic"
    if name.startswith(UPGRADE_PREFIX):
        return "before upgrade"
    return "manual"


def _fresh_path(folder: Path, prefix: str, now: datetime) -> Path:
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    target = Path(folder) / f"{prefix}{stamp}{SUFFIX}"
    n = 2
    while target.exists():
        target = Path(folder) / f"{prefix}{stamp}-{n}{SUFFIX}"
        n += 1
    return target


def automatic_backup_path(folder: Path, now: datetime) -> Path:
    """A fresh name for an automatic backup taken at ``now`` (UTC stamp: sorts by time)."""
    return _fresh_path(folder, AUTO_PREFIX, now)


def upgrade_backup_path(folder: Path, now: datetime) -> Path:
    """A fresh name for the backup taken before a migration: never an earlier one's name, which
    ``write_backup`` would replace."""
    return _fresh_path(folder, UPGRADE_PREFIX, now)


def list_backup_files(folders: Iterable[Path]) -> list[BackupFile]:
    """Every ``*.fbak`` directly in ``folders`` (missing folders are skipped), newest first."""
    found: dict[Path, BackupFile] = {}
    for folder in folders:
        try:
            paths = sorted(Path(folder).glob(f"*{SUFFIX}"))
        except OSError:
            continue
        for path in paths:
            key = path.resolve()
            if key in found or not path.is_file():
                continue
            try:
                size = path.stat().st_size
                created: datetime | None = datetime.fromisoformat(read_manifest(path)["created_at"])
                readable = True
            except (BackupError, KeyError, ValueError, TypeError, OSError):
                created, readable = None, False
                size = path.stat().st_size if path.exists() else 0
            found[key] = BackupFile(path, backup_kind(path), created, size, readable)
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(found.values(), key=lambda b: (b.created_at or epoch, b.path.name),
                  reverse=True)


def prune_automatic(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` automatic backups in ``folder``; returns the removed
    paths. Manual and pre-upgrade backups are never touched."""
    try:
        autos = sorted((p for p in Path(folder).iterdir() if _AUTO_NAME.match(p.name)),
                       key=lambda p: p.name, reverse=True)
    except OSError:
        return []
    removed = []
    for path in autos[max(keep, 0):]:
        try:
            path.unlink()
        except OSError:
            continue  # a read-only or vanished file: try again next time
        removed.append(path)
    return removed


def _refuse_if_open(data_dir: Path) -> None:
    if is_open(Path(data_dir) / DB_NAME):
        raise BackupError(
            f"{data_dir} is the data folder this window has open. Sign out first, or restore"
            " into a new folder."
        )


def _unpack_verified(source: Path, staging: Path) -> dict[str, str]:
    """Extract the database and key slots of ``source`` into ``staging`` and check the
    manifest's checksum; raises BackupError (nothing else touched) when the backup is bad."""
    manifest = read_manifest(source)
    try:
        with zipfile.ZipFile(source) as zf:
            zf.extract(DB_NAME, staging)
            zf.extract(KEYS_NAME, staging)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise BackupError(f"{source.name} is damaged and cannot be unpacked.") from exc
    if _sha256(staging / DB_NAME) != manifest.get("sha256"):
        raise BackupError(f"{source.name} is damaged: its checksum does not match.")
    return manifest


def _write_marker(data_dir: Path, manifest: dict[str, str], **extra: str) -> None:
    (data_dir / RESTORE_MARKER).write_text(
        json.dumps({"backup_created_at": manifest.get("created_at"), **extra}), "utf-8"
    )


def restore_backup(source: Path, data_dir: Path) -> dict[str, str]:
    """Unpack ``source`` into the new, empty ``data_dir``; existing data is never overwritten."""
    source, data_dir = Path(source), Path(data_dir)
    _refuse_if_open(data_dir)
    read_manifest(source)
    if data_dir.exists() and not data_dir.is_dir():
        raise BackupError(f"{data_dir} is a file, not a folder. Restore into a new folder.")
    try:
        if data_dir.exists() and any(data_dir.iterdir()):
            raise BackupError(f"{data_dir} is not empty. Restore into a new folder; existing"
                              " data is never replaced.")
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".facilitator-restore-", dir=data_dir.parent))
    except OSError as exc:
        raise DataDirProblem(f"The backup could not be restored: {exc.strerror}.") from exc
    try:
        manifest = _unpack_verified(source, staging)
        data_dir.mkdir(parents=True, exist_ok=True)
        for name in (DB_NAME, KEYS_NAME):
            shutil.move(staging / name, data_dir / name)
        _write_marker(data_dir, manifest)
    except OSError as exc:
        raise DataDirProblem(f"The backup could not be restored: {exc.strerror}.") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _set_aside_dir(data_dir: Path, now: datetime) -> Path:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = data_dir / f"{SET_ASIDE_PREFIX}{stamp}"
    n = 2
    while target.exists():
        target = data_dir / f"{SET_ASIDE_PREFIX}{stamp}-{n}"
        n += 1
    return target


def restore_setting_aside(source: Path, data_dir: Path, now: datetime) -> RestoredInPlace:
    """Replace the database of ``data_dir`` with the backup ``source``.

    The backup is unpacked and its checksum verified first; only then are the current database
    files (database, WAL, key slots) *moved* into ``set-aside-<UTC stamp>/`` inside the folder
    and the backup moved in. A bad backup leaves every file where it was; a failure half-way
    moves the set-aside files back. Leaves the restore marker for the next sign-in to audit."""
    source, data_dir = Path(source), Path(data_dir)
    _refuse_if_open(data_dir)
    read_manifest(source)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        # Staging inside the data folder: same file system, so the final moves are renames.
        staging = Path(tempfile.mkdtemp(prefix=".facilitator-restore-", dir=data_dir))
    except OSError as exc:
        raise DataDirProblem(f"The backup could not be restored: {exc.strerror}.") from exc
    moved: list[tuple[Path, Path]] = []
    placed: list[Path] = []
    aside: Path | None = None
    try:
        manifest = _unpack_verified(source, staging)
        present = [name for name in _DB_FILES if (data_dir / name).exists()]
        if present:
            aside = _set_aside_dir(data_dir, now)
            aside.mkdir()
            for name in present:
                os.replace(data_dir / name, aside / name)
                moved.append((aside / name, data_dir / name))
        for name in (DB_NAME, KEYS_NAME):
            os.replace(staging / name, data_dir / name)
            placed.append(data_dir / name)
        _write_marker(data_dir, manifest,
                      set_aside=aside.name if aside is not None else "")
    except OSError as exc:
        for path in placed:
            path.unlink(missing_ok=True)
        for kept, original in reversed(moved):
            with contextlib.suppress(OSError):  # if not, still safe in the set-aside folder
                os.replace(kept, original)
        raise DataDirProblem(f"The backup could not be restored: {exc.strerror}.") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoredInPlace(manifest, aside)
