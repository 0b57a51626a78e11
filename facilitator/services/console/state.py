"""The whole console state of a session in one call and a few queries; the UI refreshes from it.

Minutes are recomputed from stored times on every call (``minutes.py``), so they are right after
sleep, lock or crash. If the machine clock reads earlier than the last stored action, the state
is computed at that last instant instead and ``clock_problem`` says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models.roster import Group, Participant, Program
from ...models.sessions import (
    Attendance,
    ConsoleAction,
    FormResponse,
    GroupSession,
    OutOfRoom,
    SafetyFlag,
)
from ..workspace import Workspace
from . import minutes as mins
from ._common import (
    CHECKIN_FORM,
    CHECKOUT_FORM,
    load_session,
    next_pending,
    running_segment,
    session_view,
)
from .dto import (
    NOT_ATTENDING,
    ActionView,
    AttendanceView,
    ConsoleState,
    FlagView,
    OutOfRoomView,
    WeekMinutes,
)
from .undo import clock_problem, last_event_at


def flag_view(f: SafetyFlag) -> FlagView:
    return FlagView(f.id, f.participant_id, f.session_id, f.response_id, f.code, f.severity,
                    f.message, f.raised_at, f.addressed_at, f.follow_up)


def window(sess: GroupSession, now: datetime) -> mins.Interval | None:
    """The session's service window: actual start to actual end (or now while running)."""
    if sess.actual_start is None:
        return None
    end = sess.actual_end if sess.actual_end is not None else max(now, sess.actual_start)
    return (sess.actual_start, end)


def break_intervals(sess: GroupSession, now: datetime) -> list[mins.Interval]:
    return [(g.actual_start, g.actual_end or max(now, g.actual_start)) for g in sess.segments
            if g.kind == "break" and g.actual_start is not None]


def participant_minutes(sess: GroupSession, program: Program, row: Attendance,
                        out: Iterable[OutOfRoom], now: datetime) -> int:
    """Live minutes of one attendance row at ``now``."""
    win = window(sess, now)
    if win is None or row.status in NOT_ATTENDING:
        return 0
    gaps = [(o.left_at, o.returned_at or win[1]) for o in out]
    return mins.service_minutes(win, row.arrived_at, row.departed_at,
                                breaks=break_intervals(sess, now), out_of_room=gaps,
                                break_counts_as_service=program.break_counts_as_service)


def _week(day: date) -> tuple[date, date]:
    start = mins.iso_week_start(day)
    return start, start + timedelta(days=6)


def _cached_week(s: Session, pids: list[int], day: date, exclude: int | None
                 ) -> dict[tuple[int, int], int]:
    """Cached minutes of ended sessions in the ISO week of ``day``, per (participant, program).

    Kept per program: a program's weekly minimum (and its per-diem billing) is met by that
    program's service only, not by a group of another program the participant also attends.
    """
    if not pids:
        return {}
    first, last = _week(day)
    q = (select(Attendance.participant_id, Group.program_id,
                func.coalesce(func.sum(Attendance.minutes), 0))
         .join(GroupSession, GroupSession.id == Attendance.session_id)
         .join(Group, Group.id == GroupSession.group_id)
         .where(Attendance.participant_id.in_(pids), GroupSession.status == "ended",
                GroupSession.session_date.between(first, last))
         .group_by(Attendance.participant_id, Group.program_id))
    if exclude is not None:
        q = q.where(GroupSession.id != exclude)
    return {(pid, program_id): int(total) for pid, program_id, total in s.execute(q)}


