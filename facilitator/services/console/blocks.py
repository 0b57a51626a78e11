"""Sessions of a block: plan from the schedule or ad hoc, start, session details, not held.

Segment transitions live in ``segments.py`` and ending a block in ``ending.py``. Every public
function is one transaction and audited; actions on a session are also logged for undo.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models.roster import Enrollment, Group
from ...models.sessions import SEGMENT_KINDS, Attendance, GroupSession, Segment, SessionFacilitator
from .. import audit
from ..errors import NotFound, ValidationError
from ..validation import MAX_TEXT, Checker
from ..workspace import Workspace
from ._common import (
    enrolled_on,
    load_session,
    local_instant,
    next_pending,
    require_status,
    session_view,
)
from .dto import SessionView, TodayEntry
from .segment_topic import adopt_planned_in
from .undo import UndoEntry


def _weekdays(g: Group) -> set[int]:
    return {int(x) for x in g.weekdays.split(",") if x}


def today_sessions(ws: Workspace) -> list[TodayEntry]:
    """Groups meeting today (clinic time zone) by schedule, plus ad hoc sessions dated today,
    each with the state of its session, and first the blocks of earlier days still running
    (closed or crashed before anyone ended them: otherwise nothing in the app reached them,
    and their notes were never owed). Read only: nothing is planned by calling this."""
    day = ws.today()
    with ws.read() as s:
        groups = {g.id: g for g in s.scalars(select(Group).where(Group.active.is_(True)))}
        sessions = list(s.scalars(select(GroupSession).where(GroupSession.session_date == day)
                                  .order_by(GroupSession.id)))
        sizes = dict(s.execute(select(Enrollment.group_id, func.count())
                               .where(enrolled_on(day)).group_by(Enrollment.group_id)).all())
        entries: list[TodayEntry] = []
        seen: set[int] = set()
        for sess in sessions:
            group = groups.get(sess.group_id) or s.get(Group, sess.group_id)
            if group is None:
                continue
            seen.add(group.id)
            entries.append(TodayEntry(group.id, group.name, sess.planned_start, sess.planned_end,
                                      sess.id, sess.status, sizes.get(group.id, 0)))
        for group in groups.values():
            if group.id in seen or day.isoweekday() not in _weekdays(group):
                continue
            entries.append(TodayEntry(
                group.id, group.name, local_instant(day, group.block_start, ws.timezone),
                local_instant(day, group.block_end, ws.timezone), None, "unplanned",
                sizes.get(group.id, 0)))
        entries.extend(_earlier_running(s, day, groups))
        return sorted(entries, key=lambda e: (e.planned_start, e.group_name))


def _earlier_running(s: Session, day: date, groups: dict[int, Group]) -> list[TodayEntry]:
    found = []
    for sess in s.scalars(select(GroupSession).where(GroupSession.status == "running",
                                                     GroupSession.session_date < day)):
        group = groups.get(sess.group_id) or s.get(Group, sess.group_id)
        if group is None:
            continue
        roster = s.scalar(select(func.count()).select_from(Attendance)
                          .where(Attendance.session_id == sess.id)) or 0
        found.append(TodayEntry(group.id, group.name, sess.planned_start, sess.planned_end,
                                sess.id, sess.status, roster, earlier=True))
    return found


def _check_template(template: Sequence[dict[str, Any]]) -> None:
    c = Checker()
    if not template:
        c.fail("template", "The block needs at least one segment.")
    for n, part in enumerate(template, 1):
        if part.get("kind") not in SEGMENT_KINDS:
            c.fail("template", f"Segment {n} has an unknown kind.")
        minutes = part.get("minutes")
        if not isinstance(minutes, int) or not 1 <= minutes <= 600:
            c.fail("template", f"Segment {n} needs between 1 and 600 minutes.")
    c.raise_if_any()


def add_roster(s: Session, ws: Workspace, sess: GroupSession, log: UndoEntry | None) -> int:
    """Attendance rows (status expected) for everyone enrolled on the session date who has none.
    Returns how many were added."""
    have = set(s.scalars(select(Attendance.participant_id)
                         .where(Attendance.session_id == sess.id)))
    members = s.scalars(select(Enrollment.participant_id).where(
        Enrollment.group_id == sess.group_id, enrolled_on(sess.session_date)).distinct())
    added = 0
    for pid in members:
        if pid in have:
            continue
        row = Attendance(session_id=sess.id, participant_id=pid, status="expected",
                         walk_in=False, created_at=ws.clock.now(),
                         created_by_id=ws.actor.user_id)
        s.add(row)
        if log is not None:
            log.inserted(row)
        added += 1
    return added


def plan(s: Session, ws: Workspace, group: Group, day: date, start: datetime, end: datetime,
         template: Sequence[dict[str, Any]]) -> GroupSession:
    """A planned session with its segments and roster (no audit, no action log)."""
    now = ws.clock.now()
    sess = GroupSession(group_id=group.id, session_date=day, status="planned",
                        planned_start=start, planned_end=end, modality=group.modality,
                        location=group.location, not_held_reason="",
                        lead_facilitator_id=None, created_at=now, created_by_id=ws.actor.user_id)
    s.add(sess)
    s.flush()
    for n, part in enumerate(template):
        sess.segments.append(Segment(
            position=n, kind=part["kind"], title=str(part.get("title") or part["kind"]).strip(),
            planned_minutes=int(part["minutes"]), skipped=False, topic_text="",
            created_at=now, created_by_id=ws.actor.user_id))
    s.flush()
    add_roster(s, ws, sess, None)
    return sess


def _group(s: Session, group_id: int) -> Group:
    group = s.get(Group, group_id)
    if group is None:
        raise NotFound("That group no longer exists.")
    return group


def today_session_in(s: Session, ws: Workspace, group_id: int) -> tuple[GroupSession, Group]:
    """Today's session of a group inside the caller's transaction (planned and audited when
    there is none yet)."""
    day = ws.today()
    group = _group(s, group_id)
    existing = s.scalar(select(GroupSession).where(
        GroupSession.group_id == group_id, GroupSession.session_date == day,
        GroupSession.status != "not_held").order_by(GroupSession.id).limit(1))
    if existing is not None:
        return existing, group
    template = group.template or []
    _check_template(template)
    sess = plan(s, ws, group, day, local_instant(day, group.block_start, ws.timezone),
                local_instant(day, group.block_end, ws.timezone), template)
    audit.record(s, ws, "session.planned", "session", sess.id, group_id=group.id)
    return sess, group


def open_today_session(ws: Workspace, group_id: int) -> SessionView:
    """Today's session of a group: the existing one (not counting ones recorded as not held),
    or a new planned one from the group's schedule and template."""
    with ws.transaction() as s:
        sess, group = today_session_in(s, ws, group_id)
        return session_view(s, sess, group.name, group.program_id)


