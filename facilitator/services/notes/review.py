"""Supervisor review: return a note with a comment, mark a final note reviewed, and the queues
and counts (the author's notes queue, the supervisor's review queue, Today's counts).

Queue queries run in read-only units of work, so a supervisor's review never stalls a live
console on the same machine.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from ...models.notes import NoteGoalLink, NoteReview, NoteRevision, ProgressNote
from ...models.roster import Group, Participant, Program
from ...models.sessions import Attendance, GroupSession, SessionFacilitator
from ...models.users import User
from .. import audit
from ..console.dto import ATTENDING
from ..errors import Conflict, ValidationError
from ..validation import MAX_TEXT, Checker
from ..workspace import Workspace
from ._common import COSIGN_AGING_DAYS, current_revision, load_note, require_reviewer
from .dto import NoteCounts, QueueEntry, ReviewRow

REVIEW_DECISIONS = ("reviewed", "addendum_requested")
FINAL_LIMIT = 300  # the newest unreviewed final notes a supervisor's queue shows


def return_note(ws: Workspace, note_id: int, comment: str) -> None:
    """Return a signed note to its author with a comment. The signed revision and its
    signature stay in the history, unchanged; a new draft revision (a copy) goes back to the
    author's queue with the comment."""
    c = Checker()
    comment = c.text("comment", "The comment", comment, max_len=MAX_TEXT)
    c.raise_if_any()
    with ws.transaction() as s:
        note = load_note(s, note_id)
        require_reviewer(ws, s, note)
        if note.state != "awaiting_cosign":
            raise Conflict("Only a note waiting for co-signature can be returned; for a final "
                           "note, request an addendum.")
        rev = current_revision(s, note)
        now = ws.clock.now()
        s.add(NoteReview(note_id=note.id, revision_id=rev.id, reviewer_id=ws.actor.user_id,
                         at=now, decision="returned", comment=comment))
        sections = dict(rev.content.get("sections", {}))
        draft = NoteRevision(note_id=note.id, number=rev.number + 1, format=rev.format,
                             content={"sections": sections, "justifications": dict(
                                 rev.content.get("justifications", {}))},
                             facts=None, late_entry="", content_sha256="", edit_seq=0,
                             created_at=now, created_by_id=ws.actor.user_id, audited_at=now)
        s.add(draft)
        s.flush()
        for link in s.scalars(select(NoteGoalLink).where(NoteGoalLink.revision_id == rev.id)):
            s.add(NoteGoalLink(revision_id=draft.id, goal_id=link.goal_id, rating=link.rating,
                               comment=link.comment))
        note.state, note.signed_at, note.returned_comment = "draft", None, comment
        note.updated_at, note.updated_by_id = now, ws.actor.user_id
        audit.record(s, ws, "note.returned", "participant", note.participant_id,
                     note_id=note.id, revision=rev.number)


def review_note(ws: Workspace, note_id: int, decision: str, comment: str = "") -> None:
    """A supervisor's review of a final note: "reviewed", or "addendum_requested" (with a
    comment saying what the addendum should say)."""
    if decision not in REVIEW_DECISIONS:
        raise ValidationError({"decision": "Mark the note reviewed or request an addendum."})
    c = Checker()
    comment = c.text("comment", "The comment", comment,
                     required=decision == "addendum_requested", max_len=MAX_TEXT)
    c.raise_if_any()
    with ws.transaction() as s:
        note = load_note(s, note_id)
        require_reviewer(ws, s, note)
        if note.state != "final":
            raise Conflict("Only a final (signed) note can be reviewed.")
        rev = current_revision(s, note)
        s.add(NoteReview(note_id=note.id, revision_id=rev.id, reviewer_id=ws.actor.user_id,
                         at=ws.clock.now(), decision=decision, comment=comment))
        audit.record(s, ws, f"note.{decision}", "participant", note.participant_id,
                     note_id=note.id)


def _my_sessions(ws: Workspace):  # type: ignore[no-untyped-def] - a SQL expression
    mine = select(SessionFacilitator.session_id).where(
        SessionFacilitator.user_id == ws.actor.user_id)
    return or_(GroupSession.lead_facilitator_id == ws.actor.user_id, GroupSession.id.in_(mine))


def notes_queue(ws: Workspace, *, include_done: bool = False) -> list[QueueEntry]:
    """Ended sessions the signed-in user facilitated whose notes are not all signed (any date),
    oldest first. ``include_done`` lists finished sessions too."""
    with ws.read() as s:
        return _queue(s, ws, include_done)


