"""Minutes of service: pure interval arithmetic, checked case by case and against brute force."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from facilitator.services.console import minutes as m

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def t(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def iv(a: float, b: float) -> m.Interval:
    return (t(a), t(b))


WINDOW = iv(0, 180)
BREAK = [iv(75, 90)]


@pytest.mark.parametrize(("arrive", "depart", "out", "expected", "expected_with_break"), [
    (0, None, [], 165, 180),              # whole block
    (-10, None, [], 165, 180),            # early arrival counts from the start
    (20, None, [], 145, 160),             # late
    (0, 140, [], 125, 140),               # left 40 early
    (0, None, [iv(100, 115)], 150, 165),  # 15-minute step-out
    (0, None, [iv(70, 85)], 160, 165),    # step-out overlapping the break: counted once
    (0, None, [iv(80, 85)], 165, 175),    # step-out inside the break
    (80, None, [], 90, 100),              # arrived during the break
    (0, 80, [], 75, 80),                  # left during the break
    (0, 200, [], 165, 180),               # departure after the end is clipped
    (None, None, [], 0, 0),               # never arrived
    (190, None, [], 0, 0),                # arrived after the end
    (0, None, [iv(170, 200)], 155, 170),  # still out at the end: clipped to the window
    (0, None, [iv(10, 20), iv(15, 30)], 145, 160),  # overlapping gaps merge
])
def test_service_minutes(arrive: float | None, depart: float | None, out: list[m.Interval],
                         expected: int, expected_with_break: int) -> None:
    arrived = t(arrive) if arrive is not None else None
    departed = t(depart) if depart is not None else None
    assert m.service_minutes(WINDOW, arrived, departed, breaks=BREAK, out_of_room=out) == expected
    assert m.service_minutes(WINDOW, arrived, departed, breaks=BREAK, out_of_room=out,
                             break_counts_as_service=True) == expected_with_break


def test_rounds_down_to_whole_minutes() -> None:
    assert m.service_minutes(WINDOW, t(0.5), t(10)) == 9
    assert m.service_seconds(WINDOW, t(0.5), t(10)) == 570.0
    assert m.service_minutes(WINDOW, t(0), t(0.99)) == 0


def test_merge_clip_subtract() -> None:
    assert m.merge([iv(5, 10), iv(0, 3), iv(3, 4), iv(8, 12), iv(20, 20)]) == [
        iv(0, 4), iv(5, 12)]
    assert m.clip(iv(-5, 5), iv(0, 10)) == iv(0, 5)
    assert m.clip(iv(10, 20), iv(0, 10)) is None
    assert m.subtract(iv(0, 10), [iv(2, 3), iv(-1, 1), iv(9, 12)]) == [iv(1, 2), iv(3, 9)]
    assert m.subtract(iv(0, 10), [iv(-5, 15)]) == []
    assert m.total_seconds([iv(0, 1), iv(0.5, 2)]) == 120


def test_overlapping_pair() -> None:
    assert m.overlapping_pair([iv(0, 10), iv(10, 20)]) is None  # touching is fine
    assert m.overlapping_pair([iv(30, 40), iv(0, 10), iv(35, 50)]) == (0, 2)
    assert m.overlapping_pair([]) is None


def test_iso_week_start() -> None:
    assert m.iso_week_start(date(2026, 3, 8)) == date(2026, 3, 2)  # Sunday → Monday
    assert m.iso_week_start(date(2026, 3, 2)) == date(2026, 3, 2)
    assert m.iso_week_start(date(2026, 1, 1)) == date(2025, 12, 29)


def test_against_brute_force() -> None:
    """Minute-by-minute counting on random inputs agrees with the interval arithmetic."""
    rng = random.Random(4)
    for _ in range(300):
        arrive = rng.randint(-20, 200)
        depart = rng.choice([None, rng.randint(arrive, 220)])
        gaps = [(a, a + rng.randint(1, 30)) for a in rng.sample(range(0, 180), rng.randint(0, 3))]
        breaks = [(b, b + rng.randint(5, 20)) for b in rng.sample(range(0, 170), rng.randint(0, 2))]
        counts = rng.random() < 0.5
        expected = 0
        for minute in range(0, 180):
            here = arrive <= minute and (depart is None or minute < depart)
            out = any(a <= minute < b for a, b in gaps)
            on_break = any(a <= minute < b for a, b in breaks) and not counts
            expected += here and not out and not on_break
        got = m.service_minutes(WINDOW, t(arrive), t(depart) if depart is not None else None,
                                breaks=[iv(*b) for b in breaks], out_of_room=[iv(*g) for g in gaps],
                                break_counts_as_service=counts)
        assert got == expected