def start_today_session(ws: Workspace, group_id: int) -> SessionView:
    """The Today page's Start: today's session of the group, planned if need be and started
    (unless it already runs), in one transaction: a failure leaves no half-planned block."""
    with ws.transaction() as s:
        sess, group = today_session_in(s, ws, group_id)
        if sess.status == "planned":
            _start_in(s, ws, sess)
        return session_view(s, sess, group.name, group.program_id)


def _ad_hoc_in(s: Session, ws: Workspace, group_id: int, start: datetime, end: datetime,
               template: Sequence[dict[str, Any]] | None) -> tuple[GroupSession, Group]:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError({"start": "Times need a time zone."})
    if end <= start:
        raise ValidationError({"end": "The block must end after it starts."})
    group = _group(s, group_id)
    parts = list(template if template is not None else group.template or [])
    _check_template(parts)
    day = start.astimezone(ws.timezone).date()
    sess = plan(s, ws, group, day, start, end, parts)
    audit.record(s, ws, "session.planned", "session", sess.id, group_id=group.id, ad_hoc=True)
    return sess, group


def plan_ad_hoc_session(ws: Workspace, group_id: int, start: datetime, end: datetime,
                        template: Sequence[dict[str, Any]] | None = None) -> SessionView:
    """A planned session outside the schedule; ``template`` defaults to the group's."""
    with ws.transaction() as s:
        sess, group = _ad_hoc_in(s, ws, group_id, start, end, template)
        return session_view(s, sess, group.name, group.program_id)