def _queue(s: Session, ws: Workspace, include_done: bool) -> list[QueueEntry]:
    needs = or_(Attendance.status.in_(ATTENDING), Program.absence_notes.is_(True),
                ProgressNote.id.is_not(None))
    signed = case((ProgressNote.state.in_(("awaiting_cosign", "final")), 1), else_=0)
    drafted = case((ProgressNote.state == "draft", 1), else_=0)
    returned = case((and_(ProgressNote.state == "draft", ProgressNote.returned_comment != ""), 1),
                    else_=0)
    q = (select(GroupSession.id, Group.name, GroupSession.session_date,
                GroupSession.planned_start, GroupSession.planned_end, GroupSession.actual_end,
                Program.note_deadline_hours, func.count(Attendance.id), func.sum(drafted),
                func.sum(signed), func.sum(returned))
         .join(Group, Group.id == GroupSession.group_id)
         .join(Program, Program.id == Group.program_id)
         .join(Attendance, Attendance.session_id == GroupSession.id)
         .outerjoin(ProgressNote, and_(ProgressNote.session_id == GroupSession.id,
                                       ProgressNote.participant_id == Attendance.participant_id))
         .where(GroupSession.status == "ended", _my_sessions(ws), needs)
         .group_by(GroupSession.id)
         .order_by(GroupSession.session_date, GroupSession.planned_start))
    if not include_done:
        q = q.having(func.count(Attendance.id) > func.sum(signed))
    out = []
    for sid, name, day, pstart, pend, aend, hours, needed, dr, sg, rt in s.execute(q):
        out.append(QueueEntry(sid, name, day, pstart, (aend or pend) + timedelta(hours=hours),
                              needed, dr or 0, sg or 0, rt or 0))
    return out


def review_queue(ws: Workspace, *, status: str = "awaiting_cosign", author_id: int | None = None,
                 group_id: int | None = None, since: date | None = None,
                 until: date | None = None) -> list[ReviewRow]:
    """Notes for a supervisor: ``awaiting_cosign`` (default) or ``draft`` (unsigned drafts, to
    watch for late notes), oldest first; or ``final`` (signed, not yet reviewed), the newest
    ``FINAL_LIMIT``. Filtered by author, group and session date (``until`` inclusive)."""
    # A non-supervisor sees only the notes of staff assigned to them.
    assigned = ws.actor.role not in ("supervisor", "admin")
    now = ws.clock.now()
    with ws.read() as s:
        q = (select(ProgressNote.id, ProgressNote.session_id, ProgressNote.participant_id,
                    ProgressNote.author_id, ProgressNote.state, ProgressNote.signed_at,
                    Participant.legal_name, Participant.preferred_name, Group.name,
                    GroupSession.session_date, GroupSession.actual_end, GroupSession.planned_end,
                    Program.note_deadline_hours, User.display_name)
             .join(Participant, Participant.id == ProgressNote.participant_id)
             .join(GroupSession, GroupSession.id == ProgressNote.session_id)
             .join(Group, Group.id == GroupSession.group_id)
             .join(Program, Program.id == Group.program_id)
             .join(User, User.id == ProgressNote.author_id)
             .where(ProgressNote.state == status))
        if assigned:
            q = q.where(User.supervisor_id == ws.actor.user_id)
        if author_id is not None:
            q = q.where(ProgressNote.author_id == author_id)
        if group_id is not None:
            q = q.where(GroupSession.group_id == group_id)
        if since is not None:
            q = q.where(GroupSession.session_date >= since)
        if until is not None:
            q = q.where(GroupSession.session_date <= until)
        if status == "final":
            # Signed notes nobody has reviewed yet, newest first: supervisors sample recent
            # work; five years of final notes are not a to-do list.
            reviewed = select(NoteReview.id).where(NoteReview.note_id == ProgressNote.id)
            q = (q.where(~reviewed.exists())
                 .order_by(ProgressNote.signed_at.desc()).limit(FINAL_LIMIT))
        else:
            q = q.order_by(GroupSession.session_date, ProgressNote.id)
        rows = []
        for (nid, sid, pid, author_id_, state, signed_at, legal, preferred, group, day, aend,
             pend, hours, author) in s.execute(q):
            ended: datetime = aend or pend
            age = (now - (signed_at or ended)).total_seconds() / 86400
            if state == "awaiting_cosign":
                aging = age > COSIGN_AGING_DAYS
            else:
                aging = signed_at is None and now > ended + timedelta(hours=hours)
            rows.append(ReviewRow(nid, sid, pid, preferred or legal, group, day, author,
                                  author_id_, state, signed_at, age, aging))
        return rows


def my_counts(ws: Workspace) -> NoteCounts:
    """The signed-in user's own counts for the Today page."""
    now = ws.clock.now()
    with ws.read() as s:
        queue = _queue(s, ws, include_done=False)
        owed = sum(e.owed for e in queue)
        drafted = sum(e.drafted for e in queue)
        returned = sum(e.returned for e in queue)
        overdue = sum(e.owed for e in queue if now > e.deadline)
        awaiting = aging = 0
        if ws.actor.role == "supervisor" or s.scalar(
                select(func.count(User.id)).where(User.supervisor_id == ws.actor.user_id)):
            q = (select(ProgressNote.signed_at).join(User, User.id == ProgressNote.author_id)
                 .where(ProgressNote.state == "awaiting_cosign",
                        ProgressNote.author_id != ws.actor.user_id))
            if ws.actor.role != "supervisor":
                q = q.where(User.supervisor_id == ws.actor.user_id)
            for (signed_at,) in s.execute(q):
                awaiting += 1
                if signed_at is not None and (now - signed_at).total_seconds() > \
                        COSIGN_AGING_DAYS * 86400:
                    aging += 1
        return NoteCounts(owed, drafted, overdue, returned, awaiting, aging)
