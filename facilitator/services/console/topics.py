"""The curriculum in the live console: the planned topic of each module segment, the topic
picker's choices, and recording the topic taught in a segment.

A module segment's *slot* is its index among the session's module segments (in running order),
which is how rotation plans address them (``curriculum.planning``). The topic a segment shows is
the library version chosen for it, else (if nothing was typed either) the plan's topic.
``deliver_topic`` records the delivery through ``segment_topic.deliver_in`` (the authoritative
record of delivered topics) and sets the segment's topic, in one transaction and as one undoable
action. Starting a module segment adopts its planned topic in ``segment_topic.adopt_planned_in``.
"""

from __future__ import annotations

from typing import Any

from ...models.sessions import Segment
from ..curriculum import delivery, library, planning
from ..curriculum.dto import TopicView
from ..errors import NotFound
from ..workspace import Workspace
from ._common import load_session, ordered_segments, session_view
from .dto import SessionView, TopicChoice
from .segment_topic import deliver_in, topic_segment
from .undo import UndoEntry


def module_slot(session: SessionView, segment_id: int) -> int | None:
    """The plan slot of a module segment (0 = the first module segment), None for others."""
    modules = [g.id for g in session.segments if g.kind == "module"]
    return modules.index(segment_id) if segment_id in modules else None


def _where(ws: Workspace, segment_id: int) -> tuple[int, int, Any, int | None, int | None, str]:
    """(session id, group id, date, slot, chosen version id, typed text) of a segment."""
    with ws.read() as s:
        seg = s.get(Segment, segment_id)
        if seg is None:
            raise NotFound("That segment no longer exists.")
        sess = load_session(s, seg.session_id)
        modules = [g.id for g in ordered_segments(sess) if g.kind == "module"]
        slot = modules.index(seg.id) if seg.id in modules else None
        return (sess.id, sess.group_id, sess.session_date, slot, seg.topic_version_id,
                seg.topic_text)


def planned_topic(ws: Workspace, segment_id: int) -> TopicView | None:
    """The rotation plan's topic for a module segment (None: not a module, or nothing planned)."""
    _sid, group_id, day, slot, _version, _text = _where(ws, segment_id)
    return None if slot is None else planning.planned_topic(ws, group_id, day, slot)


def planned_topics(ws: Workspace, session_id: int) -> dict[int, TopicView]:
    """Segment id → planned topic, for every module segment that has one."""
    with ws.read() as s:
        sess = load_session(s, session_id)
        modules = [g.id for g in ordered_segments(sess) if g.kind == "module"]
        group_id, day = sess.group_id, sess.session_date
    found = {}
    for slot, segment_id in enumerate(modules):
        topic = planning.planned_topic(ws, group_id, day, slot)
        if topic is not None:
            found[segment_id] = topic
    return found


def segment_topic(ws: Workspace, segment_id: int) -> TopicView | None:
    """What a segment teaches: the chosen library version (as chosen), else the plan's topic
    for a module segment with no typed topic, else None (free text or nothing planned)."""
    _sid, group_id, day, slot, version_id, text = _where(ws, segment_id)
    if version_id is not None:
        try:
            return library.get_topic_version(ws, version_id)
        except NotFound:
            return None
    if text.strip() or slot is None:
        return None
    return planning.planned_topic(ws, group_id, day, slot)


def topic_choices(ws: Workspace, segment_id: int, query: str = "", limit: int = 5
                  ) -> list[TopicChoice]:
    """The picker's rows: the planned topic first, then ``suggest_topics`` (what most of today's
    participants have not had), then the library search for ``query``; each topic once. With a
    query, planned and suggested topics are kept only when they match it too."""
    session_id, group_id, day, slot, _version, _text = _where(ws, segment_id)
    hits = library.search_topics(ws, query)
    keys = {h.key for h in hits}
    rows: list[TopicChoice] = []
    seen: set[str] = set()

    def add(choice: TopicChoice) -> None:
        if choice.topic_key not in seen and (not query.strip() or choice.topic_key in keys):
            seen.add(choice.topic_key)
            rows.append(choice)

    planned = None if slot is None else planning.planned_topic(ws, group_id, day, slot)
    if planned is not None:
        add(TopicChoice(planned.key, planned.title, planned.module_title, "planned", None, None))
    for tip in delivery.suggest_topics(ws, session_id, slot or 0, limit):
        add(TopicChoice(tip.topic.key, tip.topic.title, tip.topic.module_title, "suggested",
                        tip.not_had, tip.participants))
    for hit in hits:
        add(TopicChoice(hit.key, hit.title, hit.module_title, "library", None, None))
    return rows


def deliver_topic(ws: Workspace, segment_id: int, topic_key: str) -> SessionView:
    """Record ``topic_key`` as taught in the segment (as ``record_delivery`` does) and show it as
    the segment's topic. One transaction and one console action: the delivery, the segment's
    topic, their audit events and the undo entry are stored together or not at all, and Ctrl+Z
    reverts both."""
    with ws.transaction() as s:
        sess, seg = topic_segment(s, segment_id)
        log = UndoEntry(s, ws, sess)  # refuses a clock that went back before anything is written
        version_id = deliver_in(s, ws, log, sess, seg, topic_key)
        log.store("segment.topic", "Record topics", segment_id=seg.id,
                  topic_version_id=version_id, deliveries_removed=0)
        return session_view(s, sess)
