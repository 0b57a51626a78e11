"""The late-entry rule and which attendance needs which note, exactly (issue 14, `make mutation`
module "note-late-entry"): the deadline counts from the actual end (the planned one while a
session never ended), a note signed at the deadline is on time and one a moment later is not,
and the label a late note carries is a whole, pinned sentence in the clinic's time zone.

Pure: the session and program are unsaved model objects, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from facilitator.models.roster import Program
from facilitator.models.sessions import GroupSession
from facilitator.services.notes._common import deadline, late_label, needs_note, session_end

CHICAGO = ZoneInfo("America/Chicago")
PLANNED_END = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)  # 12:00 in Chicago
ACTUAL_END = datetime(2026, 3, 2, 18, 25, tzinfo=UTC)  # the block ran 25 minutes over


def _session(actual_end: datetime | None = ACTUAL_END) -> GroupSession:
    return GroupSession(session_date=date(2026, 3, 2), planned_start=PLANNED_END - timedelta(
        hours=3), planned_end=PLANNED_END, actual_end=actual_end)


def _program(hours: int = 72, absence_notes: bool = True) -> Program:
    return Program(name="Test IOP", kind="sud", note_deadline_hours=hours,
                   absence_notes=absence_notes)


def test_the_deadline_counts_from_the_actual_end_else_the_planned_one() -> None:
    assert session_end(_session()) == ACTUAL_END
    assert session_end(_session(actual_end=None)) == PLANNED_END
    assert deadline(_session(), _program(72)) == ACTUAL_END + timedelta(hours=72)
    assert deadline(_session(actual_end=None), _program(24)) == PLANNED_END + timedelta(hours=24)


def test_signed_at_the_deadline_is_on_time_a_moment_later_is_late() -> None:
    sess, program = _session(), _program(72)
    due = ACTUAL_END + timedelta(hours=72)
    assert late_label(ACTUAL_END, sess, program, CHICAGO) == ""
    assert late_label(due, sess, program, CHICAGO) == ""
    assert late_label(due + timedelta(microseconds=1), sess, program, CHICAGO) != ""


def test_the_late_label_is_a_whole_sentence_in_the_clinic_s_zone() -> None:
    # Signed Thursday 5 March 2026 at 20:05 UTC: 14:05 in Chicago (CST), 24 hours after a
    # 24-hour deadline that ran out on Tuesday.
    now = datetime(2026, 3, 5, 20, 5, tzinfo=UTC)
    assert late_label(now, _session(), _program(24), CHICAGO) == (
        "Late entry: written Thu 05 Mar 2026 14:05 (CST), after the program's 24-hour deadline"
        " for the session of 02 Mar 2026.")
    # After the change to daylight time the same rule names the other zone abbreviation.
    summer = datetime(2026, 3, 9, 20, 5, tzinfo=UTC)
    assert late_label(summer, _session(), _program(72), CHICAGO) == (
        "Late entry: written Mon 09 Mar 2026 15:05 (CDT), after the program's 72-hour deadline"
        " for the session of 02 Mar 2026.")


@pytest.mark.parametrize(("status", "absence_notes", "expected"), [
    ("present", True, "session"),
    ("late", False, "session"),
    ("left_early", True, "session"),
    ("telehealth", False, "session"),
    ("absent", True, "absence"),
    ("excused", True, "absence"),
    ("absent", False, None),
    ("excused", False, None),
])
def test_which_note_an_attendance_needs(status: str, absence_notes: bool,
                                        expected: str | None) -> None:
    assert needs_note(status, _program(absence_notes=absence_notes)) == expected
