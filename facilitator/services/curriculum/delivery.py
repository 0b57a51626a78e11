"""Which topic was taught in which session (and segment), and what to teach next.

``record_delivery`` stores the topic's *current version* so the note and the chart keep the text
as taught. The live console sets or swaps a module segment's topic through ``record_delivery_in``
(the same, inside its own transaction) so the delivery and the console action commit together.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ...models.curriculum import CurriculumTopic, TopicDelivery, TopicVersion
from ...models.roster import Enrollment
from ...models.sessions import Attendance, GroupSession, Segment
from .. import audit
from ..errors import NotFound
from ..workspace import Workspace
from . import _store
from .coverage import attended_deliveries
from .dto import DeliveryView, Suggestion
from .planning import planned_topic

NOT_PRESENT = ("absent", "excused")


def _view(d: TopicDelivery, t: CurriculumTopic, v: TopicVersion) -> DeliveryView:
    return DeliveryView(d.id, d.session_id, d.segment_id, t.key, v.id, v.version, v.title,
                        d.delivered_at)


def record_delivery(ws: Workspace, session_id: int, segment_id: int | None, topic_key: str
                    ) -> DeliveryView:
    """Record that ``topic_key`` (its current version) was taught in a session / segment.

    One delivery per segment: calling again for the same segment swaps the topic. With no
    segment, recording the same topic twice for a session keeps one record. Audited.
    """
    with ws.transaction() as s:
        return record_delivery_in(s, ws, session_id, segment_id, topic_key)


def record_delivery_in(s: Session, ws: Workspace, session_id: int, segment_id: int | None,
                       topic_key: str) -> DeliveryView:
    """``record_delivery`` inside the caller's transaction, so a caller (the live console) can
    store the delivery, its audit event and its own changes as one commit."""
    if s.get(GroupSession, session_id) is None:
        raise NotFound("That session no longer exists.")
    if segment_id is not None:
        seg = s.get(Segment, segment_id)
        if seg is None or seg.session_id != session_id:
            raise NotFound("That segment is not part of the session.")
    t = _store.topic_by_key(s, topic_key)
    v = _store.latest_version(s, t.id)
    now = ws.clock.now()
    existing = s.scalar(select(TopicDelivery).where(
        TopicDelivery.session_id == session_id,
        TopicDelivery.segment_id == segment_id if segment_id is not None else and_(
            TopicDelivery.segment_id.is_(None), TopicDelivery.topic_id == t.id))
        .order_by(TopicDelivery.id).limit(1))
    if existing is None:
        existing = TopicDelivery(session_id=session_id, segment_id=segment_id,
                                 topic_id=t.id, topic_version_id=v.id, delivered_at=now,
                                 created_at=now, created_by_id=ws.actor.user_id)
        s.add(existing)
    else:
        existing.topic_id, existing.topic_version_id = t.id, v.id
        existing.updated_at, existing.updated_by_id = now, ws.actor.user_id
    s.flush()
    audit.record(s, ws, "topic.delivered", "session", session_id, segment_id=segment_id,
                 topic=t.key, version=v.version)
    return _view(existing, t, v)


def remove_delivery(ws: Workspace, delivery_id: int) -> None:
    """Undo a delivery recorded by mistake (audited)."""
    with ws.transaction() as s:
        d = s.get(TopicDelivery, delivery_id)
        if d is None:
            raise NotFound("That delivery no longer exists.")
        s.delete(d)
        audit.record(s, ws, "topic.delivery_removed", "session", d.session_id,
                     delivery_id=delivery_id)


def session_deliveries(ws: Workspace, session_id: int) -> list[DeliveryView]:
    """Topics delivered in a session, in the order recorded, with the version as taught."""
    with ws.read() as s:
        rows = s.execute(
            select(TopicDelivery, CurriculumTopic, TopicVersion)
            .join(CurriculumTopic, CurriculumTopic.id == TopicDelivery.topic_id)
            .join(TopicVersion, TopicVersion.id == TopicDelivery.topic_version_id)
            .where(TopicDelivery.session_id == session_id).order_by(TopicDelivery.id)
        )
        return [_view(d, t, v) for d, t, v in rows]


def suggest_topics(ws: Workspace, session_id: int, slot: int = 0, limit: int = 5
                   ) -> list[Suggestion]:
    """Topics most of today's participants have not had, best first.

    Today's participants are those with an attendance row that is not absent/excused (or, before
    attendance is taken, everyone enrolled in the group that day). Ties go to the plan's topic for
    this slot, then to library order. Retired topics and topics already taught in this session
    are never suggested.
    """
    with ws.read() as s:
        gs = s.get(GroupSession, session_id)
        if gs is None:
            raise NotFound("That session no longer exists.")
        people = set(s.scalars(select(Attendance.participant_id).where(
            Attendance.session_id == session_id, Attendance.status.not_in(NOT_PRESENT))))
        if not people:
            day = gs.session_date
            people = set(s.scalars(select(Enrollment.participant_id).where(
                Enrollment.group_id == gs.group_id, Enrollment.start_date <= day,
                or_(Enrollment.end_date.is_(None), Enrollment.end_date >= day))))
        had: Counter[int] = Counter()
        pairs = {(pid, topic_id) for pid, topic_id, _sid, _day
                 in attended_deliveries(s, people, exclude_session=session_id)}
        had.update(topic_id for _p, topic_id in pairs)
        taught = set(s.scalars(select(TopicDelivery.topic_id).where(
            TopicDelivery.session_id == session_id)))
        group_id, day = gs.group_id, gs.session_date
        rows = [(i, t, v, m) for i, (t, v, m) in enumerate(_store.current_rows(s))
                if not (t.retired or m.retired) and t.id not in taught]
    planned = planned_topic(ws, group_id, day, slot)
    planned_key = planned.key if planned else None
    n = len(people)
    ranked = sorted(rows, key=lambda r: (-(n - had[r[1].id]), r[1].key != planned_key, r[0]))
    return [Suggestion(_store.summary(t, v, m), n - had[t.id], n, t.key == planned_key)
            for _i, t, v, m in ranked[:limit]]
