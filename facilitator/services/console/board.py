"""The console's reads as statements built once at import, returning plain column rows.

The console reads its whole state every second and after every action. Built per call as ORM
``select``s that load entities, those reads cost about five times what SQLite spends running them
(cProfile of ``console_state``: statement construction and ORM row loading, not SQLite). These
Core statements take their values as bound parameters, so a refresh only binds and runs them
(SQLAlchemy reuses their compiled form) and gets tuples back.

Core statements do not autoflush the way ORM queries do: ``attendance_board`` flushes the
session first, so inside a write transaction it reads what the action just changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ...models.roster import Group, Participant, Program
from ...models.sessions import (
    Attendance,
    ConsoleAction,
    FormResponse,
    GroupSession,
    OutOfRoom,
    SafetyFlag,
    Segment,
    SessionFacilitator,
)
from . import minutes as mins
from ._common import CHECKIN_FORM, CHECKOUT_FORM
from .dto import NOT_ATTENDING, AttendanceView, FlagView, OutOfRoomView, SegmentView

_GS = GroupSession.__table__.c
_G = Group.__table__.c
_PR = Program.__table__.c
_SEG = Segment.__table__.c
_A = Attendance.__table__.c
_P = Participant.__table__.c
_O = OutOfRoom.__table__.c
_F = SafetyFlag.__table__.c
_FR = FormResponse.__table__.c
_CA = ConsoleAction.__table__.c
_SID = bindparam("sid")
_PID = bindparam("pid")
_PIDS = bindparam("pids", expanding=True)

SESSION = (
    select(_GS.id, _GS.group_id, _G.name, _G.program_id, _GS.session_date, _GS.status,
           _GS.planned_start, _GS.planned_end, _GS.actual_start, _GS.actual_end, _GS.modality,
           _GS.location, _GS.not_held_reason, _GS.lead_facilitator_id,
           _PR.daily_minimum_minutes, _PR.weekly_minimum_minutes, _PR.break_counts_as_service)
    .join_from(GroupSession.__table__, Group.__table__, _G.id == _GS.group_id)
    .join(Program.__table__, _PR.id == _G.program_id)
    .where(_GS.id == _SID))
PROGRAM = (select(_PR.id, _PR.daily_minimum_minutes, _PR.weekly_minimum_minutes,
                  _PR.break_counts_as_service)
           .join_from(Group.__table__, Program.__table__, _PR.id == _G.program_id)
           .where(_G.id == bindparam("gid")))
SEGMENTS = select(_SEG.id, _SEG.position, _SEG.kind, _SEG.title, _SEG.planned_minutes,
                  _SEG.actual_start, _SEG.actual_end, _SEG.skipped, _SEG.topic_text,
                  _SEG.topic_version_id).where(_SEG.session_id == _SID)
BREAKS = select(_SEG.actual_start, _SEG.actual_end).where(
    _SEG.session_id == _SID, _SEG.kind == "break", _SEG.actual_start.is_not(None))
FACILITATORS = select(SessionFacilitator.__table__.c.user_id).where(
    SessionFacilitator.__table__.c.session_id == _SID)
# The newest entry by seq is also the latest in time (see ``undo.last_event_at``).
LAST_EVENT = (select(_CA.at).where(_CA.session_id == _SID).order_by(_CA.seq.desc()).limit(1))
LAST_SEQ = select(func.max(_CA.seq)).where(_CA.session_id == _SID)
LAST_UNDOABLE = (select(_CA.seq, _CA.kind, _CA.label, _CA.at, _CA.undone)
                 .where(_CA.session_id == _SID, _CA.undone.is_(False))
                 .order_by(_CA.seq.desc()).limit(1))

_ATTENDANCE = (select(_A.id, _A.participant_id, _A.status, _A.arrived_at, _A.departed_at,
                      _A.walk_in, _P.chart_id, _P.legal_name, _P.preferred_name)
               .join_from(Attendance.__table__, Participant.__table__,
                          _P.id == _A.participant_id)
               .where(_A.session_id == _SID))
_OUT = (select(_O.id, _O.attendance_id, _O.left_at, _O.returned_at)
        .join_from(OutOfRoom.__table__, Attendance.__table__, _A.id == _O.attendance_id)
        .where(_A.session_id == _SID).order_by(_O.left_at))
# (all participants, one participant): the board after an action shows only that person's row.
ATTENDANCE = (_ATTENDANCE, _ATTENDANCE.where(_A.participant_id == _PID))
OUT_OF_ROOM = (_OUT, _OUT.where(_A.participant_id == _PID))
ANSWERED = select(_FR.participant_id, _FR.form_id).where(
    _FR.session_id == _SID, _FR.form_id.in_((CHECKIN_FORM, CHECKOUT_FORM))).distinct()
OPEN_FLAGS = (select(_F.id, _F.participant_id, _F.session_id, _F.response_id, _F.code,
                     _F.severity, _F.message, _F.raised_at, _F.addressed_at, _F.follow_up)
              .where(_F.participant_id.in_(_PIDS), _F.severity == "high",
                     _F.addressed_at.is_(None)).order_by(_F.raised_at))
_WEEK = (select(_A.participant_id, _G.program_id, func.coalesce(func.sum(_A.minutes), 0))
         .join_from(Attendance.__table__, GroupSession.__table__, _GS.id == _A.session_id)
         .join(Group.__table__, _G.id == _GS.group_id)
         .where(_A.participant_id.in_(_PIDS), _GS.status == "ended",
                _GS.session_date.between(bindparam("first"), bindparam("last")))
         .group_by(_A.participant_id, _G.program_id))
# (every ended session of the week, all but one session): a running block's own minutes are
# live, never the cached ones.
WEEK = (_WEEK, _WEEK.where(_GS.id != bindparam("exclude")))


@dataclass(frozen=True)
class BoardContext:
    """What live minutes need of a session and its program."""

    session_id: int
    session_date: date
    actual_start: datetime | None
    actual_end: datetime | None
    breaks: tuple[tuple[datetime, datetime | None], ...]  # started break segments
    program_id: int
    daily_minimum: int
    weekly_minimum: int
    break_counts_as_service: bool


def segment_rows(s: Session, session_id: int) -> list[SegmentView]:
    """The session's segments in order (position, then id)."""
    views = [SegmentView(*row) for row in s.execute(SEGMENTS, {"sid": session_id})]
    views.sort(key=lambda g: (g.position, g.id))
    return views


