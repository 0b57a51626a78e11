"""Corrections afterwards: a participant's arrival and departure and their times out of the
room, each with a required reason that is audited.

``correct_attendance`` is the console's one intent "correct this participant's times": the
arrival/departure and any number of out-of-room intervals change in one transaction and one
undo entry, so a failure in any part (a bad interval, a full disk) leaves everything as it was
and one Ctrl+Z reverts the whole correction. ``adjust_times`` and ``adjust_out_of_room`` are the
single-part calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ...models.sessions import Attendance, GroupSession, OutOfRoom
from ..errors import NotFound, ValidationError
from ..validation import MAX_TEXT, Checker
from ..workspace import Workspace
from . import minutes as mins
from ._common import clock_text, load_session, program_of, require_status
from .attendance import ROW_FIELDS, arrival_status, attendance_row, attendance_view
from .dto import ATTENDING, AttendanceView, OutOfRoomView
from .state import participant_minutes
from .undo import UndoEntry

KEEP: Any = object()  # "leave this time unchanged"

# (interval id, stepped out at, back at or None while still out)
IntervalChange = tuple[int, datetime, datetime | None]


def _reason(reason: str) -> str:
    c = Checker()
    cleaned = c.text("reason", "A reason for the correction", reason, max_len=MAX_TEXT)
    c.raise_if_any()
    return cleaned


def _check_times(ws: Workspace, now: datetime, **times: datetime | None) -> None:
    c = Checker()
    for name, value in times.items():
        if value is not None and value.tzinfo is None:
            c.fail(name, "Times need a time zone.")
        elif value is not None and value > now:
            c.fail(name, f"{clock_text(value, ws.timezone)} is in the future.")
    c.raise_if_any()


def _check_inside_presence(ws: Workspace, row: Attendance, now: datetime, field: str) -> None:
    """Time out of the room lies within the participant's presence: an interval outside it
    would be clipped away by the minutes arithmetic, so moving one there would quietly *add*
    minutes that were not delivered. Checked once every part of a correction is applied, so
    a later arrival and a later interval corrected together are judged together."""
    gaps = [(o.left_at, o.returned_at or now) for o in row.out_of_room]
    if not gaps:
        return
    arrived, departed = row.arrived_at, row.departed_at
    if arrived is None:
        raise ValidationError({field: "Time out of the room needs an arrival time."})
    here = (f"{clock_text(arrived, ws.timezone)}–"
            f"{clock_text(departed, ws.timezone) if departed else 'now'}")
    for left, back in gaps:
        if left < arrived or (departed is not None and back > departed):
            raise ValidationError({field: (
                f"Time out of the room ({clock_text(left, ws.timezone)}–"
                f"{clock_text(back, ws.timezone)}) must lie within their time here ({here}).")})


def _recache(s: Session, sess: GroupSession, row: Attendance, log: UndoEntry) -> None:
    """Keep the cached minutes of an ended session in step with corrected times."""
    if sess.status == "ended":
        s.flush()
        s.refresh(row)
        row.minutes = participant_minutes(sess, program_of(s, sess), row, row.out_of_room,
                                          log.now)


def _corrected_status(sess: GroupSession, status: str, arrived: datetime | None,
                      departed: datetime | None, *, arrival_changed: bool) -> str:
    """The status that corrected times imply, so "late" and "left early" (which the note and
    the billing day report) never contradict the times. Telehealth stays telehealth; a manual
    "late" stands unless the arrival itself is corrected."""
    if arrived is None or status == "telehealth":
        return status
    end = min(sess.planned_end, sess.actual_end or sess.planned_end)  # a block ended early
    if departed is not None and departed < end:
        return "left_early"
    if status not in ATTENDING or status == "left_early" or arrival_changed:
        return arrival_status(sess, arrived)
    return status


def _times_in(s: Session, ws: Workspace, sess: GroupSession, log: UndoEntry,
              participant_id: int, arrived_at: Any, departed_at: Any) -> dict[str, Any]:
    """Correct arrival/departure inside the caller's entry; returns the audit details."""
    row = attendance_row(s, ws, sess, participant_id, log)
    new_arrival = row.arrived_at if arrived_at is KEEP else arrived_at
    new_departure = row.departed_at if departed_at is KEEP else departed_at
    assert new_arrival is None or isinstance(new_arrival, datetime)
    assert new_departure is None or isinstance(new_departure, datetime)
    _check_times(ws, log.now, arrived_at=new_arrival, departed_at=new_departure)
    c = Checker()
    if new_arrival is None and new_departure is not None:
        c.fail("departed_at", "A departure needs an arrival time.")
    if new_arrival and new_departure and new_departure < new_arrival:
        c.fail("departed_at", "The departure time is before the arrival time.")
    c.raise_if_any()
    old = {"arrived_at": row.arrived_at, "departed_at": row.departed_at}
    log.updating(row, *ROW_FIELDS)
    row.arrived_at, row.departed_at = new_arrival, new_departure
    row.status = _corrected_status(sess, row.status, new_arrival, new_departure,
                                   arrival_changed=new_arrival != old["arrived_at"])
    row.updated_at, row.updated_by_id = log.now, ws.actor.user_id
    _recache(s, sess, row, log)
    return {"before": old, "after": {"arrived_at": new_arrival, "departed_at": new_departure}}