def start_ad_hoc_session(ws: Workspace, group_id: int, start: datetime, end: datetime,
                         template: Sequence[dict[str, Any]] | None = None) -> SessionView:
    """The Today page's ad hoc block: planned and started in one transaction."""
    with ws.transaction() as s:
        sess, group = _ad_hoc_in(s, ws, group_id, start, end, template)
        _start_in(s, ws, sess)
        return session_view(s, sess, group.name, group.program_id)


def get_session(ws: Workspace, session_id: int) -> SessionView:
    with ws.read() as s:
        return session_view(s, load_session(s, session_id))


def sessions_on(ws: Workspace, group_id: int, on: date) -> list[SessionView]:
    with ws.read() as s:
        rows = s.scalars(select(GroupSession).where(GroupSession.group_id == group_id,
                                                    GroupSession.session_date == on)
                         .order_by(GroupSession.id))
        return [session_view(s, sess) for sess in rows]


def running_sessions(ws: Workspace) -> list[SessionView]:
    """Sessions still running (e.g. after a crash): offer them for resume on the next unlock."""
    with ws.read() as s:
        rows = s.scalars(select(GroupSession).where(GroupSession.status == "running")
                         .order_by(GroupSession.actual_start))
        return [session_view(s, sess) for sess in rows]


def _start_in(s: Session, ws: Workspace, sess: GroupSession) -> None:
    require_status(sess, "planned")
    log = UndoEntry(s, ws, sess)
    log.updating(sess, "status", "actual_start", "lead_facilitator_id")
    sess.status, sess.actual_start = "running", log.now
    if sess.lead_facilitator_id is None:
        sess.lead_facilitator_id = ws.actor.user_id
    if not s.get(SessionFacilitator, (sess.id, sess.lead_facilitator_id)):
        fac = SessionFacilitator(session_id=sess.id, user_id=sess.lead_facilitator_id)
        s.add(fac)
        log.inserted(fac)
    add_roster(s, ws, sess, log)
    first = next_pending(sess)
    if first is not None:
        log.updating(first, "actual_start")
        first.actual_start = log.now
    log.store("session.start", "Start the block")
    adopt_planned_in(s, ws, sess)  # a block may open on a module segment


def start_session(ws: Workspace, session_id: int) -> SessionView:
    """Start a planned session now: roster rows for everyone enrolled on the session date,
    the signed-in user as lead facilitator (if none), and the first pending segment started
    (adopting its planned topic if it is a module segment). One transaction."""
    with ws.transaction() as s:
        sess = load_session(s, session_id)
        _start_in(s, ws, sess)
        return session_view(s, sess)


def _reason_not_held(reason: str) -> str:
    c = Checker()
    cleaned = c.text("reason", "The reason", reason, max_len=MAX_TEXT)
    c.raise_if_any()
    return cleaned


def _not_held_in(s: Session, ws: Workspace, sess: GroupSession, cleaned: str) -> None:
    require_status(sess, "planned")
    log = UndoEntry(s, ws, sess)
    log.updating(sess, "status", "not_held_reason")
    sess.status, sess.not_held_reason = "not_held", cleaned
    log.store("session.not_held", "Record the block as not held")


def record_not_held(ws: Workspace, session_id: int, reason: str) -> SessionView:
    """Record a planned session as not held (reason required)."""
    cleaned = _reason_not_held(reason)
    with ws.transaction() as s:
        sess = load_session(s, session_id)
        _not_held_in(s, ws, sess, cleaned)
        return session_view(s, sess)


def record_today_not_held(ws: Workspace, group_id: int, reason: str) -> SessionView:
    """The Today page's "not held" for a group: today's session, planned if need be, recorded
    as not held in one transaction (a missing reason plans nothing)."""
    cleaned = _reason_not_held(reason)
    with ws.transaction() as s:
        sess, group = today_session_in(s, ws, group_id)
        _not_held_in(s, ws, sess, cleaned)
        return session_view(s, sess, group.name, group.program_id)


