"""Service units from minutes of service (pure).

Payer rules vary, so the rule is a program setting:

* ``per_diem`` (H0015, S9480): one unit for a day at or above the program's daily minimum;
  below it the day is *not* billable as a full day (0 units, and the note says why);
* ``per_session`` (e.g. 90853): one unit when the participant received any service;
* ``per_15_min``: one unit per whole 15 minutes.

Never rounded up: billing must not claim time that was not delivered.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Units:
    units: int
    explanation: str


def _minutes(n: int) -> str:
    return f"{n} minute" if n == 1 else f"{n} minutes"


def units_for(rule: str, minutes: int, daily_minimum: int) -> Units:
    if minutes < 0:
        raise ValueError("minutes of service cannot be negative")
    if rule == "per_diem":
        if minutes >= daily_minimum:
            return Units(1, f"Per diem: {_minutes(minutes)} meets the {daily_minimum}-minute "
                            "daily minimum.")
        return Units(0, f"Per diem: {_minutes(minutes)} is below the {daily_minimum}-minute daily "
                        "minimum, so the day is not billable as a full day.")
    if rule == "per_session":
        if minutes > 0:
            return Units(1, f"Per session: {_minutes(minutes)} of service.")
        return Units(0, "Per session: no minutes of service.")
    if rule == "per_15_min":
        units = minutes // 15
        return Units(units, f"Per 15 minutes: {_minutes(minutes)} is {units} whole unit"
                            f"{'' if units == 1 else 's'} (never rounded up).")
    raise ValueError(f"unknown unit rule {rule!r}")