def build_attendance(s: Session, sess: GroupSession, program: Program, now: datetime,
                     only: int | None = None) -> tuple[list[AttendanceView], list[FlagView]]:
    """Attendance board rows (roster order) and the open flags of the people on it."""
    q = (select(Attendance, Participant.chart_id, Participant.legal_name,
                Participant.preferred_name)
         .join(Participant, Participant.id == Attendance.participant_id)
         .where(Attendance.session_id == sess.id))
    oq = (select(OutOfRoom).join(Attendance, Attendance.id == OutOfRoom.attendance_id)
          .where(Attendance.session_id == sess.id).order_by(OutOfRoom.left_at))
    if only is not None:
        q = q.where(Attendance.participant_id == only)
        oq = oq.where(Attendance.participant_id == only)
    rows = s.execute(q).all()
    out: dict[int, list[OutOfRoom]] = {}
    for o in s.scalars(oq):
        out.setdefault(o.attendance_id, []).append(o)
    pids = [r[0].participant_id for r in rows]
    answered = set(s.execute(select(FormResponse.participant_id, FormResponse.form_id).where(
        FormResponse.session_id == sess.id, FormResponse.form_id.in_((CHECKIN_FORM, CHECKOUT_FORM))
    ).distinct()).all())
    flags = [flag_view(f) for f in s.scalars(select(SafetyFlag).where(
        SafetyFlag.participant_id.in_(pids), SafetyFlag.severity == "high",
        SafetyFlag.addressed_at.is_(None)).order_by(SafetyFlag.raised_at))] if pids else []
    week = _cached_week(s, pids, sess.session_date, sess.id)
    views = []
    for row, chart_id, legal, preferred in rows:
        live = participant_minutes(sess, program, row, out.get(row.id, []), now)
        short = preferred or legal
        display = f"{preferred} ({legal})" if preferred and preferred != legal else legal
        views.append(AttendanceView(
            row.id, row.participant_id, chart_id, short, display, row.status, row.arrived_at,
            row.departed_at, row.walk_in,
            tuple(OutOfRoomView(o.id, o.left_at, o.returned_at) for o in out.get(row.id, [])),
            live, program.daily_minimum_minutes,
            week.get((row.participant_id, program.id), 0) + live,
            program.weekly_minimum_minutes, (row.participant_id, CHECKIN_FORM) in answered,
            (row.participant_id, CHECKOUT_FORM) in answered,
            sum(1 for f in flags if f.participant_id == row.participant_id),
        ))
    views.sort(key=lambda v: (v.walk_in, v.short_name.casefold(), v.participant_id))
    return views, flags


def load_context(s: Session, ws: Workspace, session_id: int
                 ) -> tuple[GroupSession, Group, Program, datetime, str | None]:
    """The session, its group and program, the effective now and any clock problem."""
    sess = load_session(s, session_id)
    group, program = s.execute(select(Group, Program).join(Program, Program.id == Group.program_id)
                               .where(Group.id == sess.group_id)).one()
    now = ws.clock.now()
    last = last_event_at(s, sess)
    problem = clock_problem(ws, last, now)
    if problem and last is not None:
        now = last
    return sess, group, program, now, problem


def console_state(ws: Workspace, session_id: int) -> ConsoleState:
    """Session, segments, timers, attendance with live minutes, open flags and undo target,
    all at now (read only)."""
    with ws.read() as s:
        sess, group, program, now, problem = load_context(s, ws, session_id)
        view = session_view(s, sess, group.name, group.program_id)
        by_id = {g.id: g for g in view.segments}
        current_row, next_row = running_segment(sess), next_pending(sess)
        current = by_id[current_row.id] if current_row else None
        nxt = by_id[next_row.id] if next_row else None
        elapsed = remaining = overrun = 0
        if current is not None and current.actual_start is not None:
            elapsed = max(0, int((now - current.actual_start).total_seconds()))
            planned = current.planned_minutes * 60
            remaining, overrun = max(0, planned - elapsed), max(0, elapsed - planned)
        session_elapsed = 0
        if sess.actual_start is not None:
            end = sess.actual_end or now
            session_elapsed = max(0, int((end - sess.actual_start).total_seconds()))
        session_remaining = (max(0, int((sess.planned_end - now).total_seconds()))
                             if sess.status in ("planned", "running") else 0)
        attendance, flags = build_attendance(s, sess, program, now)
        action = s.scalar(select(ConsoleAction).where(
            ConsoleAction.session_id == sess.id, ConsoleAction.undone.is_(False))
            .order_by(ConsoleAction.seq.desc()).limit(1))
        last = ActionView(action.seq, action.kind, action.label, action.at, action.undone
                          ) if action else None
        return ConsoleState(
            view, now, current, nxt, elapsed, remaining, overrun, session_elapsed,
            session_remaining, current is not None and current.kind == "break",
            tuple(attendance), tuple(flags), last, problem)


def week_minutes(ws: Workspace, participant_ids: list[int], on: date | None = None
                 ) -> list[WeekMinutes]:
    """Minutes of service in the ISO week (clinic time zone) containing ``on`` (default today):
    cached minutes of ended sessions plus live minutes of running ones, in the participant's
    own program (every program when they have none)."""
    day = on or ws.today()
    first, last = _week(day)
    pids = list(dict.fromkeys(participant_ids))
    with ws.read() as s:
        own = dict(s.execute(select(Participant.id, Participant.program_id)
                             .where(Participant.id.in_(pids))).all()) if pids else {}

        def counts(pid: int, program_id: int) -> bool:
            return own.get(pid) is None or own.get(pid) == program_id

        totals: dict[int, int] = {}
        for (pid, program_id), minutes in _cached_week(s, pids, day, None).items():
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
