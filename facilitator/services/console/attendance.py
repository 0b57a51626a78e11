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
from ..workspace import Workspace
from ._common import enrolled_on, load_session, program_of, require_status
from .dto import ATTENDING, LATE_GRACE_MINUTES, AllAbsent, AttendanceView
from .state import session_board
from .undo import UndoEntry

ROW_FIELDS = ("status", "arrived_at", "departed_at", "minutes")


def attendance_view(s: Session, sess: GroupSession, pid: int, now: datetime) -> AttendanceView:
    views, _ = session_board(s, sess, now, only=pid)
    return views[0]


def attendance_row(s: Session, ws: Workspace, sess: GroupSession, pid: int, log: UndoEntry, *,
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


def arrival_status(sess: GroupSession, at: datetime) -> str:
    assert sess.actual_start is not None
    late = at > sess.actual_start + timedelta(minutes=LATE_GRACE_MINUTES)
    return "late" if late else "present"


def _open_interval(row: Attendance) -> OutOfRoom | None:
    return next((o for o in row.out_of_room if o.returned_at is None), None)


def _arrive(s: Session, sess: GroupSession, log: UndoEntry, row: Attendance,
            status: str | None) -> None:
    """Mark arrived now (status None: present or late by the clock). After a departure, the
    time away becomes an out-of-room interval and the original arrival stands."""
    here = row.arrived_at is not None and row.departed_at is None and row.status in ATTENDING
    if here:
        if status is None or status == row.status:
            raise Conflict("Already marked as here.")
        log.updating(row, *ROW_FIELDS)
        row.status = status
        return
    log.updating(row, *ROW_FIELDS)
    if row.arrived_at is not None and row.departed_at is not None and row.status in ATTENDING:
        gap = OutOfRoom(attendance_id=row.id, left_at=row.departed_at, returned_at=log.now,
                        created_at=log.now, created_by_id=log.ws.actor.user_id)
        s.add(gap)
        log.inserted(gap)
        row.departed_at = None
        row.status = status or arrival_status(sess, row.arrived_at)
    else:
        row.arrived_at, row.departed_at = log.now, None
        row.status = status or arrival_status(sess, log.now)
    row.updated_at, row.updated_by_id = log.now, log.ws.actor.user_id


def _act(ws: Workspace, session_id: int, pid: int, kind: str, label: str,
         change: Callable[[Session, GroupSession, Attendance, UndoEntry], None], *,
         statuses: tuple[str, ...] = ("running",), walk_in: bool = False,
         **details: object) -> AttendanceView:
    with ws.transaction() as s:
        sess = load_session(s, session_id)
        require_status(sess, *statuses)
        log = UndoEntry(s, ws, sess)
        row = attendance_row(s, ws, sess, pid, log, walk_in=walk_in)
        change(s, sess, row, log)
        log.store(kind, label, "participant", pid, **details)
        s.flush()
        # No expire_all: the view's queries read the flushed rows, and the identity map already
        # holds what this transaction changed; reloading the session, its segments and the row
        # cost three statements per console action.
        return attendance_view(s, sess, pid, log.now)


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


def _not_attending(status: str) -> Callable[[Session, GroupSession, Attendance, UndoEntry], None]:
    def change(s: Session, sess: GroupSession, row: Attendance, log: UndoEntry) -> None:
        if row.status == status:
            raise Conflict(f"Already marked {status}.")
        log.updating(row, *ROW_FIELDS)
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


def _leave(s: Session, sess: GroupSession, row: Attendance, log: UndoEntry) -> None:
    if row.arrived_at is None or row.status not in ATTENDING:
        raise Conflict("This participant was not marked as here.")
    if row.departed_at is not None:
        raise Conflict("This participant has already left.")
    log.updating(row, *ROW_FIELDS)
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


def _all_absent_in(s: Session, ws: Workspace, sess: GroupSession) -> AllAbsent:
    from .blocks import add_roster

    require_status(sess, "planned", "running", "ended")
    log = UndoEntry(s, ws, sess)
    add_roster(s, ws, sess, log)
    rows = s.scalars(select(Attendance).where(Attendance.session_id == sess.id,
                                              Attendance.status == "expected")).all()
    if not rows:
        raise Conflict("Everyone on the roster is already marked.")
    for row in rows:
        log.updating(row, *ROW_FIELDS)
        row.status, row.updated_at, row.updated_by_id = "absent", log.now, ws.actor.user_id
        row.minutes = 0 if sess.status == "ended" else None
    log.store("attendance.all_absent", "Mark everyone left absent", count=len(rows))
    s.flush()
    s.expire_all()
    views, _ = session_board(s, sess, log.now)
    return AllAbsent(len(rows), views)


def mark_all_absent(ws: Workspace, session_id: int) -> AllAbsent:
    """Everyone not yet marked (status expected) becomes absent, in one action (one undo);
    ``marked`` counts only them, not who was absent before."""
    with ws.transaction() as s:
        return _all_absent_in(s, ws, load_session(s, session_id))


def mark_today_absent(ws: Workspace, group_id: int) -> tuple[int, AllAbsent]:
    """The Today page's "everyone absent" for a group: today's session, planned if need be, and
    everyone not yet marked absent, in one transaction (nobody to mark plans nothing).
    Returns the session id with the result."""
    from .blocks import today_session_in

    with ws.transaction() as s:
        sess, _group = today_session_in(s, ws, group_id)
        return sess.id, _all_absent_in(s, ws, sess)


def add_walk_in(ws: Workspace, session_id: int, participant_id: int) -> AttendanceView:
    """Add someone not on today's list and mark them arrived now: enrolled in this group that
    day (e.g. admitted after the list was made) or an active participant enrolled that day in
    another group of the same program (listed by ``walk_in_candidates``)."""
    def change(s: Session, sess: GroupSession, row: Attendance, log: UndoEntry) -> None:
        if not row.walk_in and row.id not in log.inserted_ids(Attendance):
            raise Conflict("This participant is on today's list; mark them present instead.")
        _arrive(s, sess, log, row, None)

    return _act(ws, session_id, participant_id, "attendance.walk_in", "Add a walk-in", change,
                walk_in=True)


def _step_out(s: Session, sess: GroupSession, row: Attendance, log: UndoEntry) -> None:
    if row.arrived_at is None or row.departed_at is not None or row.status not in ATTENDING:
        raise Conflict("Only someone who is here can step out.")
    if _open_interval(row) is not None:
        raise Conflict("This participant is already out of the room.")
    gap = OutOfRoom(attendance_id=row.id, left_at=log.now, created_at=log.now,
                    created_by_id=log.ws.actor.user_id)
    s.add(gap)
    log.inserted(gap)


def _step_back(s: Session, sess: GroupSession, row: Attendance, log: UndoEntry) -> None:
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


def roster(ws: Workspace, session_id: int) -> list[AttendanceView]:
    """The attendance board at now (same rows as ``console_state(...).attendance``)."""
    with ws.read() as s:
        sess = load_session(s, session_id)
        views, _ = session_board(s, sess, ws.clock.now())
        return views
