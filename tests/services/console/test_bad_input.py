"""Bad input gives a clear message and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from facilitator.services import audit, roster
from facilitator.services import console as c
from facilitator.services.errors import Conflict, ServiceError, ValidationError

from .conftest import Clinic, local


def started(cl: Clinic) -> int:
    sid = c.open_today_session(cl.ws, cl.group.id).id
    cl.at(9)
    c.start_session(cl.ws, sid)
    return sid


def snapshot(cl: Clinic, sid: int) -> tuple[object, ...]:
    state = c.console_state(cl.ws, sid)
    events = len(audit.list_events(cl.ws, limit=100_000))
    return (state.session, state.attendance, state.open_flags, c.actions(cl.ws, sid),
            c.list_jots(cl.ws, sid), c.responses(cl.ws, sid), events)


def unchanged(cl: Clinic, sid: int, error: type[ServiceError], match: str,
              action: Callable[[], object]) -> ServiceError:
    before = snapshot(cl, sid)
    with pytest.raises(error, match=match) as caught:
        action()
    # Listing audit events is itself not audited, so the count compares like with like.
    assert snapshot(cl, sid) == before
    return caught.value


def test_departure_before_arrival(cl: Clinic) -> None:
    sid = started(cl)
    ada = cl.people[0]
    cl.at(9, 10)
    c.mark_present(cl.ws, sid, ada)
    cl.at(10)
    err = unchanged(cl, sid, ValidationError, "departure time is before the arrival",
                    lambda: c.adjust_times(cl.ws, sid, ada, departed_at=local(9, 5),
                                           reason="Typo"))
    assert "departed_at" in err.fields  # type: ignore[attr-defined]


def test_adjustment_needs_a_reason(cl: Clinic) -> None:
    sid = started(cl)
    c.mark_present(cl.ws, sid, cl.people[0])
    unchanged(cl, sid, ValidationError, "reason",
              lambda: c.adjust_times(cl.ws, sid, cl.people[0], arrived_at=local(9, 1),
                                     reason="  "))


def test_overlapping_out_of_room(cl: Clinic) -> None:
    sid = started(cl)
    ada = cl.people[0]
    c.mark_present(cl.ws, sid, ada)
    for out, back in ((10, 20), (30, 40)):
        cl.at(9, out)
        c.step_out(cl.ws, sid, ada)
        cl.at(9, back)
        c.step_back(cl.ws, sid, ada)
    first, _second = c.console_state(cl.ws, sid).attendance[0].out_of_room
    unchanged(cl, sid, ValidationError, r"overlaps another time out of the room \(09:30–09:40\)",
              lambda: c.adjust_out_of_room(cl.ws, first.id, left_at=local(9, 10),
                                           returned_at=local(9, 35), reason="Late entry"))
    unchanged(cl, sid, ValidationError, "must be after",
              lambda: c.adjust_out_of_room(cl.ws, first.id, left_at=local(9, 20),
                                           returned_at=local(9, 10), reason="x"))


def test_ending_a_segment_that_is_not_running(cl: Clinic) -> None:
    sid = started(cl)
    c.end_current_segment(cl.ws, sid)
    unchanged(cl, sid, Conflict, "No segment is running",
              lambda: c.end_current_segment(cl.ws, sid))
    unchanged(cl, sid, Conflict, "No break is running", lambda: c.end_break(cl.ws, sid))


def test_marking_a_participant_not_enrolled_that_day(cl: Clinic) -> None:
    sid = started(cl)
    stranger = roster.add_participant(cl.ws, roster.ParticipantDraft(
        chart_id="T-99", legal_name="Nora Newcomer", admission_date=date(2026, 2, 1)))
    # Enrolled only from tomorrow: not on this date.
    roster.enroll(cl.ws, stranger.id, cl.group.id, date(2026, 3, 3))
    unchanged(cl, sid, ValidationError, "not enrolled in this group on 2026-03-02; enroll them",
              lambda: c.mark_present(cl.ws, sid, stranger.id))
    unchanged(cl, sid, ValidationError, "not enrolled",
              lambda: c.add_walk_in(cl.ws, sid, stranger.id))


def test_clock_jumping_backwards(cl: Clinic) -> None:
    sid = started(cl)
    cl.at(9, 30)
    c.mark_present(cl.ws, sid, cl.people[0])
    cl.clock.set(local(9, 30) - timedelta(hours=2))
    before = snapshot(cl, sid)
    for action in (lambda: c.mark_present(cl.ws, sid, cl.people[1]),
                   lambda: c.start_next_segment(cl.ws, sid),
                   lambda: c.add_jot(cl.ws, sid, None, "note"),
                   lambda: c.undo_last(cl.ws, sid)):
        with pytest.raises(c.ClockMovedBack, match=r"clock reads 07:30, earlier than .* 09:30"):
            action()
    assert snapshot(cl, sid) == before
    state = c.console_state(cl.ws, sid)
    assert state.clock_problem and state.now == local(9, 30)
    assert state.segment_elapsed_s == 1800  # frozen at the last stored instant, not negative


def test_undo_entries_never_go_back_in_time(cl: Clinic) -> None:
    """The clock guard reads the newest entry (by seq) as the latest instant of the block: that
    holds because no entry can be stamped earlier than the one before it, undone ones included."""
    sid = started(cl)
    for minute, pid in ((5, 0), (9, 1), (12, 2)):
        cl.at(9, minute)
        c.mark_present(cl.ws, sid, cl.people[pid])
    c.undo_last(cl.ws, sid)
    cl.at(9, 10)  # earlier than the undone 09:12 entry: still refused
    with pytest.raises(c.ClockMovedBack, match=r"earlier than .* 09:12"):
        c.add_jot(cl.ws, sid, None, "note")
    cl.at(9, 12)
    c.add_jot(cl.ws, sid, None, "note")
    stamps = [a.at for a in sorted(c.actions(cl.ws, sid), key=lambda a: a.seq)]
    assert stamps == sorted(stamps) and stamps[-1] == local(9, 12)


def test_out_of_range_answer(cl: Clinic) -> None:
    sid = started(cl)
    c.mark_present(cl.ws, sid, cl.people[0])
    err = unchanged(cl, sid, ValidationError, "out of range 0–10",
                    lambda: c.record_response(cl.ws, sid, cl.people[0], "checkin",
                                              {"mood": 11, "craving": 2, "use": False,
                                               "safety": False}))
    assert set(err.fields) == {"mood"}  # type: ignore[attr-defined]
    unchanged(cl, sid, ServiceError, "not available",
              lambda: c.record_response(cl.ws, sid, cl.people[0], "nope", {}))


def test_other_refusals(cl: Clinic) -> None:
    sid = c.open_today_session(cl.ws, cl.group.id).id
    ada = cl.people[0]
    unchanged(cl, sid, Conflict, "has not started", lambda: c.mark_present(cl.ws, sid, ada))
    cl.at(9)
    c.start_session(cl.ws, sid)
    unchanged(cl, sid, Conflict, "not marked as here", lambda: c.mark_left(cl.ws, sid, ada))
    unchanged(cl, sid, Conflict, "Only someone who is here", lambda: c.step_out(cl.ws, sid, ada))
    unchanged(cl, sid, ValidationError, "empty", lambda: c.add_jot(cl.ws, sid, ada, "  \n"))
    c.mark_present(cl.ws, sid, ada)
    unchanged(cl, sid, Conflict, "Already marked", lambda: c.mark_present(cl.ws, sid, ada))
    unchanged(cl, sid, Conflict, "not out of the room", lambda: c.step_back(cl.ws, sid, ada))
    big = "x" * 100_000
    assert len(c.add_jot(cl.ws, sid, ada, big).text) == 100_000
    with pytest.raises(ValidationError, match="too long"):
        c.add_jot(cl.ws, sid, ada, big + "y")


def test_responses_flags_and_jots_only_about_people_on_the_roster(cl: Clinic) -> None:
    sid = started(cl)
    outsider = roster.add_participant(cl.ws, roster.ParticipantDraft(
        chart_id="T-77", legal_name="Otto Outsider", admission_date=date(2026, 2, 1)))
    answers = {"mood": 5, "craving": 2, "use": False, "safety": False}
    for action in (lambda: c.record_response(cl.ws, sid, outsider.id, "checkin", answers),
                   lambda: c.raise_flag(cl.ws, sid, outsider.id, "worried"),
                   lambda: c.add_jot(cl.ws, sid, outsider.id, "an observation")):
        unchanged(cl, sid, ValidationError, "not on this block's roster", action)
    c.add_jot(cl.ws, sid, None, "a group-level jot needs no participant")
