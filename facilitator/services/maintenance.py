"""Integrity verification, backups and restore: the records clerk's maintenance tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from ..models.roster import Participant
from ..models.sessions import Attendance, GroupSession
from ..storage import integrity, migrate
from ..storage.backup import BackupInfo, restore_backup, write_backup
from ..storage.errors import StorageError
from . import audit
from .errors import StorageProblem
from .workspace import Workspace


@dataclass(frozen=True)
class IntegrityReport:
    ok: bool
    lines: list[str] = field(default_factory=list)
    first_problem: str | None = None


def verify(ws: Workspace) -> IntegrityReport:
    """Check page encryption, structure, references, the audit chain and the schema level."""
    lines: list[str] = []
    problems = integrity.check(ws.db)
    lines.append("Database file: " + ("sound" if not problems else f"{len(problems)} problem(s)"))
    if problems:  # damaged pages: reading further would only fail on them
        lines.extend(f"Problem: {p}" for p in problems)
        return IntegrityReport(False, lines, problems[0])
    with ws.transaction() as s:
        chain = audit.verify_chain(s)
        counts = {
            "participants": s.scalar(select(func.count()).select_from(Participant)) or 0,
            "sessions": s.scalar(select(func.count()).select_from(GroupSession)) or 0,
            "attendance records": s.scalar(select(func.count()).select_from(Attendance)) or 0,
        }
    if chain.ok:
        lines.append(f"Audit chain: intact ({chain.events} events)")
    else:
        problems.append(f"audit chain broken at event {chain.first_bad_id}")
        lines.append(f"Audit chain: BROKEN at event {chain.first_bad_id}")
    current, head = migrate.current_revision(ws.db), migrate.head_revision()
    lines.append(f"Schema: {current} (this app expects {head})")
    if current != head:
        problems.append(f"schema at {current}, expected {head}")
    lines.extend(f"{name.capitalize()}: {n:,}" for name, n in counts.items())
    with ws.transaction() as s:
        audit.record(s, ws, "integrity.verified", ok=not problems)
    return IntegrityReport(not problems, lines + [f"Problem: {p}" for p in problems],
                           problems[0] if problems else None)


def backup(ws: Workspace, target: Path) -> BackupInfo:
    """An encrypted, consistent copy of the whole data folder in one file (audited)."""
    ws.require("admin", "supervisor")
    try:
        info = write_backup(ws.vault, ws.db, target, ws.clock.now(),
                            migrate.current_revision(ws.db))
    except StorageError as error:
        raise StorageProblem(str(error)) from error
    with ws.transaction() as s:
        audit.record(s, ws, "backup.created", size_bytes=info.size_bytes)
    return info


def restore(source: Path, data_dir: Path) -> dict[str, str]:
    """Unpack a backup into a new, empty data folder.

    Nothing can be written to the encrypted audit log without a password, so storage leaves a
    marker (no PHI) that the next sign-in turns into a ``backup.restored`` audit event."""
    try:
        return restore_backup(source, data_dir)
    except StorageError as error:
        raise StorageProblem(str(error)) from error
