"""Per-participant curriculum coverage: what they attended, what they still need, step-down.

A participant *had* a topic when the topic was delivered in a session where their attendance
status was present, late, left early or telehealth.

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

from sqlalchemy import func, or_, select

from ...models.curriculum import CurriculumModule, RotationEntry, RotationPlan, TopicDelivery
from ...models.roster import Enrollment, Participant
from ...models.sessions import Attendance, GroupSession
from ..errors import NotFound
from ..workspace import Workspace
from . import _store
from .dto import AttendedTopic, CoverageView, ModuleCoverage

ATTENDED_STATUSES = ("present", "late", "left_early", "telehealth")
CORE_TOPICS_REQUIRED = 3


def participant_coverage(ws: Workspace, participant_id: int) -> CoverageView:
    """Coverage of one participant (a handful of indexed queries; see the module docstring)."""
    today = _store.today(ws)
    with ws.transaction() as s:
        if s.get(Participant, participant_id) is None:
            raise NotFound("That participant no longer exists.")
        had = {topic_id: (first, last, times) for topic_id, first, last, times in s.execute(
            select(TopicDelivery.topic_id, func.min(GroupSession.session_date),
                   func.max(GroupSession.session_date),
                   func.count(func.distinct(GroupSession.id)))
            .select_from(Attendance)
            .join(TopicDelivery, TopicDelivery.session_id == Attendance.session_id)
            .join(GroupSession, GroupSession.id == Attendance.session_id)
            .where(Attendance.participant_id == participant_id,
                   Attendance.status.in_(ATTENDED_STATUSES))
            .group_by(TopicDelivery.topic_id)
        )}
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
