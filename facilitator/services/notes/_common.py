"""Shared internals of the notes services: loading, who may do what, deadlines, late entries."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models.notes import NoteRevision, ProgressNote
from ...models.roster import Group, Program
from ...models.sessions import GroupSession, SessionFacilitator
from ...models.users import User
from ..console.dto import ATTENDING
from ..errors import Conflict, NotFound, PermissionDenied
from ..workspace import Workspace

WRITER_ROLES = ("therapist", "supervisor")
COSIGN_AGING_DAYS = 2


def load_note(s: Session, note_id: int) -> ProgressNote:
    note = s.get(ProgressNote, note_id)
    if note is None:
        raise NotFound("That note no longer exists.")
    return note


def current_revision(s: Session, note: ProgressNote) -> NoteRevision:
    rev = s.scalar(select(NoteRevision).where(NoteRevision.note_id == note.id)
                   .order_by(NoteRevision.number.desc()).limit(1))
    if rev is None:  # pragma: no cover - a note is always created with its first revision
        raise NotFound("That note has no text yet.")
    return rev


def load_session(s: Session, session_id: int) -> GroupSession:
    sess = s.get(GroupSession, session_id)
    if sess is None:
        raise NotFound("That session no longer exists.")
    return sess


def program_for(s: Session, sess: GroupSession) -> tuple[Group, Program]:
    group = s.get(Group, sess.group_id)
    if group is None:
        raise NotFound("The session's group no longer exists.")
    program = s.get(Program, group.program_id)
    if program is None:
        raise NotFound("The group's program no longer exists.")
    return group, program


def facilitator_ids(s: Session, sess: GroupSession) -> set[int]:
    ids = set(s.scalars(select(SessionFacilitator.user_id)
                        .where(SessionFacilitator.session_id == sess.id)))
    if sess.lead_facilitator_id is not None:
        ids.add(sess.lead_facilitator_id)
    return ids


def may_write(ws: Workspace, s: Session, sess: GroupSession) -> bool:
    return ws.actor.role in WRITER_ROLES and ws.actor.user_id in facilitator_ids(s, sess)


def require_writer(ws: Workspace, s: Session, sess: GroupSession) -> None:
    """Only a facilitator of the session (therapist or supervisor) writes and signs its notes."""
    if ws.actor.role not in WRITER_ROLES:
        raise PermissionDenied("Admins manage the clinic but do not write or sign clinical "
                               "notes.")
    if ws.actor.user_id not in facilitator_ids(s, sess):
        raise PermissionDenied("Only a facilitator of this session can write and sign its "
                               "notes.")


def require_reviewer(ws: Workspace, s: Session, note: ProgressNote) -> None:
    """Supervisors (or the author's assigned supervisor) co-sign, return and review notes,
    never their own."""
    author = s.get(User, note.author_id)
    assigned = author is not None and author.supervisor_id == ws.actor.user_id
    if ws.actor.role != "supervisor" and not assigned:
        raise PermissionDenied("Only a clinical supervisor can co-sign, return or review "
                               "notes.")
    if note.author_id == ws.actor.user_id:
        raise PermissionDenied("A supervisor cannot co-sign or review their own note.")


def session_end(sess: GroupSession) -> datetime:
    return sess.actual_end or sess.planned_end


def deadline(sess: GroupSession, program: Program) -> datetime:
    return session_end(sess) + timedelta(hours=program.note_deadline_hours)


def late_label(now: datetime, sess: GroupSession, program: Program, tz: ZoneInfo) -> str:
    """The late-entry label a note signed ``now`` carries, or "" when it is on time."""
    if now <= deadline(sess, program):
        return ""
    local = now.astimezone(tz)
    return (f"Late entry: written {local:%a %d %b %Y %H:%M} ({local.tzname()}), after the "
            f"program's {program.note_deadline_hours}-hour deadline for the session of "
            f"{sess.session_date:%d %b %Y}.")


def needs_note(status: str, program: Program) -> str | None:
    """The kind of note an attendance status needs: "session", "absence", or None."""
    if status in ATTENDING:
        return "session"
    return "absence" if program.absence_notes else None


def require_draft(note: ProgressNote) -> None:
    if note.state != "draft":
        raise Conflict("This note is signed. Corrections go in an addendum.")
