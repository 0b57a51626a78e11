"""Segment transitions and live edits of the block plan.

``start_next_segment`` ends the running segment (if any) and starts the next pending one;
``start_break`` / ``end_break`` do the same for a break with one call. Segments that have started
keep their place; pending ones can be moved, added or skipped. Positions stay 0..n-1.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...models.sessions import SEGMENT_KINDS, GroupSession, Segment
from ..errors import Conflict, NotFound, ValidationError
from ..validation import Checker
from ..workspace import Workspace
from ._common import (
    load_session,
    next_pending,
    ordered_segments,
    require_status,
    running_segment,
    session_view,
)
from .dto import SessionView
from .segment_topic import adopt_planned_in, checked_topic, topic_segment, write_segment_topic
from .undo import UndoEntry


def _running(s: Session, session_id: int) -> GroupSession:
    sess = load_session(s, session_id)
    require_status(sess, "running")
    return sess


def _end(log: UndoEntry, seg: Segment) -> None:
    log.updating(seg, "actual_end")
    seg.actual_end = log.now


def _start(log: UndoEntry, seg: Segment) -> None:
    log.updating(seg, "actual_start")
    seg.actual_start = log.now


def _renumber(log: UndoEntry, order: list[Segment]) -> None:
    for n, seg in enumerate(order):
        if seg.position != n:
            log.updating(seg, "position")
            seg.position = n


def start_next_segment(ws: Workspace, session_id: int) -> SessionView:
    """End the running segment (if any) and start the next pending one; a module segment with
    nothing chosen adopts its planned topic (a second undo entry). One transaction. Conflict if
    none is left (nothing is changed then)."""
    with ws.transaction() as s:
        sess = _running(s, session_id)
        nxt = next_pending(sess)
        if nxt is None:
            raise Conflict("There is no next segment. Add one or end the block.")
        log = UndoEntry(s, ws, sess)
        current = running_segment(sess)
        if current is not None:
            _end(log, current)
        _start(log, nxt)
        log.store("segment.next", "Start the next segment", segment_id=nxt.id)
        adopt_planned_in(s, ws, sess)  # same transaction: both are stored or neither
        return session_view(s, sess)


def end_current_segment(ws: Workspace, session_id: int) -> SessionView:
    """End the running segment without starting another. Conflict if none is running."""
    with ws.transaction() as s:
        sess = _running(s, session_id)
        current = running_segment(sess)
        if current is None:
            raise Conflict("No segment is running, so there is none to end.")
        log = UndoEntry(s, ws, sess)
        _end(log, current)
        log.store("segment.end", "End the segment", segment_id=current.id)
        return session_view(s, sess)


def start_break(ws: Workspace, session_id: int, minutes: int = 15) -> SessionView:
    """End the running segment and start a break: the next pending segment if it is a break,
    otherwise a new break (``minutes`` long) inserted before the next pending segment."""
    if not 1 <= minutes <= 600:
        raise ValidationError({"minutes": "A break lasts between 1 and 600 minutes."})
    with ws.transaction() as s:
        sess = _running(s, session_id)
        current = running_segment(sess)
        if current is not None and current.kind == "break":
            raise Conflict("A break is already running.")
        log = UndoEntry(s, ws, sess)
        if current is not None:
            _end(log, current)
        nxt = next_pending(sess)
        if nxt is not None and nxt.kind == "break":
            brk = nxt
            _start(log, brk)
        else:
            order = ordered_segments(sess)
            at = order.index(nxt) if nxt is not None else len(order)
            brk = Segment(kind="break", title="Break", planned_minutes=minutes, position=at,
                          actual_start=log.now, skipped=False, topic_text="",
                          created_at=log.now, created_by_id=ws.actor.user_id)
            sess.segments.append(brk)
            log.inserted(brk)
            order.insert(at, brk)
            _renumber(log, order)
        log.store("break.start", "Start a break", segment_id=brk.id)
        return session_view(s, sess)


def end_break(ws: Workspace, session_id: int) -> SessionView:
    """End the running break and start the next pending segment (if any)."""
    with ws.transaction() as s:
        sess = _running(s, session_id)
        current = running_segment(sess)
        if current is None or current.kind != "break":
            raise Conflict("No break is running.")
        log = UndoEntry(s, ws, sess)
        _end(log, current)
        nxt = next_pending(sess)
        if nxt is not None:
            _start(log, nxt)
        log.store("break.end", "End the break", segment_id=current.id)
        return session_view(s, sess)


def _first_movable(order: list[Segment]) -> int:
    """Index of the first place a pending segment may go: after every started one."""
    started = [i for i, g in enumerate(order) if g.actual_start is not None]
    return started[-1] + 1 if started else 0


def add_segment(ws: Workspace, session_id: int, kind: str, title: str, minutes: int,
                position: int | None = None) -> SessionView:
    """Insert a segment at ``position`` (0-based among all segments; default: at the end).
    A position among started segments is moved to just after them."""
    c = Checker()
    if kind not in SEGMENT_KINDS:
        c.fail("kind", f"Kind must be one of {', '.join(SEGMENT_KINDS)}.")
    cleaned = c.text("title", "The segment title", title)
    if not 1 <= minutes <= 600:
        c.fail("minutes", "A segment lasts between 1 and 600 minutes.")
    c.raise_if_any()
    with ws.transaction() as s:
        sess = load_session(s, session_id)
        require_status(sess, "planned", "running")
        log = UndoEntry(s, ws, sess)
        order = ordered_segments(sess)
        at = len(order) if position is None else position
        at = min(max(at, _first_movable(order)), len(order))
        seg = Segment(kind=kind, title=cleaned, planned_minutes=minutes, position=at,
                      skipped=False, topic_text="", created_at=log.now,
                      created_by_id=ws.actor.user_id)
        sess.segments.append(seg)
        log.inserted(seg)
        order.insert(at, seg)
        _renumber(log, order)
        log.store("segment.add", "Add a segment", segment_id=seg.id)
        return session_view(s, sess)


def _pending_segment(s: Session, segment_id: int) -> tuple[GroupSession, Segment]:
    seg = s.get(Segment, segment_id)
    if seg is None:
        raise NotFound("That segment no longer exists.")
    sess = load_session(s, seg.session_id)
    require_status(sess, "planned", "running")
    if seg.actual_start is not None:
        raise Conflict("That segment has already started; only upcoming segments can change.")
    return sess, seg


def move_segment(ws: Workspace, segment_id: int, position: int) -> SessionView:
    """Move a pending segment to ``position``; started segments stay where they ran."""
    with ws.transaction() as s:
        sess, seg = _pending_segment(s, segment_id)
        log = UndoEntry(s, ws, sess)
        order = ordered_segments(sess)
        order.remove(seg)
        at = min(max(position, _first_movable(order)), len(order))
        order.insert(at, seg)
        _renumber(log, order)
        log.store("segment.move", "Move a segment", segment_id=seg.id, position=at)
        return session_view(s, sess)


def skip_segment(ws: Workspace, segment_id: int) -> SessionView:
    """Mark a pending segment skipped (undo brings it back)."""
    with ws.transaction() as s:
        sess, seg = _pending_segment(s, segment_id)
        if seg.skipped:
            raise Conflict("That segment is already skipped.")
        log = UndoEntry(s, ws, sess)
        log.updating(seg, "skipped")
        seg.skipped = True
        log.store("segment.skip", "Skip a segment", segment_id=seg.id)
        return session_view(s, sess)


def set_segment_topic(ws: Workspace, segment_id: int, text: str,
                      topic_version_id: int | None = None) -> SessionView:
    """Topics delivered in a segment, as text, optionally naming the library topic version
    (``topics.deliver_topic`` records a library topic's delivery along with it). Free text (no
    version) replaces a library topic chosen earlier for the segment: that delivery is removed in
    the same transaction, and undo brings it back."""
    cleaned = checked_topic(text)
    with ws.transaction() as s:
        sess, seg = topic_segment(s, segment_id)
        log = UndoEntry(s, ws, sess)
        removed = write_segment_topic(log, seg, cleaned, topic_version_id)
        log.store("segment.topic", "Record topics", segment_id=seg.id,
                   topic_version_id=topic_version_id, deliveries_removed=removed)
        return session_view(s, sess)
