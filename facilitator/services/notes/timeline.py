"""One participant over time: sessions, attendance, minutes, notes, scores and flags.

``participant_timeline`` is the date-range query the participant record and its PDF export
use. One read-only unit of work, a handful of queries whatever the range.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from ...models.notes import ProgressNote
from ...models.roster import Group, Participant
from ...models.sessions import Attendance, FormResponse, GroupSession, SafetyFlag
from ..errors import NotFound, ValidationError
from ..workspace import Workspace
from .dto import FlagItem, TimelineEntry
from .prefill import MEASURES


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def participant_timeline(ws: Workspace, participant_id: int, start: date, end: date
                         ) -> list[TimelineEntry]:
    """Every session of the participant between ``start`` and ``end`` (inclusive), newest
    first. Raises ValidationError when the range ends before it starts."""
    if end < start:
        raise ValidationError({"range": "The end date is before the start date."})
    with ws.read() as s:
        if s.get(Participant, participant_id) is None:
            raise NotFound("That participant no longer exists.")
        rows = s.execute(
            select(GroupSession.id, GroupSession.session_date, Group.name, Attendance.status,
                   Attendance.minutes, ProgressNote.id, ProgressNote.state)
            .join(Attendance, Attendance.session_id == GroupSession.id)
            .join(Group, Group.id == GroupSession.group_id)
            .outerjoin(ProgressNote, (ProgressNote.session_id == GroupSession.id)
                       & (ProgressNote.participant_id == participant_id))
            .where(Attendance.participant_id == participant_id,
                   GroupSession.session_date >= start, GroupSession.session_date <= end,
                   GroupSession.status == "ended")
            .order_by(GroupSession.session_date.desc(), GroupSession.planned_start.desc())).all()
        ids = [r[0] for r in rows]
        answers: dict[int, dict[str, FormResponse]] = {}
        for r in s.scalars(select(FormResponse).where(
                FormResponse.participant_id == participant_id,
                FormResponse.session_id.in_(ids)).order_by(FormResponse.id)):
            answers.setdefault(r.session_id or 0, {})[r.form_id] = r
        flags: dict[int, list[FlagItem]] = {}
        for f in s.scalars(select(SafetyFlag).where(SafetyFlag.participant_id == participant_id,
                                                    SafetyFlag.session_id.in_(ids))
                           .order_by(SafetyFlag.raised_at)):
            flags.setdefault(f.session_id or 0, []).append(FlagItem(
                f.id, f.message, f.severity == "high" and f.addressed_at is None, f.follow_up))
        out = []
        for sid, day, group, status, minutes, note_id, state in rows:
            own = answers.get(sid, {})
            checkin = own["checkin"].answers if "checkin" in own else {}
            out.append(TimelineEntry(
                sid, day, group, status, minutes or 0, note_id, state or "none",
                tuple((MEASURES[k], own[k].total, own[k].band) for k in MEASURES if k in own),
                _number(checkin.get("mood")), _number(checkin.get("craving")),
                _number(checkin.get("anxiety")), tuple(flags.get(sid, []))))
        return out
