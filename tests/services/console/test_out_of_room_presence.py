"""Time out of the room must lie within the participant's presence, and the minutes function
never lets a hole (out of the room, a break) add time (issue 10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from facilitator.services import console as c
from facilitator.services.console import minutes as mins
from facilitator.services.errors import ValidationError

from .conftest import Clinic, local
from .test_bad_input import started, unchanged


def _stepped_out_930_to_940(cl: Clinic, arrival: tuple[int, int] = (9, 0)) -> tuple[int, int]:
    """A running block; Ada arrived at ``arrival`` and was out of the room 09:30–09:40."""
    sid = started(cl)
    ada = cl.people[0]
    cl.at(*arrival)
    c.mark_present(cl.ws, sid, ada)
    cl.at(9, 30)
    c.step_out(cl.ws, sid, ada)
    cl.at(9, 40)
    c.step_back(cl.ws, sid, ada)
    return sid, ada


def test_out_of_room_before_arrival_is_refused_and_minutes_stay(cl: Clinic) -> None:
    sid, _ada = _stepped_out_930_to_940(cl, (9, 5))
    cl.at(9, 55)
    [gap] = c.console_state(cl.ws, sid).attendance[0].out_of_room
    minutes_before = c.console_state(cl.ws, sid).attendance[0].minutes_today
    unchanged(cl, sid, ValidationError, r"must lie within their time here \(09:05–now\)",
              lambda: c.adjust_out_of_room(cl.ws, gap.id, left_at=local(8, 0),
                                           returned_at=local(8, 10), reason="Typo"))
    unchanged(cl, sid, ValidationError, "must lie within",
              lambda: c.adjust_out_of_room(cl.ws, gap.id, left_at=local(9, 0),
                                           returned_at=local(9, 10), reason="Typo"))
    assert c.console_state(cl.ws, sid).attendance[0].minutes_today == minutes_before
    # Inside the presence is still fine.
    c.adjust_out_of_room(cl.ws, gap.id, left_at=local(9, 20), returned_at=local(9, 25),
                         reason="Checked the sign-out sheet")


def test_out_of_room_after_departure_is_refused(cl: Clinic) -> None:
    sid, ada = _stepped_out_930_to_940(cl)
    cl.at(10)
    c.mark_left(cl.ws, sid, ada)
    cl.at(10, 30)
    [gap] = c.console_state(cl.ws, sid).attendance[0].out_of_room
    unchanged(cl, sid, ValidationError, "must lie within",
              lambda: c.adjust_out_of_room(cl.ws, gap.id, left_at=local(10, 5),
                                           returned_at=local(10, 15), reason="Typo"))


def test_moving_arrival_past_a_step_out_is_refused(cl: Clinic) -> None:
    sid, ada = _stepped_out_930_to_940(cl)
    cl.at(10)
    unchanged(cl, sid, ValidationError, "must lie within",
              lambda: c.adjust_times(cl.ws, sid, ada, arrived_at=local(9, 35),
                                     reason="Arrived later"))
    unchanged(cl, sid, ValidationError, "must lie within",
              lambda: c.adjust_times(cl.ws, sid, ada, departed_at=local(9, 35),
                                     reason="Left earlier"))


_BASE = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
_minute = st.integers(min_value=-60, max_value=300)


def _at(m: int) -> datetime:
    return _BASE + timedelta(minutes=m)


def _interval(pair: tuple[int, int]) -> mins.Interval:
    a, b = sorted(pair)
    return (_at(a), _at(b))


_intervals = st.lists(st.tuples(_minute, _minute).map(_interval), max_size=4)


@settings(deadline=None)  # a loaded CI machine must not turn slowness into a failure
@given(arrived=st.one_of(st.none(), _minute), stay=st.one_of(st.none(), _minute),
       breaks=_intervals, outs=_intervals, extra=st.tuples(_minute, _minute).map(_interval),
       counts=st.booleans(), extra_is_break=st.booleans())
def test_holes_never_add_minutes_and_minutes_fit_presence(
        arrived: int | None, stay: int | None, breaks: list[mins.Interval],
        outs: list[mins.Interval], extra: mins.Interval, counts: bool,
        extra_is_break: bool) -> None:
    window = (_at(0), _at(180))
    arrival = _at(arrived) if arrived is not None else None
    departure = _at(arrived + abs(stay)) if arrived is not None and stay is not None else None

    def minutes(b: list[mins.Interval], o: list[mins.Interval]) -> int:
        return mins.service_minutes(window, arrival, departure, breaks=b, out_of_room=o,
                                    break_counts_as_service=counts)

    before = minutes(breaks, outs)
    after = (minutes([*breaks, extra], outs) if extra_is_break
             else minutes(breaks, [*outs, extra]))
    assert after <= before
    present = mins.present_interval(window, arrival, departure)
    inside = 0 if present is None else (present[1] - present[0]).total_seconds() // 60
    assert 0 <= before <= inside
