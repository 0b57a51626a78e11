"""Dates, times and durations as the chart copy shows them, in the clinic's zone.

Locale-independent on purpose: "Mon 2 Mar 2026" reads the same on every laptop, whatever the
operating system's language, so two exports of one note print the same.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NONE = "—"


def day(d: date | None) -> str:
    """"Mon 2 Mar 2026"."""
    if d is None:
        return NONE
    return f"{_DAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year}"


def short_day(d: date) -> str:
    """"2 Mar" (chart axes, weekly rows)."""
    return f"{d.day} {_MONTHS[d.month - 1]}"


def time(dt: datetime | None, tz: ZoneInfo) -> str:
    """"09:04" in the clinic's zone."""
    if dt is None:
        return NONE
    return dt.astimezone(tz).strftime("%H:%M")


def moment(dt: datetime | None, tz: ZoneInfo) -> str:
    """"Mon 2 Mar 2026 09:04" in the clinic's zone."""
    if dt is None:
        return NONE
    local = dt.astimezone(tz)
    return f"{day(local.date())} {local:%H:%M}"


def span(start: datetime | None, end: datetime | None, tz: ZoneInfo) -> str:
    """"09:00–12:00"; a missing end reads as an open span."""
    if start is None and end is None:
        return NONE
    return f"{time(start, tz)}–{time(end, tz)}"


def minutes(total: int) -> str:
    """"185 min (3 h 05 min)"."""
    if total < 60:
        return f"{total} min"
    return f"{total} min ({total // 60} h {total % 60:02d} min)"


def hours(total_minutes: int) -> str:
    """"9.5 h" for weekly totals."""
    return f"{total_minutes / 60:.1f} h"
