"""Shared internals of the console services: loading a session, status checks, views, dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ...models.roster import Enrollment, Group, Program
from ...models.sessions import Attendance, GroupSession, Segment, SessionFacilitator
from ..errors import Conflict, NotFound, ValidationError
from .dto import SegmentView, SessionView

CHECKIN_FORM = "checkin"
CHECKOUT_FORM = "checkout"

_STATUS_TEXT = {
    "planned": "has not started yet; start it first",
    "running": "is running",
    "ended": "has already ended",
    "not_held": "was recorded as not held",
}


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A wall-clock time on a date in the clinic's zone, as aware UTC."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def load_session(s: Session, session_id: int) -> GroupSession:
    sess = s.get(GroupSession, session_id)
    if sess is None:
        raise NotFound("That session no longer exists.")
    return sess


def require_status(sess: GroupSession, *allowed: str) -> None:
    """Conflict with a sentence saying why, when the session is not in an allowed status."""
    if sess.status not in allowed:
        raise Conflict(f"This block {_STATUS_TEXT.get(sess.status, sess.status)}.")


def require_on_roster(s: Session, sess: GroupSession, participant_id: int) -> None:
    """Responses, flags and jots are only about people on this block's roster."""
    found = s.scalar(select(Attendance.id).where(Attendance.session_id == sess.id,
                                                 Attendance.participant_id == participant_id))
    if found is None:
        raise ValidationError({"participant": "This participant is not on this block's roster."})


def program_of(s: Session, sess: GroupSession) -> Program:
    program = s.scalar(select(Program).join(Group, Group.program_id == Program.id)
                       .where(Group.id == sess.group_id))
    if program is None:
        raise NotFound("The group's program no longer exists.")
    return program


def enrolled_on(on: date):  # type: ignore[no-untyped-def] - a SQL expression
    return and_(Enrollment.start_date <= on,
                or_(Enrollment.end_date.is_(None), Enrollment.end_date >= on))


def segment_view(seg: Segment) -> SegmentView:
    return SegmentView(seg.id, seg.position, seg.kind, seg.title, seg.planned_minutes,
                       seg.actual_start, seg.actual_end, seg.skipped, seg.topic_text,
                       seg.topic_version_id)


def ordered_segments(sess: GroupSession) -> list[Segment]:
    return sorted(sess.segments, key=lambda g: (g.position, g.id))


def session_view(s: Session, sess: GroupSession, group_name: str | None = None,
                 program_id: int | None = None) -> SessionView:
    if group_name is None or program_id is None:
        row = s.execute(select(Group.name, Group.program_id).where(Group.id == sess.group_id)
                        ).one()
        group_name, program_id = row[0], row[1]
    facs = tuple(sorted(s.scalars(select(SessionFacilitator.user_id)
                                  .where(SessionFacilitator.session_id == sess.id))))
    return SessionView(
        sess.id, sess.group_id, group_name, program_id, sess.session_date, sess.status,
        sess.planned_start, sess.planned_end, sess.actual_start, sess.actual_end, sess.modality,
        sess.location, sess.not_held_reason, sess.lead_facilitator_id, facs,
        tuple(segment_view(g) for g in ordered_segments(sess)),
    )


def running_segment(sess: GroupSession) -> Segment | None:
    for seg in ordered_segments(sess):
        if seg.actual_start is not None and seg.actual_end is None:
            return seg
    return None


def next_pending(sess: GroupSession) -> Segment | None:
    for seg in ordered_segments(sess):
        if seg.actual_start is None and not seg.skipped:
            return seg
    return None


def clock_text(when: datetime, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime("%H:%M")
