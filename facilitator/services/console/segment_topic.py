"""A segment's topic inside the caller's transaction, shared by ``segments`` (a module segment
that starts adopts its planned topic) and ``topics`` (the picker's choice), so neither of those
imports the other.

``deliver_in`` records a library topic's delivery (``curriculum.delivery.record_delivery_in``)
and shows it as the segment's topic; ``adopt_planned_in`` does that for the running module
segment's planned topic as an undo entry of its own, in the transaction that started it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models.curriculum import TopicDelivery
from ...models.sessions import GroupSession, Segment
from ..curriculum import delivery, planning
from ..errors import NotFound
from ..validation import MAX_TEXT, Checker
from ..workspace import Workspace
from ._common import load_session, ordered_segments, require_status, running_segment
from .undo import UndoEntry


def checked_topic(text: str) -> str:
    """The topic text as stored; ValidationError (field "topic") when it is too long."""
    c = Checker()
    cleaned = c.text("topic", "The topic", text, required=False, max_len=MAX_TEXT)
    c.raise_if_any()
    return cleaned


def topic_segment(s: Session, segment_id: int) -> tuple[GroupSession, Segment]:
    """A segment whose topic may be set (its block is planned, running or ended)."""
    seg = s.get(Segment, segment_id)
    if seg is None:
        raise NotFound("That segment no longer exists.")
    sess = load_session(s, seg.session_id)
    require_status(sess, "planned", "running", "ended")
    return sess, seg


def slot_of(sess: GroupSession, seg: Segment) -> int | None:
    """The plan slot of a module segment (0 = the block's first module segment), else None."""
    modules = [g.id for g in ordered_segments(sess) if g.kind == "module"]
    return modules.index(seg.id) if seg.id in modules else None


def write_segment_topic(log: UndoEntry, seg: Segment, cleaned: str,
                        topic_version_id: int | None) -> int:
    """Inside the caller's entry: set the segment's topic fields (undoable); free text removes
    the segment's deliveries (undo re-inserts them). Returns how many were removed."""
    log.updating(seg, "topic_text", "topic_version_id")
    seg.topic_text, seg.topic_version_id = cleaned, topic_version_id
    removed = 0
    if topic_version_id is None:
        for old in log.s.scalars(select(TopicDelivery).where(TopicDelivery.segment_id == seg.id)):
            log.deleting(old)
            log.s.delete(old)
            removed += 1
    return removed


def deliver_in(s: Session, ws: Workspace, log: UndoEntry, sess: GroupSession, seg: Segment,
               topic_key: str) -> int:
    """Record ``topic_key`` as taught in ``seg`` and show it as the segment's topic, inside the
    caller's entry (undo reverts both). Returns the delivered topic version's id."""
    prior = s.scalar(select(TopicDelivery).where(TopicDelivery.segment_id == seg.id)
                     .order_by(TopicDelivery.id).limit(1))
    if prior is not None:
        log.updating_row(prior)  # record_delivery_in swaps the topic on this row
    done = delivery.record_delivery_in(s, ws, sess.id, seg.id, topic_key)
    write_segment_topic(log, seg, checked_topic(done.title), done.topic_version_id)
    if prior is None:
        row = s.get(TopicDelivery, done.id)
        assert row is not None  # just flushed by record_delivery_in
        log.inserted(row)
    return done.topic_version_id


def adopt_planned_in(s: Session, ws: Workspace, sess: GroupSession) -> None:
    """When a module segment has just started with nothing chosen, its planned topic becomes the
    one taught (the facilitator swaps it with T). Without this, a block run on the plan would
    leave no delivery behind and every participant's coverage would miss the topic.

    Stored as an undo entry of its own in the caller's transaction, so the first Ctrl+Z takes
    the topic back and the next one the segment start. A retired planned topic is not adopted:
    the picker flags it instead."""
    running = running_segment(sess)
    if (running is None or running.kind != "module" or running.topic_version_id is not None
            or running.topic_text):
        return
    slot = slot_of(sess, running)
    planned = None if slot is None else planning.planned_topic_in(
        s, sess.group_id, sess.session_date, slot)
    if planned is None or planned.retired:
        return
    log = UndoEntry(s, ws, sess)
    version_id = deliver_in(s, ws, log, sess, running, planned.key)
    log.store("segment.topic", "Record topics", segment_id=running.id,
              topic_version_id=version_id, deliveries_removed=0)
