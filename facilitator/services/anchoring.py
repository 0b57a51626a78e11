"""Checking the audit chain against its anchors outside the database (see ``storage.anchor``).

Every anchor in sight is checked: the data folder's anchor file and the manifest of every backup
of this clinic in its backup folders. Each must be extended by the live chain, with one
exception that is expected: restoring an older backup goes back in time, so anchors recorded
*between* that backup and the restore are not extended by the restored chain. The restore itself
is in the chain (``backup.restored``, with the backup's date), which is how those are told apart
from a cut; they are reported as a note, not a problem.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from ..models.audit import AuditEvent
from ..storage import anchor
from ..storage.anchor import Anchor
from ..storage.backup import backup_anchors, list_backup_files
from ..storage.errors import StorageError
from .errors import StorageProblem
from .workspace import Workspace


def _restore_windows(ws: Workspace) -> list[tuple[datetime, datetime]]:
    """(backup's date, time of the restore) of every restore recorded in the chain."""
    windows = []
    with ws.read() as s:
        for at, details in s.execute(select(AuditEvent.at, AuditEvent.details)
                                     .where(AuditEvent.action == "backup.restored")):
            try:
                windows.append((datetime.fromisoformat(str(details["backup_created_at"])), at))
            except (KeyError, TypeError, ValueError):
                continue  # a restore of unknown date explains nothing
    return windows


def check_anchors(ws: Workspace, backup_folders: list[Path]) -> tuple[list[str], list[str]]:
    """Report lines and problems (no PHI)."""
    problems: list[str] = []
    found, file_problem, note = ws.vault.anchor_file(ws.db).read()
    if file_problem is not None:
        problems.append(file_problem)
    lines = [f"Anchor: {note}"] if note else []
    anchors: list[Anchor] = backup_anchors(list_backup_files(backup_folders), ws.vault.db_id())
    if found is not None:
        anchors.append(found)
    if not anchors:
        lines.append("Anchors: none yet (one is written at sign-out and with every backup)")
        return lines, problems
    windows = _restore_windows(ws)
    superseded = 0
    for a in sorted(anchors, key=lambda a: a.at):
        if anchor.extends(ws.db, a):
            continue
        if any(backup_at < a.at < restored_at for backup_at, restored_at in windows):
            superseded += 1
            continue
        problems.append(f"audit chain does not extend the anchor in {a.source}: events up to"
                        f" {a.events} were deleted or the chain was rewritten")
    newest = anchor.newest(anchors)
    assert newest is not None
    lines.append(f"Anchors: {len(anchors)} checked, newest {newest.events} events of"
                 f" {newest.at.astimezone(ws.timezone):%Y-%m-%d %H:%M} ({newest.source})"
                 + ("" if problems else ", all extended by the chain"))
    if superseded:
        lines.append(f"Anchors: {superseded} recorded between a restored backup and its restore"
                     " (expected: the restore went back in time)")
    return lines, problems


def advance_anchor(ws: Workspace) -> None:
    """Record the committed chain head in the data folder's anchor file; an anchor that the
    chain no longer extends is kept as evidence."""
    try:
        anchor.advance(ws.vault.anchor_file(ws.db), ws.db, ws.clock.now())
    except StorageError as error:
        raise StorageProblem(str(error)) from error
