"""Minutes of service: pure interval arithmetic, no database, no clock.

A participant's minutes are the time they were present inside the session window, minus breaks
(unless the program counts breaks as service) and minus their out-of-room intervals. Overlaps are
merged first, so a step-out during a break is not subtracted twice. The result is rounded *down*
to whole minutes: billing must never claim time that was not delivered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from itertools import pairwise

Interval = tuple[datetime, datetime]


def clip(interval: Interval, window: Interval) -> Interval | None:
    """The part of ``interval`` inside ``window``, or None when they do not overlap."""
    start, end = max(interval[0], window[0]), min(interval[1], window[1])
    return (start, end) if start < end else None


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping union of the intervals (empty or reversed ones dropped)."""
    out: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def total_seconds(intervals: Iterable[Interval]) -> float:
    """Length of the union of the intervals."""
    return sum((end - start).total_seconds() for start, end in merge(intervals))


def subtract(base: Interval, holes: Iterable[Interval]) -> list[Interval]:
    """``base`` with every hole cut out, as sorted pieces."""
    pieces: list[Interval] = []
    cursor = base[0]
    for start, end in merge(h for h in (clip(x, base) for x in holes) if h):
        if start > cursor:
            pieces.append((cursor, start))
        cursor = max(cursor, end)
    if cursor < base[1]:
        pieces.append((cursor, base[1]))
    return pieces


def present_interval(window: Interval, arrived: datetime | None,
                     departed: datetime | None) -> Interval | None:
    """When the participant was in the block: arrival (or window start if earlier) to departure
    (or window end), clipped to the window. None if they never arrived or left before it began."""
    if arrived is None:
        return None
    return clip((arrived, departed if departed is not None else window[1]), window)


def service_seconds(window: Interval, arrived: datetime | None, departed: datetime | None, *,
                    breaks: Sequence[Interval] = (), out_of_room: Sequence[Interval] = (),
                    break_counts_as_service: bool = False) -> float:
    """Seconds of service (see the module docstring); 0 for someone who never arrived."""
    present = present_interval(window, arrived, departed)
    if present is None:
        return 0.0
    holes = list(out_of_room)
    if not break_counts_as_service:
        holes.extend(breaks)
    return total_seconds(subtract(present, holes))


def service_minutes(window: Interval, arrived: datetime | None, departed: datetime | None, *,
                    breaks: Sequence[Interval] = (), out_of_room: Sequence[Interval] = (),
                    break_counts_as_service: bool = False) -> int:
    """Whole minutes of service, rounded down."""
    seconds = service_seconds(window, arrived, departed, breaks=breaks, out_of_room=out_of_room,
                              break_counts_as_service=break_counts_as_service)
    return int(seconds // 60)


def overlapping_pair(intervals: Sequence[Interval]) -> tuple[int, int] | None:
    """Indexes (in the given order) of two intervals that overlap, or None.

    Touching intervals (one ends when the next starts) do not overlap.
    """
    order = sorted(range(len(intervals)), key=lambda i: intervals[i][0])
    for a, b in pairwise(order):
        if intervals[b][0] < intervals[a][1]:
            return (a, b)
    return None


def iso_week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.isoweekday() - 1)
