"""Treatment-plan goals for notes: status changes and the thread of notes that addressed one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ...models.notes import NoteGoalLink, NoteRevision, ProgressNote
from ...models.roster import TreatmentGoal
from ...models.sessions import GroupSession
from .. import audit
from ..errors import NotFound, ValidationError
from ..validation import MAX_TEXT, Checker
from ..workspace import Workspace

GOAL_STATUSES = ("open", "met", "dropped")


@dataclass(frozen=True)
class GoalThreadEntry:
    note_id: int
    session_date: date
    rating: str
    comment: str
    signed_at: datetime | None


def update_goal(ws: Workspace, goal_id: int, *, text: str | None = None,
                status: str | None = None) -> None:
    """Change a goal's wording or status (open, met, dropped). Admins manage records but
    clinical goals are the clinicians'."""
    ws.require("therapist", "supervisor")
    c = Checker()
    if text is not None:
        text = c.text("text", "The goal", text, max_len=MAX_TEXT)
    if status is not None and status not in GOAL_STATUSES:
        c.fail("status", "A goal is open, met or dropped.")
    c.raise_if_any()
    with ws.transaction() as s:
        goal = s.get(TreatmentGoal, goal_id)
        if goal is None:
            raise NotFound("That goal no longer exists.")
        changed = {}
        if text is not None and text != goal.text:
            goal.text, changed["text"] = text, True
        if status is not None and status != goal.status:
            changed["status"] = [goal.status, status]
            goal.status = status
        if not changed:
            return
        goal.updated_at, goal.updated_by_id = ws.clock.now(), ws.actor.user_id
        audit.record(s, ws, "goal.updated", "participant", goal.participant_id,
                     goal_id=goal.id, **changed)


def goal_thread(ws: Workspace, goal_id: int) -> list[GoalThreadEntry]:
    """The notes that addressed this goal (latest revision of each), newest first."""
    with ws.read() as s:
        if s.get(TreatmentGoal, goal_id) is None:
            raise ValidationError({"goal": "That goal no longer exists."})
        rows = s.execute(
            select(ProgressNote.id, GroupSession.session_date, NoteGoalLink.rating,
                   NoteGoalLink.comment, NoteRevision.signed_at, NoteRevision.number)
            .join(NoteRevision, NoteRevision.id == NoteGoalLink.revision_id)
            .join(ProgressNote, ProgressNote.id == NoteRevision.note_id)
            .join(GroupSession, GroupSession.id == ProgressNote.session_id)
            .where(NoteGoalLink.goal_id == goal_id)
            .order_by(GroupSession.session_date.desc(), NoteRevision.number.desc())).all()
        seen: set[int] = set()
        out = []
        for note_id, day, rating, comment, signed_at, _ in rows:
            if note_id in seen:
                continue
            seen.add(note_id)
            out.append(GoalThreadEntry(note_id, day, rating, comment, signed_at))
        return out