def _interval(s: Session, interval_id: int) -> tuple[OutOfRoom, Attendance]:
    gap = s.get(OutOfRoom, interval_id)
    if gap is None:
        raise NotFound("That out-of-room interval no longer exists.")
    row = s.get(Attendance, gap.attendance_id)
    assert row is not None
    return gap, row


def _interval_in(s: Session, ws: Workspace, sess: GroupSession, log: UndoEntry,
                 gap: OutOfRoom, row: Attendance, left_at: datetime,
                 returned_at: datetime | None) -> dict[str, Any]:
    """Correct one out-of-room interval inside the caller's entry; returns the audit details."""
    _check_times(ws, log.now, left_at=left_at, returned_at=returned_at)
    c = Checker()
    if returned_at is not None and returned_at <= left_at:
        c.fail("returned_at", "The return time must be after the time they stepped out.")
    if returned_at is None and sess.status != "running":
        c.fail("returned_at", "The block has ended: a return time is needed.")
    c.raise_if_any()
    end = returned_at or log.now
    for other in row.out_of_room:
        if other.id == gap.id:
            continue
        o_end = other.returned_at or log.now
        if mins.overlapping_pair([(left_at, end), (other.left_at, o_end)]):
            raise ValidationError({"left_at": (
                "This overlaps another time out of the room "
                f"({clock_text(other.left_at, ws.timezone)}–"
                f"{clock_text(o_end, ws.timezone)}).")})
    old = {"left_at": gap.left_at, "returned_at": gap.returned_at}
    log.updating(gap, "left_at", "returned_at")
    gap.left_at, gap.returned_at = left_at, returned_at
    gap.updated_at, gap.updated_by_id = log.now, ws.actor.user_id
    log.updating(row, "minutes")
    _recache(s, sess, row, log)
    return {"before": old, "after": {"left_at": left_at, "returned_at": returned_at}}


def adjust_times(ws: Workspace, session_id: int, participant_id: int, *, reason: str,
                 arrived_at: datetime | object | None = KEEP,
                 departed_at: datetime | object | None = KEEP) -> AttendanceView:
    """Correct arrival and/or departure afterwards; ``reason`` is required and audited.
    Pass ``None`` to clear a departure (stayed to the end)."""
    why = _reason(reason)
    with ws.transaction() as s:
        sess = load_session(s, session_id)
        require_status(sess, "running", "ended")
        log = UndoEntry(s, ws, sess)
        details = _times_in(s, ws, sess, log, participant_id, arrived_at, departed_at)
        _check_inside_presence(ws, attendance_row(s, ws, sess, participant_id, log), log.now,
                               "arrived_at" if arrived_at is not KEEP else "departed_at")
        log.store("attendance.adjusted", "Correct arrival or departure", "participant",
                  participant_id, reason=why, **details)
        s.flush()
        s.expire_all()
        return attendance_view(s, sess, participant_id, log.now)


def adjust_out_of_room(ws: Workspace, interval_id: int, *, left_at: datetime,
                       returned_at: datetime | None, reason: str) -> OutOfRoomView:
    """Correct one out-of-room interval; ``reason`` is required and audited. Intervals of the
    same participant may not overlap; ``returned_at`` None (still out) only while running."""
    why = _reason(reason)
    with ws.transaction() as s:
        gap, row = _interval(s, interval_id)
        sess = load_session(s, row.session_id)
        require_status(sess, "running", "ended")
        log = UndoEntry(s, ws, sess)
        details = _interval_in(s, ws, sess, log, gap, row, left_at, returned_at)
        _check_inside_presence(ws, row, log.now, "left_at")
        log.store("attendance.out_of_room_adjusted", "Correct a time out of the room",
                  "participant", row.participant_id, reason=why, **details)
        return OutOfRoomView(gap.id, gap.left_at, gap.returned_at)


def correct_attendance(ws: Workspace, session_id: int, participant_id: int, *, reason: str,
                       arrived_at: datetime | object | None = KEEP,
                       departed_at: datetime | object | None = KEEP,
                       intervals: Sequence[IntervalChange] = ()) -> AttendanceView:
    """Correct a participant's arrival/departure and out-of-room intervals as one action: one
    transaction, one undo entry and one audit event (``console.attendance.corrected``, with the
    before and after of every part). Any part refused leaves every part unchanged."""
    why = _reason(reason)
    with ws.transaction() as s:
        sess = load_session(s, session_id)
        require_status(sess, "running", "ended")
        log = UndoEntry(s, ws, sess)
        times = None
        if arrived_at is not KEEP or departed_at is not KEEP:
            times = _times_in(s, ws, sess, log, participant_id, arrived_at, departed_at)
        changed = []
        for interval_id, left_at, returned_at in intervals:
            gap, row = _interval(s, interval_id)
            if row.session_id != sess.id or row.participant_id != participant_id:
                raise NotFound("That out-of-room interval is not this participant's.")
            changed.append(_interval_in(s, ws, sess, log, gap, row, left_at, returned_at))
        if times is None and not changed:
            raise ValidationError({"reason": "Nothing to correct: change a time first."})
        _check_inside_presence(ws, attendance_row(s, ws, sess, participant_id, log), log.now,
                               "arrived_at" if times is not None else "left_at")
        log.store("attendance.corrected", "Correct times", "participant", participant_id,
                  reason=why, times=times, intervals=changed)
        s.flush()
        s.expire_all()
        return attendance_view(s, sess, participant_id, log.now)
