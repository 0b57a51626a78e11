"""Minutes of service: the parts the rounded-minutes tests cannot see (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from facilitator.services.console import minutes as m

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def iv(a: float, b: float) -> m.Interval:
    return (T0 + timedelta(minutes=a), T0 + timedelta(minutes=b))


def test_service_seconds_by_default_subtracts_breaks() -> None:
    window, breaks = iv(0, 180), [iv(75, 90)]
    assert m.service_seconds(window, window[0], None, breaks=breaks) == 165 * 60
    assert m.service_seconds(window, window[0], None, breaks=breaks,
                             break_counts_as_service=True) == 180 * 60


def test_service_seconds_of_someone_who_never_arrived_is_zero() -> None:
    # Not merely under a minute: totals over a month add seconds before rounding.
    assert m.service_seconds(iv(0, 180), None, None) == 0.0
    assert m.service_seconds(iv(0, 180), iv(190, 191)[0], None) == 0.0


def test_overlapping_pair_names_them_in_start_order() -> None:
    # The later-starting one is reported second, whatever order they were given in and
    # whichever ends first, so a message can say "the second step-out overlaps the first".
    assert m.overlapping_pair([iv(0, 10), iv(2, 3)]) == (0, 1)
    assert m.overlapping_pair([iv(2, 3), iv(0, 10)]) == (1, 0)
    assert m.overlapping_pair([iv(0, 10), iv(10, 20)]) is None
