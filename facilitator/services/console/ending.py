"""Ending a block: stop the clock, cache everyone's minutes, and list what is unfinished."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models.roster import Program
from ...models.sessions import Attendance, ConsoleAction, GroupSession
from ..workspace import Workspace
from ._common import (
    load_session,
    local_instant,
    program_of,
    require_status,
    running_segment,
    session_view,
)
from .dto import ATTENDING, EndRow, EndSummary
from .state import build_attendance
from .undo import UndoEntry


def _summary(s: Session, sess: GroupSession, program: Program, now: datetime) -> EndSummary:
    views, flags = build_attendance(s, sess, program, now)
    rows = tuple(EndRow(v.participant_id, v.short_name, v.status, v.arrived_at, v.departed_at,
                        v.minutes_today, v.daily_minimum, v.daily_met, v.checked_in,
                        v.checked_out, v.open_flags, v.week_minutes, v.weekly_minimum)
                 for v in views)
    unfinished: list[str] = []
    unmarked = [v.short_name for v in views if v.status == "expected"]
    if unmarked:
        unfinished.append(f"Attendance not marked: {', '.join(unmarked)}.")
    attended = [v for v in views if v.status in ATTENDING and v.arrived_at is not None]
    no_checkin = [v.short_name for v in attended if not v.checked_in]
    if no_checkin:
        unfinished.append(f"No check-in: {', '.join(no_checkin)}.")
    no_checkout = [v.short_name for v in attended if not v.checked_out]
    if no_checkout:
        unfinished.append(f"No check-out: {', '.join(no_checkout)}.")
    names = {v.participant_id: v.short_name for v in views}
    for f in flags:
        unfinished.append(f"Open safety flag for {names.get(f.participant_id, 'a participant')}:"
                          f" {f.message}")
    still_out = [v.short_name for v in views if v.is_out]
    if still_out:
        unfinished.append(f"Still marked out of the room: {', '.join(still_out)}.")
    return EndSummary(session_view(s, sess), rows, tuple(unfinished))


def end_session(ws: Workspace, session_id: int) -> EndSummary:
    """End the block now: the running segment ends, minutes are cached into the attendance rows,
    and the summary (minutes per participant, unfinished items) is returned. Undo reopens it.
    A block of an earlier day ends when it was last worked in, not now (``_left_running``)."""
    with ws.transaction() as s:
        sess = load_session(s, session_id)
        require_status(sess, "running")
        log = UndoEntry(s, ws, sess)
        end = _left_running(s, ws, sess, log.now)
        program = program_of(s, sess)
        current = running_segment(sess)
        if current is not None:
            log.updating(current, "actual_end")
            current.actual_end = end
        log.updating(sess, "status", "actual_end")
        sess.status, sess.actual_end = "ended", end
        s.flush()
        views, _ = build_attendance(s, sess, program, end)
        minutes = {v.attendance_id: v.minutes_today for v in views}
        for row in s.scalars(select(Attendance).where(Attendance.session_id == sess.id)):
            log.updating(row, "minutes")
            row.minutes = minutes.get(row.id, 0)
        log.store("session.end", "End the block")
        return _summary(s, sess, program, end)


def _left_running(s: Session, ws: Workspace, sess: GroupSession, now: datetime) -> datetime:
    """When a running block ends: now, but a block of an earlier day that nobody ended (the
    laptop closed or crashed during it) at its planned end, or later where it was worked in
    later that day (its last action on this laptop, a segment begun or ended: it ran over).
    What was done in it on a later day (resumed to be ended, a late correction) does not
    move its end. Ended now, everyone still marked present would be counted days of
    service; its times can be corrected afterwards like any block's."""
    if sess.session_date >= ws.today():
        return now
    next_day = local_instant(sess.session_date + timedelta(days=1), time(0), ws.timezone)
    last = s.scalar(select(func.max(ConsoleAction.at)).where(
        ConsoleAction.session_id == sess.id, ConsoleAction.undone.is_(False),
        ConsoleAction.at < next_day))
    times = [sess.planned_end, last, sess.actual_start,
             *(t for seg in sess.segments for t in (seg.actual_start, seg.actual_end))]
    return min(max(t for t in times if t is not None and t < next_day), now)


def end_summary(ws: Workspace, session_id: int) -> EndSummary:
    """The end-of-block summary without changing anything (at now while still running)."""
    with ws.read() as s:
        sess = load_session(s, session_id)
        require_status(sess, "running", "ended")
        now = ws.clock.now()
        at = _left_running(s, ws, sess, now) if sess.status == "running" else now
        return _summary(s, sess, program_of(s, sess), at)
