"""Encrypted, consistent backups of a data folder; listing and pruning them.

A backup is one zip file holding a page-by-page copy of the database (still encrypted with the
same data key, taken with SQLite's online backup API so it is consistent while the app writes),
the key-slot file, and a manifest: the SHA-256 of every file, the audit chain's head (an anchor,
see ``anchor.py``) and an HMAC under a key derived from the data key, so damage and tampering
are caught before restore (``restore.py``). No part of it is plaintext PHI, and its name is
whatever the user chose (or a date stamp).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..models.audit import CHAIN_FORMAT
from .anchor import ANCHOR_NAME, Anchor
from .engine import Database, open_raw
from .errors import BackupError, DataDirProblem
from .files import PRIVATE_FILE, fsync_dir, make_private, private_dir
from .vault import DB_NAME, KEYS_NAME, Vault

_FORMAT = "facilitator.backup/2"
_FORMATS = ("facilitator.backup/1", _FORMAT)  # /1: no file list, no seal (older backups)
SUFFIX = ".fbak"
AUTO_PREFIX = "auto-"
UPGRADE_PREFIX = "before-upgrade-"
SET_ASIDE_PREFIX = "set-aside-"
# Only files with exactly this shape are ever pruned: a manual backup is never removed, even
# when the user saved it into the automatic folder.
_AUTO_NAME = re.compile(r"^auto-\d{8}-\d{6}(-\d+)?\.fbak$")
# The files that make up a data folder's database; everything else (backups, logs, the
# instance lock, back-off state) stays where it is on restore.
DB_FILES = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal", KEYS_NAME,
            ANCHOR_NAME)


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


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_mac(manifest: dict[str, Any], data_key: bytes, db_id: str) -> str:
    """HMAC-SHA256 over the manifest (without its own ``mac``) under a key derived from the data
    key: only someone holding the clinic's key can make a manifest that passes."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=db_id.encode("ascii"),
               info=b"facilitator backup manifest v2").derive(data_key)
    body = json.dumps({k: v for k, v in manifest.items() if k != "mac"}, sort_keys=True,
                      separators=(",", ":"))
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


def write_backup(
    vault: Vault, db: Database, target: Path, now: datetime, revision: str | None
) -> BackupInfo:
    target = Path(target)
    # os.replace below would put the zip in place of the live database or its key slots.
    live = {(vault.data_dir / name).resolve() for name in DB_FILES}
    if target.resolve() in live:
        raise BackupError(f"{target.name} is a file of the data folder itself; choose another"
                          " name or folder for the backup.")
    try:
        if target.parent == vault.backups_dir:
            private_dir(target.parent)
        else:  # a folder the clinic chose (an external drive): created, its mode left alone
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
            keys_bytes = vault.keys_path.read_bytes()
            db_id = vault.db_id()
            manifest: dict[str, Any] = {
                "format": _FORMAT,
                "created_at": now.isoformat(),
                "revision": revision,
                "sha256": sha256_file(copy),
                # Every file of the archive, so nothing can be swapped or added unnoticed.
                "files": {DB_NAME: sha256_file(copy),
                          KEYS_NAME: hashlib.sha256(keys_bytes).hexdigest()},
                "db_id": db_id,
                "audit_events": head[0] if head else 0,
                "audit_head": head[1] if head else "",
                # Migration 0007 made the table AUTOINCREMENT and rehashed the chain: a copy
                # taken before it (the pre-upgrade backup) holds hashes in the old format.
                "audit_format": CHAIN_FORMAT if "AUTOINCREMENT" in str(table).upper() else 1,
            }
            manifest["mac"] = manifest_mac(manifest, db.raw_key(), db_id)
            partial = Path(tmp) / "backup.zip"
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC
                         | getattr(os, "O_BINARY", 0), PRIVATE_FILE)
            with open(fd, "wb") as raw:
                with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED) as zf:
                    zf.writestr("manifest.json", json.dumps(manifest))
                    zf.writestr(KEYS_NAME, keys_bytes)
                    zf.write(copy, DB_NAME)
                raw.flush()
                # Through the write handle: fsync on a read-only handle fails on Windows.
                os.fsync(raw.fileno())
            make_private(partial)
            os.replace(partial, target)
            fsync_dir(target.parent)
    except OSError as exc:
        raise DataDirProblem(f"The backup could not be written: {exc.strerror}.") from exc
    return BackupInfo(target, now, revision, target.stat().st_size)


def read_manifest(source: Path) -> dict[str, str]:
    try:
        with zipfile.ZipFile(source) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            names = set(zf.namelist())
    except FileNotFoundError:
        raise BackupError(f"No backup file at {source}.") from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise BackupError(f"{source.name} is not a Facilitator backup or it is damaged.") from exc
    if (not isinstance(manifest, dict) or manifest.get("format") not in _FORMATS
            or not {DB_NAME, KEYS_NAME} <= names):
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
