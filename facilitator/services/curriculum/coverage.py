"""Per-participant curriculum coverage: what they attended, what they still need, step-down.

A participant *had* a topic when the topic was delivered in a session where their attendance
status was present, late, left early or telehealth, and, for a delivery recorded on a segment,
that segment actually ran and they were in the room for some of it (not arrived after it, gone
before it, or out of the room throughout). A topic chosen ahead for a segment that was skipped or
never reached was not taught. Attendance without recorded times (older records) counts as there.

A module counts as **covered** when the participant had at least ``CORE_TOPICS_REQUIRED``
different topics of it, or all of its topics if it has fewer. A participant is **ready for
step-down** when every active core module is covered. (Programs step people down when the core
skills have been taught, not when every optional topic has been seen; three topics of a module
is enough exposure to practise the skill family.)

"Not yet in the current cycle" lists the topics of the rotation plans of the groups the
participant is enrolled in today that they have never had, in plan order: with rolling
admission, this is what a newcomer still has to catch up on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import UTC, date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ...models.curriculum import CurriculumModule, RotationEntry, RotationPlan, TopicDelivery
from ...models.roster import Enrollment, Participant
from ...models.sessions import Attendance, GroupSession, OutOfRoom, Segment
from ..errors import NotFound
from ..workspace import Workspace
from . import _store
from .dto import AttendedTopic, CoverageView, ModuleCoverage

ATTENDED_STATUSES = ("present", "late", "left_early", "telehealth")
CORE_TOPICS_REQUIRED = 3


_OPEN_END = datetime.max.replace(tzinfo=UTC)
Gap = tuple[datetime, datetime]


def _in_room(start: datetime, end: datetime, gaps: list[Gap]) -> bool:
    """Whether [start, end) has any time not covered by the out-of-room gaps."""
    cursor = start
    for left, back in sorted(gaps):
        if left > cursor:
            break
        cursor = max(cursor, back)
        if cursor >= end:
            return False
    return cursor < end


def attended_deliveries(s: Session, participant_ids: Collection[int],
                        exclude_session: int | None = None
                        ) -> list[tuple[int, int, int, date]]:
    """(participant id, topic id, session id, session date) of every delivery the participant
    was there for (see the module docstring)."""
    if not participant_ids:
        return []
    who = [Attendance.participant_id.in_(participant_ids),
           Attendance.status.in_(ATTENDED_STATUSES)]
    if exclude_session is not None:
        who.append(Attendance.session_id != exclude_session)
    rows = s.execute(
        select(Attendance.id, Attendance.participant_id, Attendance.arrived_at,
               Attendance.departed_at, TopicDelivery.topic_id, GroupSession.id,
               GroupSession.session_date, GroupSession.actual_end, TopicDelivery.segment_id,
               Segment.actual_start, Segment.actual_end)
        .select_from(Attendance)
        .join(TopicDelivery, TopicDelivery.session_id == Attendance.session_id)
        .join(GroupSession, GroupSession.id == Attendance.session_id)
        .outerjoin(Segment, Segment.id == TopicDelivery.segment_id)
        .where(*who, or_(TopicDelivery.segment_id.is_(None), Segment.actual_start.is_not(None)))
    ).all()
    gaps: dict[int, list[tuple[datetime, datetime | None]]] = {}
    if any(r[8] is not None and r[2] is not None for r in rows):
        for aid, left, back in s.execute(
                select(OutOfRoom.attendance_id, OutOfRoom.left_at, OutOfRoom.returned_at)
                .join(Attendance, Attendance.id == OutOfRoom.attendance_id)
                .where(*who)):
            gaps.setdefault(aid, []).append((left, back))
    found = []
    for (aid, pid, arrived, departed, topic_id, session_id, day, session_end, segment_id,
         seg_start, seg_end) in rows:
        if segment_id is not None and arrived is not None:
            cap = session_end or _OPEN_END
            start, end = max(arrived, seg_start), min(departed or cap, seg_end or cap)
            away = [(left, back or cap) for left, back in gaps.get(aid, [])]
            if start >= end or not _in_room(start, end, away):
                continue
        found.append((pid, topic_id, session_id, day))
    return found


def participant_coverage(ws: Workspace, participant_id: int) -> CoverageView:
    """Coverage of one participant (a handful of indexed queries; see the module docstring)."""
    today = ws.today()
    with ws.read() as s:
        if s.get(Participant, participant_id) is None:
            raise NotFound("That participant no longer exists.")
        days: dict[int, dict[int, date]] = {}  # topic id -> session id -> date
        for _pid, topic_id, session_id, day in attended_deliveries(s, [participant_id]):
            days.setdefault(topic_id, {})[session_id] = day
        had = {topic_id: (min(by.values()), max(by.values()), len(by))
               for topic_id, by in days.items()}
        rows = _store.current_rows(s)
        plan_topics = list(s.scalars(
            select(RotationEntry.topic_id)
            .join(RotationPlan, RotationPlan.id == RotationEntry.plan_id)
            .join(Enrollment, Enrollment.group_id == RotationPlan.group_id)
            .where(Enrollment.participant_id == participant_id, Enrollment.start_date <= today,
                   or_(Enrollment.end_date.is_(None), Enrollment.end_date >= today))
            .order_by(RotationEntry.week, RotationEntry.weekday, RotationEntry.slot)))

    attended = tuple(
        AttendedTopic(t.key, v.title, m.key, *had[t.id]) for t, v, m in rows if t.id in had)
    meta: dict[str, CurriculumModule] = {}
    total: Counter[str] = Counter()
    got: Counter[str] = Counter()
    for t, _v, m in rows:
        if m.retired:
            continue
        meta.setdefault(m.key, m)
        total[m.key] += not t.retired
        got[m.key] += t.id in had
    coverage = []
    for key, m in meta.items():
        if total[key] == 0:
            continue
        required = min(CORE_TOPICS_REQUIRED, total[key])
        coverage.append(ModuleCoverage(key, m.title, m.core, got[key], total[key], required,
                                       got[key] >= required))
    core = [c for c in coverage if c.core]
    missing = tuple(c.title for c in core if not c.covered)
    by_id = {t.id: (t, v, m) for t, v, m in rows}
    not_yet = []
    for topic_id in dict.fromkeys(plan_topics):
        if topic_id in had or topic_id not in by_id:
            continue
        t, v, m = by_id[topic_id]
        not_yet.append(_store.summary(t, v, m))
    return CoverageView(participant_id, attended, tuple(coverage), tuple(not_yet),
                        bool(core) and not missing, missing)