def breaks_of(segments: Sequence[Any]) -> tuple[tuple[datetime, datetime | None], ...]:
    """(start, end) of the started break segments (end None while the break runs)."""
    return tuple((g.actual_start, g.actual_end) for g in segments
                 if g.kind == "break" and g.actual_start is not None)


def stored_breaks(s: Session, session_id: int) -> tuple[tuple[datetime, datetime | None], ...]:
    return tuple((start, end) for start, end in s.execute(BREAKS, {"sid": session_id}))


def live_minutes(ctx: BoardContext, now: datetime, status: str, arrived: datetime | None,
                 departed: datetime | None, out: Sequence[tuple[datetime, datetime | None]]
                 ) -> int:
    """Minutes of service of one attendance row at ``now``; ``out`` are its (left, returned)
    out-of-room intervals."""
    if ctx.actual_start is None or status in NOT_ATTENDING:
        return 0
    win = (ctx.actual_start, ctx.actual_end if ctx.actual_end is not None
           else max(now, ctx.actual_start))
    breaks = [(start, end or max(now, start)) for start, end in ctx.breaks]
    gaps = [(left, returned or win[1]) for left, returned in out]
    return mins.service_minutes(win, arrived, departed, breaks=breaks, out_of_room=gaps,
                                break_counts_as_service=ctx.break_counts_as_service)


def week_start(day: date) -> tuple[date, date]:
    start = mins.iso_week_start(day)
    return start, start + timedelta(days=6)


def cached_week(s: Session, pids: list[int], day: date, exclude: int | None
                ) -> dict[tuple[int, int], int]:
    """Cached minutes of ended sessions in the ISO week of ``day``, per (participant, program).

    Kept per program: a program's weekly minimum (and its per-diem billing) is met by that
    program's service only, not by a group of another program the participant also attends.
    """
    if not pids:
        return {}
    first, last = week_start(day)
    params: dict[str, Any] = {"pids": pids, "first": first, "last": last}
    if exclude is not None:
        params["exclude"] = exclude
    rows = s.execute(WEEK[exclude is not None], params)
    return {(pid, program_id): int(total) for pid, program_id, total in rows}


def attendance_board(s: Session, ctx: BoardContext, now: datetime, only: int | None = None
                     ) -> tuple[list[AttendanceView], list[FlagView]]:
    """Attendance board rows (roster order) and the open flags of the people on it."""
    s.flush()  # what an ORM query would autoflush: the caller's pending changes
    params: dict[str, Any] = {"sid": ctx.session_id}
    if only is not None:
        params["pid"] = only
    rows = s.execute(ATTENDANCE[only is not None], params).all()
    out: dict[int, list[tuple[int, datetime, datetime | None]]] = {}
    for oid, attendance_id, left, returned in s.execute(OUT_OF_ROOM[only is not None], params):
        out.setdefault(attendance_id, []).append((oid, left, returned))
    pids = [r.participant_id for r in rows]
    answered = set(s.execute(ANSWERED, {"sid": ctx.session_id}).all())
    flags = [FlagView(*f) for f in s.execute(OPEN_FLAGS, {"pids": pids})] if pids else []
    week = cached_week(s, pids, ctx.session_date, ctx.session_id)
    views = []
    for aid, pid, status, arrived, departed, walk_in, chart_id, legal, preferred in rows:
        gaps = out.get(aid, [])
        live = live_minutes(ctx, now, status, arrived, departed, [g[1:] for g in gaps])
        short = preferred or legal
        display = f"{preferred} ({legal})" if preferred and preferred != legal else legal
        views.append(AttendanceView(
            aid, pid, chart_id, short, display, status, arrived, departed, walk_in,
            tuple(OutOfRoomView(*g) for g in gaps), live, ctx.daily_minimum,
            week.get((pid, ctx.program_id), 0) + live, ctx.weekly_minimum,
            (pid, CHECKIN_FORM) in answered, (pid, CHECKOUT_FORM) in answered,
            sum(1 for f in flags if f.participant_id == pid),
        ))
    views.sort(key=lambda v: (v.walk_in, v.short_name.casefold(), v.participant_id))
    return views, flags
