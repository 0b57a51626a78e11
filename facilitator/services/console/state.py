"""The whole console state of a session in one call and a few queries; the UI refreshes from it.

Minutes are recomputed from stored times on every call (``minutes.py``), so they are right after
sleep, lock or crash. If the machine clock reads earlier than the last stored action, the state
is computed at that last instant instead and ``clock_problem`` says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models.roster import Group, Participant, Program
from ...models.sessions import Attendance, GroupSession, OutOfRoom, SafetyFlag
from ..errors import NotFound
from ..workspace import Workspace
from . import board
from .board import BoardContext, attendance_board, cached_week, live_minutes
from .dto import ActionView, AttendanceView, ConsoleState, FlagView, SessionView, WeekMinutes
from .undo import clock_problem, latest_instant


def flag_view(f: SafetyFlag) -> FlagView:
    return FlagView(f.id, f.participant_id, f.session_id, f.response_id, f.code, f.severity,
                    f.message, f.raised_at, f.addressed_at, f.follow_up)


def _context(sess: GroupSession, program: Program,
             breaks: tuple[tuple[datetime, datetime | None], ...]) -> BoardContext:
    return BoardContext(sess.id, sess.session_date, sess.actual_start, sess.actual_end, breaks,
                        program.id, program.daily_minimum_minutes, program.weekly_minimum_minutes,
                        program.break_counts_as_service)


def participant_minutes(sess: GroupSession, program: Program, row: Attendance,
                        out: Iterable[OutOfRoom], now: datetime) -> int:
    """Live minutes of one attendance row at ``now``."""
    ctx = _context(sess, program, board.breaks_of(sess.segments))
    return live_minutes(ctx, now, row.status, row.arrived_at, row.departed_at,
                        [(o.left_at, o.returned_at) for o in out])


def build_attendance(s: Session, sess: GroupSession, program: Program, now: datetime,
                     only: int | None = None) -> tuple[list[AttendanceView], list[FlagView]]:
    """Attendance board rows (roster order) and the open flags of the people on it."""
    s.flush()  # the breaks are read with a Core statement, which does not autoflush
    ctx = _context(sess, program, board.stored_breaks(s, sess.id))
    return attendance_board(s, ctx, now, only)


def session_board(s: Session, sess: GroupSession, now: datetime, only: int | None = None
                  ) -> tuple[list[AttendanceView], list[FlagView]]:
    """``build_attendance`` for callers without the program at hand (console actions): its
    minima are read as plain columns, not as an ORM entity."""
    s.flush()  # the reads below are Core statements, which do not autoflush
    program = s.execute(board.PROGRAM, {"gid": sess.group_id}).first()
    if program is None:
        raise NotFound("The group's program no longer exists.")
    ctx = BoardContext(sess.id, sess.session_date, sess.actual_start, sess.actual_end,
                       board.stored_breaks(s, sess.id), *program)
    return attendance_board(s, ctx, now, only)


def console_state(ws: Workspace, session_id: int) -> ConsoleState:
    """Session, segments, timers, attendance with live minutes, open flags and undo target,
    all at now (read only)."""
    with ws.read() as s:
        params = {"sid": session_id}
        row = s.execute(board.SESSION, params).one_or_none()
        if row is None:
            raise NotFound("That session no longer exists.")
        segments = board.segment_rows(s, session_id)
        view = SessionView(
            row.id, row.group_id, row.name, row.program_id, row.session_date, row.status,
            row.planned_start, row.planned_end, row.actual_start, row.actual_end, row.modality,
            row.location, row.not_held_reason, row.lead_facilitator_id,
            tuple(sorted(s.scalars(board.FACILITATORS, params))), tuple(segments))
        now = ws.clock.now()
        last = latest_instant(s.scalar(board.LAST_EVENT, params), row.actual_start,
                              row.actual_end)
        problem = clock_problem(ws, last, now)
        if problem and last is not None:
            now = last
        current = next((g for g in segments if g.running), None)
        nxt = next((g for g in segments if g.pending), None)
        elapsed = remaining = overrun = 0
        if current is not None and current.actual_start is not None:
            elapsed = max(0, int((now - current.actual_start).total_seconds()))
            planned = current.planned_minutes * 60
            remaining, overrun = max(0, planned - elapsed), max(0, elapsed - planned)
        session_elapsed = 0
        if row.actual_start is not None:
            end = row.actual_end or now
            session_elapsed = max(0, int((end - row.actual_start).total_seconds()))
        session_remaining = (max(0, int((row.planned_end - now).total_seconds()))
                             if row.status in ("planned", "running") else 0)
        ctx = BoardContext(session_id, row.session_date, row.actual_start, row.actual_end,
                           board.breaks_of(segments), row.program_id, row.daily_minimum_minutes,
                           row.weekly_minimum_minutes, row.break_counts_as_service)
        attendance, flags = attendance_board(s, ctx, now)
        action = s.execute(board.LAST_UNDOABLE, params).first()
        return ConsoleState(
            view, now, current, nxt, elapsed, remaining, overrun, session_elapsed,
            session_remaining, current is not None and current.kind == "break",
            tuple(attendance), tuple(flags), ActionView(*action) if action else None, problem)


def week_minutes(ws: Workspace, participant_ids: list[int], on: date | None = None
                 ) -> list[WeekMinutes]:
    """Minutes of service in the ISO week (clinic time zone) containing ``on`` (default today):
    cached minutes of ended sessions plus live minutes of running ones, in the participant's
    own program (every program when they have none)."""
    day = on or ws.today()
    first, last = board.week_start(day)
    pids = list(dict.fromkeys(participant_ids))
    with ws.read() as s:
        own = dict(s.execute(select(Participant.id, Participant.program_id)
                             .where(Participant.id.in_(pids))).all()) if pids else {}

        def counts(pid: int, program_id: int) -> bool:
            return own.get(pid) is None or own.get(pid) == program_id

        totals: dict[int, int] = {}
        for (pid, program_id), minutes in cached_week(s, pids, day, None).items():
            if counts(pid, program_id):
                totals[pid] = totals.get(pid, 0) + minutes
        running = s.scalars(select(GroupSession).join(
            Attendance, Attendance.session_id == GroupSession.id).where(
            GroupSession.status == "running", GroupSession.session_date.between(first, last),
            Attendance.participant_id.in_(pids)).distinct()).all() if pids else []
        now = ws.clock.now()
        for sess in running:
            program = s.scalar(select(Program).join(Group, Group.program_id == Program.id)
                               .where(Group.id == sess.group_id))
            if program is None:
                continue
            views, _ = build_attendance(s, sess, program, now)
            for v in views:
                if v.participant_id in pids and counts(v.participant_id, program.id):
                    totals[v.participant_id] = totals.get(v.participant_id, 0) + v.minutes_today
        minimum = dict(s.execute(select(Participant.id, Program.weekly_minimum_minutes).join(
            Program, Program.id == Participant.program_id).where(Participant.id.in_(pids))
        ).all()) if pids else {}
        return [WeekMinutes(pid, first, totals.get(pid, 0), int(minimum.get(pid, 540)))
                for pid in pids]
