"""Attendance: one call per action, timestamped with the clock; adjustments need a reason.

The roster is everyone enrolled in the group on the session date (rolling admission). Walk-ins
(``walk_ins.py`` lists them): someone enrolled in this group that day but not on the list yet, or
an *active* participant enrolled that day in another group of the *same program*; anyone else
(not enrolled on that date, another program, discharged) is refused with a sentence saying why.
Someone who left and comes back keeps one arrival: the time away becomes an out-of-room
interval, so minutes stay exact.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models.roster import Enrollment, Group, Participant
from ...models.sessions import Attendance, GroupSession, OutOfRoom
from ..errors import Conflict, NotFound, ValidationError
from ..validation import MAX_TEXT, Checker
from ..workspace import Workspace
from . import minutes as mins
from ._common import clock_text, enrolled_on, load_session, program_of, require_status
from .dto import ATTENDING, LATE_GRACE_MINUTES, AllAbsent, AttendanceView, OutOfRoomView
from .state import build_attendance, participant_minutes
from .undo import ActionLog

_KEEP = object()  # "leave this time unchanged" in adjust_times
_ROW = ("status", "arrived_at", "departed_at", "minutes")


def _view(s: Session, sess: GroupSession, pid: int, now: datetime) -> AttendanceView:
    views, _ = build_attendance(s, sess, program_of(s, sess), now, only=pid)
    return views[0]


def _row(s: Session, ws: Workspace, sess: GroupSession, pid: int, log: ActionLog, *,
         walk_in: bool = False) -> Attendance:
    """The participant's attendance row, created when they are enrolled on the session date
    (in this group, or in any group for a walk-in)."""
    row = s.scalar(select(Attendance).where(Attendance.session_id == sess.id,
                                            Attendance.participant_id == pid))
    if row is not None:
        return row
    person = s.get(Participant, pid)
    if person is None:
        raise NotFound("That participant no longer exists.")
    groups = dict(s.execute(select(Enrollment.group_id, Group.program_id)
                            .join(Group, Group.id == Enrollment.group_id)
                            .where(Enrollment.participant_id == pid,
                                   enrolled_on(sess.session_date))).all())
    day = f"{sess.session_date:%Y-%m-%d}"
    if sess.group_id not in groups and not (walk_in and groups):
        hint = ("enroll them first" if not groups
                else "add them as a walk-in (they are enrolled in another group)")
        raise ValidationError({"participant": f"This participant is not enrolled in this group "
                                              f"on {day}; {hint}."})
    if sess.group_id not in groups:
        program_id = program_of(s, sess).id
        if program_id not in groups.values():
            raise ValidationError({"participant": f"This participant is enrolled on {day} only "
                                                  "in another program's groups; a walk-in must "
                                                  "belong to the same program."})
        if person.status != "active":
            raise ValidationError({"participant": "Only an active participant can join as a "
                                                  "walk-in."})
    row = Attendance(session_id=sess.id, participant_id=pid, status="expected",
                     walk_in=sess.group_id not in groups, created_at=log.now,
                     created_by_id=ws.actor.user_id)
    s.add(row)
    log.inserted(row)
    return row


def _arrival_status(sess: GroupSession, at: datetime) -> str:
    assert sess.actual_start is not None
    late = at > sess.actual_start + timedelta(minutes=LATE_GRACE_MINUTES)
    return "late" if late else "present"


def _open_interval(row: Attendance) -> OutOfRoom | None:
    return next((o for o in row.out_of_room if o.returned_at is None), None)


def _arrive(s: Session, sess: GroupSession, log: ActionLog, row: Attendance,
            status: str | None) -> None:
    """Mark arrived now (status None: present or late by the clock). After a departure, the
    time away becomes an out-of-room interval and the original arrival stands."""
    here = row.arrived_at is not None and row.departed_at is None and row.status in ATTENDING
    if here:
        if status is None or status == row.status:
            raise Conflict("Already marked as here.")
        log.updating(row, *_ROW)
        row.status = status
        return
    log.updating(row, *_ROW)
    if row.arrived_at is not None and row.departed_at is not None and row.status in ATTENDING:
        gap = OutOfRoom(attendance_id=row.id, left_at=row.departed_at, returned_at=log.now,
                        created_at=log.now, created_by_id=log.ws.actor.user_id)
        s.add(gap)
        log.inserted(gap)
        row.departed_at = None
        row.status = status or _arrival_status(sess, row.arrived_at)
    else:
        row.arrived_at, row.departed_at = log.now, None
        row.status = status or _arrival_status(sess, log.now)
    row.updated_at, row.updated_by_id = log.now, log.ws.actor.user_id


def _act(ws: Workspace, session_id: int, pid: int, kind: str, label: str,
         change: Callable[[Session, GroupSession, Attendance, ActionLog], None], *,
         statuses: tuple[str, ...] = ("running",), walk_in: bool = False,
         **details: object) -> AttendanceView:
    with ws.transaction() as s:
        sess = load_session(s, session_id)
        require_status(sess, *statuses)
        log = ActionLog(s, ws, sess)
        row = _row(s, ws, sess, pid, log, walk_in=walk_in)
        change(s, sess, row, log)
        log.commit(kind, label, "participant", pid, **details)
        s.flush()
        s.expire_all()
        return _view(s, sess, pid, log.now)


def mark_present(ws: Workspace, session_id: int, participant_id: int) -> AttendanceView:
    """Arrived now: status present, or late when more than LATE_GRACE_MINUTES after the start."""
    return _act(ws, session_id, participant_id, "attendance.present", "Mark arrival",
                lambda s, sess, row, log: _arrive(s, sess, log, row, None))


def mark_late(ws: Workspace, session_id: int, participant_id: int) -> AttendanceView:
    """Arrived now (or already here), status late whatever the time."""
    return _act(ws, session_id, participant_id, "attendance.late", "Mark late",
                lambda s, sess, row, log: _arrive(s, sess, log, row, "late"))


def mark_telehealth(ws: Workspace, session_id: int, participant_id: int) -> AttendanceView:
    """Joined by video now (or switch an arrived participant to telehealth)."""
    return _act(ws, session_id, participant_id, "attendance.telehealth", "Mark telehealth",
                lambda s, sess, row, log: _arrive(s, sess, log, row, "telehealth"))


def _not_attending(status: str) -> Callable[[Session, GroupSession, Attendance, ActionLog], None]:
    def change(s: Session, sess: GroupSession, row: Attendance, log: ActionLog) -> None:
        if row.status == status:
            raise Conflict(f"Already marked {status}.")
        log.updating(row, *_ROW)
        for gap in list(row.out_of_room):
            log.deleting(gap)
            row.out_of_room.remove(gap)
        row.status, row.arrived_at, row.departed_at = status, None, None
        row.minutes = 0 if sess.status == "ended" else None
        row.updated_at, row.updated_by_id = log.now, log.ws.actor.user_id
    return change


def mark_absent(ws: Workspace, session_id: int, participant_id: int) -> AttendanceView:
    """Not attending (clears any arrival; undo restores it)."""
    return _act(ws, session_id, participant_id, "attendance.absent", "Mark absent",
                _not_attending("absent"), statuses=("planned", "running", "ended"))


def mark_excused(ws: Workspace, session_id: int, participant_id: int) -> AttendanceView:
    """Excused absence (clears any arrival; undo restores it)."""
    return _act(ws, session_id, participant_id, "attendance.excused", "Mark excused",
                _not_attending("excused"), statuses=("planned", "running", "ended"))


def _leave(s: Session, sess: GroupSession, row: Attendance, log: ActionLog) -> None:
    if row.arrived_at is None or row.status not in ATTENDING:
        raise Conflict("This participant was not marked as here.")
    if row.departed_at is not None:
        raise Conflict("This participant has already left.")
    log.updating(row, *_ROW)
    gap = _open_interval(row)
    if gap is not None:  # left while out of the room: the departure ends the step-out
        log.updating(gap, "returned_at")
        gap.returned_at = log.now
    row.departed_at = log.now
    if log.now < sess.planned_end:
        row.status = "left_early"
    row.updated_at, row.updated_by_id = log.now, log.ws.actor.user_id


def mark_left(ws: Workspace, session_id: int, participant_id: int) -> AttendanceView:
    """Departed now; status left_early when before the planned end."""
    return _act(ws, session_id, participant_id, "attendance.left", "Mark departure", _leave)


def mark_all_absent(ws: Workspace, session_id: int) -> AllAbsent:
    """Everyone not yet marked (status expected) becomes absent, in one action (one undo);
    ``marked`` counts only them, not who was absent before."""
    from .blocks import add_roster

    with ws.transaction() as s:
        sess = load_session(s, session_id)
        require_status(sess, "planned", "running", "ended")
        log = ActionLog(s, ws, sess)
        add_roster(s, ws, sess, log)
        rows = s.scalars(select(Attendance).where(Attendance.session_id == sess.id,
                                                  Attendance.status == "expected")).all()
        if not rows:
            raise Conflict("Everyone on the roster is already marked.")
        for row in rows:
            log.updating(row, *_ROW)
            row.status, row.updated_at, row.updated_by_id = "absent", log.now, ws.actor.user_id
            row.minutes = 0 if sess.status == "ended" else None
        log.commit("attendance.all_absent", "Mark everyone left absent", count=len(rows))
        s.flush()
        s.expire_all()
        views, _ = build_attendance(s, sess, program_of(s, sess), log.now)
        return AllAbsent(len(rows), views)


def add_walk_in(ws: Workspace, session_id: int, participant_id: int) -> AttendanceView:
    """Add someone not on today's list and mark them arrived now: enrolled in this group that
    day (e.g. admitted after the list was made) or an active participant enrolled that day in
    another group of the same program (listed by ``walk_in_candidates``)."""
    def change(s: Session, sess: GroupSession, row: Attendance, log: ActionLog) -> None:
        if not row.walk_in and row.id not in log.inserted_ids(Attendance):
            raise Conflict("This participant is on today's list; mark them present instead.")
        _arrive(s, sess, log, row, None)

    return _act(ws, session_id, participant_id, "attendance.walk_in", "Add a walk-in", change,
                walk_in=True)


def _step_out(s: Session, sess: GroupSession, row: Attendance, log: ActionLog) -> None:
    if row.arrived_at is None or row.departed_at is not None or row.status not in ATTENDING:
        raise Conflict("Only someone who is here can step out.")
    if _open_interval(row) is not None:
        raise Conflict("This participant is already out of the room.")
    gap = OutOfRoom(attendance_id=row.id, left_at=log.now, created_at=log.now,
                    created_by_id=log.ws.actor.user_id)
    s.add(gap)
    log.inserted(gap)


def _step_back(s: Session, sess: GroupSession, row: Attendance, log: ActionLog) -> None:
    gap = _open_interval(row)
    if gap is None:
        raise Conflict("This participant is not out of the room.")
    log.updating(gap, "returned_at")
    gap.returned_at = log.now


def step_out(ws: Workspace, session_id: int, participant_id: int) -> AttendanceView:
    """Stepped out of the room now."""
    return _act(ws, session_id, participant_id, "attendance.step_out", "Step out", _step_out)


def step_back(ws: Workspace, session_id: int, participant_id: int) -> AttendanceView:
    """Back in the room now (closes the open out-of-room interval)."""
    return _act(ws, session_id, participant_id, "attendance.step_back", "Back in the room",
                _step_back)


# -- corrections afterwards ----------------------------------------------------------------------
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


def _check_inside_presence(ws: Workspace, arrived: datetime | None, departed: datetime | None,
                           gaps: list[tuple[datetime, datetime]], field: str) -> None:
    """Time out of the room lies within the participant's presence: an interval outside it
    would be clipped away by the minutes arithmetic, so moving one there would quietly *add*
    minutes that were not delivered."""
    if not gaps:
        return
    if arrived is None:
        raise ValidationError({field: "Time out of the room needs an arrival time."})
    here = (f"{clock_text(arrived, ws.timezone)}–"
            f"{clock_text(departed, ws.timezone) if departed else 'now'}")
    for left, back in gaps:
        if left < arrived or (departed is not None and back > departed):
            raise ValidationError({field: (
                f"Time out of the room ({clock_text(left, ws.timezone)}–"
                f"{clock_text(back, ws.timezone)}) must lie within their time here ({here}).")})


def _recache(s: Session, sess: GroupSession, row: Attendance, log: ActionLog) -> None:
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
        return _arrival_status(sess, arrived)
    return status


def adjust_times(ws: Workspace, session_id: int, participant_id: int, *, reason: str,
                 arrived_at: datetime | object | None = _KEEP,
                 departed_at: datetime | object | None = _KEEP) -> AttendanceView:
    """Correct arrival and/or departure afterwards; ``reason`` is required and audited.
    Pass ``None`` to clear a departure (stayed to the end)."""
    why = _reason(reason)
    with ws.transaction() as s:
        sess = load_session(s, session_id)
        require_status(sess, "running", "ended")
        log = ActionLog(s, ws, sess)
        row = _row(s, ws, sess, participant_id, log)
        new_arrival = row.arrived_at if arrived_at is _KEEP else arrived_at
        new_departure = row.departed_at if departed_at is _KEEP else departed_at
        assert new_arrival is None or isinstance(new_arrival, datetime)
        assert new_departure is None or isinstance(new_departure, datetime)
        _check_times(ws, log.now, arrived_at=new_arrival, departed_at=new_departure)
        c = Checker()
        if new_arrival is None and new_departure is not None:
            c.fail("departed_at", "A departure needs an arrival time.")
        if new_arrival and new_departure and new_departure < new_arrival:
            c.fail("departed_at", "The departure time is before the arrival time.")
        c.raise_if_any()
        _check_inside_presence(ws, new_arrival, new_departure,
                               [(o.left_at, o.returned_at or log.now) for o in row.out_of_room],
                               "arrived_at" if arrived_at is not _KEEP else "departed_at")
        old = {"arrived_at": row.arrived_at, "departed_at": row.departed_at}
        log.updating(row, *_ROW)
        row.arrived_at, row.departed_at = new_arrival, new_departure
        row.status = _corrected_status(sess, row.status, new_arrival, new_departure,
                                       arrival_changed=new_arrival != old["arrived_at"])
        row.updated_at, row.updated_by_id = log.now, ws.actor.user_id
        _recache(s, sess, row, log)
        log.commit("attendance.adjusted", "Correct arrival or departure", "participant",
                   participant_id, reason=why, before=old,
                   after={"arrived_at": new_arrival, "departed_at": new_departure})
        s.flush()
        s.expire_all()
        return _view(s, sess, participant_id, log.now)


def adjust_out_of_room(ws: Workspace, interval_id: int, *, left_at: datetime,
                       returned_at: datetime | None, reason: str) -> OutOfRoomView:
    """Correct one out-of-room interval; ``reason`` is required and audited. Intervals of the
    same participant may not overlap; ``returned_at`` None (still out) only while running."""
    why = _reason(reason)
    with ws.transaction() as s:
        gap = s.get(OutOfRoom, interval_id)
        if gap is None:
            raise NotFound("That out-of-room interval no longer exists.")
        row = s.get(Attendance, gap.attendance_id)
        assert row is not None
        sess = load_session(s, row.session_id)
        require_status(sess, "running", "ended")
        log = ActionLog(s, ws, sess)
        _check_times(ws, log.now, left_at=left_at, returned_at=returned_at)
        c = Checker()
        if returned_at is not None and returned_at <= left_at:
            c.fail("returned_at", "The return time must be after the time they stepped out.")
        if returned_at is None and sess.status != "running":
            c.fail("returned_at", "The block has ended: a return time is needed.")
        c.raise_if_any()
        end = returned_at or log.now
        _check_inside_presence(ws, row.arrived_at, row.departed_at, [(left_at, end)], "left_at")
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
        log.commit("attendance.out_of_room_adjusted", "Correct a time out of the room",
                   "participant", row.participant_id, reason=why, before=old,
                   after={"left_at": left_at, "returned_at": returned_at})
        return OutOfRoomView(gap.id, gap.left_at, gap.returned_at)


def roster(ws: Workspace, session_id: int) -> list[AttendanceView]:
    """The attendance board at now (same rows as ``console_state(...).attendance``)."""
    with ws.transaction() as s:
        sess = load_session(s, session_id)
        views, _ = build_attendance(s, sess, program_of(s, sess), ws.clock.now())
        return views
