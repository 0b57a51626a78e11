"""Exact behaviour of the notes' pure cores (units from minutes, the canonical signed form),
written to kill the mutants `make mutation` found: every sentence and boundary is pinned."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest

from facilitator.services.notes import canonical
from facilitator.services.notes.units import Units, units_for


@pytest.mark.parametrize(("rule", "minutes", "expected"), [
    ("per_diem", 180, Units(1, "Per diem: 180 minutes meets the 180-minute daily minimum.")),
    ("per_diem", 181, Units(1, "Per diem: 181 minutes meets the 180-minute daily minimum.")),
    ("per_diem", 179, Units(0, "Per diem: 179 minutes is below the 180-minute daily minimum, "
                               "so the day is not billable as a full day.")),
    ("per_diem", 0, Units(0, "Per diem: 0 minutes is below the 180-minute daily minimum, so "
                             "the day is not billable as a full day.")),
    ("per_diem", 1, Units(0, "Per diem: 1 minute is below the 180-minute daily minimum, so "
                             "the day is not billable as a full day.")),
    ("per_session", 1, Units(1, "Per session: 1 minute of service.")),
    ("per_session", 2, Units(1, "Per session: 2 minutes of service.")),
    ("per_15_min", 1, Units(0, "Per 15 minutes: 1 minute is 0 whole units (never rounded "
                               "up).")),
    ("per_session", 0, Units(0, "Per session: no minutes of service.")),
    ("per_15_min", 14, Units(0, "Per 15 minutes: 14 minutes is 0 whole units (never rounded "
                                "up).")),
    ("per_15_min", 15, Units(1, "Per 15 minutes: 15 minutes is 1 whole unit (never rounded "
                                "up).")),
    ("per_15_min", 44, Units(2, "Per 15 minutes: 44 minutes is 2 whole units (never rounded "
                                "up).")),
])
def test_units_and_their_explanations(rule: str, minutes: int, expected: Units) -> None:
    assert units_for(rule, minutes, 180) == expected


def test_units_refuse_negative_minutes_and_unknown_rules() -> None:
    with pytest.raises(ValueError, match=r"^minutes of service cannot be negative$"):
        units_for("per_diem", -1, 180)
    with pytest.raises(ValueError, match=r"^unknown unit rule 'hourly'$"):
        units_for("hourly", 60, 180)
    with pytest.raises(AttributeError):  # a computed result is not edited afterwards
        units_for("per_diem", 180, 180).units = 2  # type: ignore[misc]


def test_canonical_values() -> None:
    n = canonical.normalise
    assert n("a\rb\r\nc") == "a\nb\nc"
    assert n(True) is True and n(False) is False and n(None) is None and n(7) == 7
    assert n(0.1) == "0.1" and n(2.5) == "2.5"
    assert n(date(2026, 3, 2)) == "2026-03-02"
    assert n(datetime(2026, 3, 2, 9, 4, 5, 999, tzinfo=UTC)) == "2026-03-02T09:04:05Z"
    assert n({1: (1, "x")}) == {"1": [1, "x"]}
    assert n([("a",)]) == [["a"]]
    with pytest.raises(ValueError, match=r"^naive datetime in signed content$"):
        n(datetime(2026, 3, 2))
    with pytest.raises(TypeError, match=r"^cannot put a set into signed content$"):
        n({1, 2})


def test_addendum_known_answer() -> None:
    doc = canonical.addendum_document(
        note_id=3, author_id=5, written_at=datetime(2026, 3, 3, 15, 0, tzinfo=UTC),
        reason="Time", text="Arrived 09:02.", version=canonical.LOCAL_IDS_FORM)
    expected = (b'{"author_id":5,"kind":"addendum","note_id":3,"reason":"Time",'
                b'"text":"Arrived 09:02.","v":1,"written_at":"2026-03-03T15:00:00Z"}')
    assert canonical.canonical_bytes(doc) == expected
    assert canonical.content_hash(doc) == hashlib.sha256(expected).hexdigest()
