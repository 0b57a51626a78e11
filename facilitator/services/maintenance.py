"""Integrity verification, backups (manual, automatic at sign-out, pruning) and restore: the
records clerk's maintenance tasks.

Backup settings are clinic policy stored in the database (``Clinic.backup_*``): the folder for
automatic backups (default: the data folder's ``backups/``; an external drive is better), whether
to back up automatically when a user signs out (at most once a clinic day) and how many automatic
backups to keep. Manual and pre-upgrade backups are never pruned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models.roster import Participant
from ..models.sessions import Attendance, GroupSession
from ..models.users import Clinic
from ..storage import integrity, migrate
from ..storage.backup import (
    BackupFile,
    BackupInfo,
    automatic_backup_path,
    list_backup_files,
    prune_automatic,
    write_backup,
)
from ..storage.errors import StorageError
from . import audit, key_rotation, notes
from .anchoring import advance_anchor, check_anchors
from .errors import NotFound, StorageProblem
from .restoring import (
    RestoreOutcome,
    backup_warnings,
    check_target,
    restore,
    restore_damaged,
)
from .validation import Checker
from .workspace import Workspace

__all__ = [
    "BackupFile", "BackupInfo", "BackupSettings", "Examination", "IntegrityReport",
    "RestoreOutcome", "auto_backup_if_due", "backup", "backup_settings", "backup_warnings",
    "check_target", "conclude", "default_backup_name", "examine", "list_backups",
    "restore", "restore_damaged", "update_backup_settings", "verify",
]

DEFAULT_KEEP = 14
MAX_KEEP = 365


@dataclass(frozen=True)
class IntegrityReport:
    ok: bool
    lines: list[str] = field(default_factory=list)
    first_problem: str | None = None


@dataclass(frozen=True)
class BackupSettings:
    folder: Path
    """Where automatic backups go (the default folder when none was chosen)."""
    is_default_folder: bool
    default_folder: Path
    keep: int
    automatic: bool
    last_automatic_at: datetime | None


@dataclass(frozen=True)
class Examination:
    """What the read-only checks of ``verify`` found (no PHI): report lines and problems.
    ``damaged``: the page checks failed, so nothing further was (or may be) read or written."""

    lines: list[str]
    problems: list[str]
    damaged: bool = False


def examine(ws: Workspace, *, file_checked: bool = False,
            progress: Callable[[str], None] | None = None) -> Examination:
    """The read-only part of ``verify``: page encryption, structure, references, the audit
    chain, the protective triggers, the note signatures and the schema level. It writes nothing,
    so it may run in another process on its own connection (``verify_process``); ``progress``
    receives a short line as each check starts and after each stretch of the chain walk."""
    report = progress or (lambda _text: None)
    lines: list[str] = []
    if not file_checked:
        report("Checking every page of the database file…")
    problems = [] if file_checked else integrity.check(ws.db)
    lines.append("Database file: " + ("sound" if not problems else f"{len(problems)} problem(s)"))
    if problems:  # damaged pages: reading further would only fail on them
        lines.extend(f"Problem: {p}" for p in problems)
        return Examination(lines, problems, damaged=True)
    report("Checking the audit chain…")
    with ws.read() as s:  # a long walk: it must not hold the write lock the console needs
        chain = audit.verify_chain(
            s, on_batch=lambda n: report(f"Checking the audit chain… {n:,} events"))
        counts = {
            "participants": s.scalar(select(func.count()).select_from(Participant)) or 0,
            "sessions": s.scalar(select(func.count()).select_from(GroupSession)) or 0,
            "attendance records": s.scalar(select(func.count()).select_from(Attendance)) or 0,
        }
        report("Checking note signatures…")
        signatures, bad_signatures = notes.verify_signatures(s)
    if chain.problem is None:
        lines.append(f"Audit chain: intact ({chain.events} events)")
    else:
        problems.append(chain.problem)
        lines.append(f"Audit chain: BROKEN ({chain.problem})")
    guard_problems = integrity.check_guards(ws.db)
    lines.append("Protective triggers: " + ("in place" if not guard_problems
                                             else f"{len(guard_problems)} problem(s)"))
    problems.extend(guard_problems)
    if not bad_signatures:
        lines.append(f"Note signatures: all {signatures:,} match their signed content")
    else:
        lines.append(f"Note signatures: {len(bad_signatures)} of {signatures:,} do NOT match")
        for bad in bad_signatures:
            problems.append(f"signature {bad.signature_id} (note {bad.note_id}): {bad.what}")
    current, head = migrate.current_revision(ws.db), migrate.head_revision()
    lines.append(f"Schema: {current} (this app expects {head})")
    if current != head:
        problems.append(f"schema at {current}, expected {head}")
    lines.extend(f"{name.capitalize()}: {n:,}" for name, n in counts.items())
    return Examination(lines, problems)


def conclude(ws: Workspace, found: Examination) -> IntegrityReport:
    """The rest of ``verify`` after ``examine``: the anchors outside the database (they need
    this device's keychain), the audit event, and the anchor advanced when all is well."""
    if found.damaged:
        return IntegrityReport(False, list(found.lines), found.problems[0])
    lines, problems = list(found.lines), list(found.problems)
    settings = backup_settings(ws)
    anchor_lines, anchor_problems = check_anchors(ws, [settings.folder, settings.default_folder])
    lines.extend(anchor_lines)
    problems.extend(anchor_problems)
    key_lines, key_problems = key_rotation.check_slots(ws)
    lines.extend(key_lines)
    problems.extend(key_problems)
    from .sync import devices  # every device of the clinic this laptop syncs with

    sync_lines, sync_problems = devices.verify_section(ws)
    lines.extend(sync_lines)
    problems.extend(sync_problems)
    with ws.transaction() as s:
        audit.record(s, ws, "integrity.verified", ok=not problems)
    if not problems:
        advance_anchor(ws)
    return IntegrityReport(not problems, lines + [f"Problem: {p}" for p in problems],
                           problems[0] if problems else None)


def verify(ws: Workspace, *, file_checked: bool = False) -> IntegrityReport:
    """Check page encryption, structure, references, the audit chain, the protective triggers,
    the anchors and the schema level, in this process (the CLI). The app runs the long
    read-only part in a process of its own (``verify_process.verify_isolated``) so the live
    console never shares an interpreter lock with it. ``file_checked``: the page checks already
    ran moments ago (``auth.sign_in(check_first=True)``); reading every page again would double
    the wait."""
    return conclude(ws, examine(ws, file_checked=file_checked))


def _write(ws: Workspace, target: Path) -> BackupInfo:
    try:
        return write_backup(ws.vault, ws.db, target, ws.clock.now(),
                            migrate.current_revision(ws.db))
    except StorageError as error:
        raise StorageProblem(str(error)) from error


def backup(ws: Workspace, target: Path) -> BackupInfo:
    """An encrypted, consistent copy of the whole data folder in one file (audited)."""
    ws.require("admin", "supervisor")
    info = _write(ws, Path(target))
    with ws.transaction() as s:
        audit.record(s, ws, "backup.created", kind="manual", size_bytes=info.size_bytes)
    advance_anchor(ws)
    return info


def default_backup_name(ws: Workspace) -> str:
    """The suggested file name for a manual backup: the clinic's date, never a PHI name."""
    day = ws.today()
    return f"facilitator-backup-{day.isoformat()}.fbak"


def _clinic(s: Session) -> Clinic:
    row = s.scalar(select(Clinic))
    if row is None:
        raise NotFound("The clinic record is missing.")
    return row


def _settings(ws: Workspace, row: Clinic) -> BackupSettings:
    default = ws.vault.backups_dir
    folder = Path(row.backup_folder) if row.backup_folder else default
    return BackupSettings(folder, not row.backup_folder, default, row.backup_keep,
                          row.auto_backup, row.last_auto_backup_at)


def backup_settings(ws: Workspace) -> BackupSettings:
    """The clinic's backup policy."""
    with ws.read() as s:
        return _settings(ws, _clinic(s))


def update_backup_settings(ws: Workspace, *, folder: str, keep: int,
                           automatic: bool) -> BackupSettings:
    """Change the backup policy (admins). ``folder`` "" means the default folder; a folder on
    another drive survives the loss of this computer's disk. Audited."""
    ws.require("admin")
    c = Checker()
    cleaned = folder.strip()
    if cleaned and not Path(cleaned).expanduser().is_absolute():
        c.fail("folder", "Choose a full folder path, e.g. E:\\Facilitator backups.")
    if not 1 <= keep <= MAX_KEEP:
        c.fail("keep", f"Keep between 1 and {MAX_KEEP} automatic backups.")
    c.raise_if_any()
    path = Path(cleaned).expanduser() if cleaned else None
    with ws.transaction() as s:
        row = _clinic(s)
        row.backup_folder = "" if path is None or path == ws.vault.backups_dir else str(path)
        row.backup_keep, row.auto_backup = keep, automatic
        row.updated_at, row.updated_by_id = ws.clock.now(), ws.actor.user_id
        audit.record(s, ws, "backup.settings_changed", "clinic", row.id,
                     folder=row.backup_folder or "(default)", keep=keep, automatic=automatic)
        return _settings(ws, row)


def list_backups(ws: Workspace) -> list[BackupFile]:
    """Backups in the clinic's backup folder and the automatic pre-upgrade backups in the data
    folder, newest first (a damaged file is listed with ``readable`` False)."""
    ws.require("admin", "supervisor")
    settings = backup_settings(ws)
    return list_backup_files([settings.folder, settings.default_folder])


def _due(ws: Workspace, settings: BackupSettings) -> bool:
    if not settings.automatic:
        return False
    if settings.last_automatic_at is None:
        return True
    return settings.last_automatic_at.astimezone(ws.timezone).date() < ws.today()


def auto_backup_if_due(ws: Workspace) -> BackupInfo | None:
    """At sign-out: the automatic backup, when the clinic wants one and none was taken today
    (clinic time). Keeps the newest ``keep`` automatic backups. Any user's sign-out may take it
    (it is clinic policy, written only to the clinic's folder); audited as ``backup.created``,
    and a failure as ``backup.failed`` before it is raised (so the admin can see it)."""
    settings = backup_settings(ws)
    if not _due(ws, settings):
        return None
    now = ws.clock.now()
    try:
        info = _write(ws, automatic_backup_path(settings.folder, now))
    except StorageProblem as error:
        with ws.transaction() as s:
            audit.record(s, ws, "backup.failed", kind="automatic", reason=str(error))
        raise
    pruned = prune_automatic(settings.folder, settings.keep)
    with ws.transaction() as s:
        row = _clinic(s)
        row.last_auto_backup_at = now
        audit.record(s, ws, "backup.created", kind="automatic", size_bytes=info.size_bytes,
                     pruned=len(pruned))
    advance_anchor(ws)
    return info
