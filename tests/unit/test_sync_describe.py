"""Synced records in words (``services.sync.describe``): every synced table has a noun, fields
get readable names, free text is told from codes, and kept values read as a person writes
them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from facilitator.services.sync import describe, rows
from facilitator.storage.sync_capture import SYNCED


def test_every_synced_table_has_a_noun_and_a_label() -> None:
    assert set(describe.KINDS) == set(SYNCED)
    # Tables without a label of their own are numbered; only the signatures are (their
    # values never change once written, so they never clash).
    assert set(SYNCED) - set(describe._LABELS) == {"signatures"}


@pytest.mark.parametrize(("table", "column", "name"), [
    ("participants", "date_of_birth", "date of birth"),
    ("participants", "program_id", "program"),
    ("groups", "block_start", "block starts"),
    ("treatment_goals", "text", "text"),
])
def test_field_names(table: str, column: str, name: str) -> None:
    assert describe.field_name(table, column) == name


@pytest.mark.parametrize(("table", "column", "free"), [
    ("participants", "preferred_name", True),
    ("treatment_goals", "text", True),  # a Text column
    ("participants", "chart_id", False),  # a unique key: typing one could clash again
    ("users", "login", False),
    ("participants", "status", False),  # a code
    ("participants", "pronouns", False),  # short: pick one of the kept values
    ("participants", "program_id", False),  # a reference
    ("attendance", "minutes", False),
    ("curriculum_topics", "key", False),
])
def test_free_text(table: str, column: str, free: bool) -> None:
    assert describe.free_text(table, column) is free


def _text(table: str, column: str, value: object) -> str:
    col = rows.table(table).c[column]
    return describe._plain(table, col, value, ZoneInfo("America/Chicago"))


def test_values_read_as_text() -> None:
    assert _text("programs", "break_counts_as_service", True) == "Yes"
    assert _text("programs", "break_counts_as_service", False) == "No"
    assert _text("participants", "date_of_birth", date(1990, 4, 5)) == "1990-04-05"
    assert _text("attendance", "arrived_at",
                 datetime(2026, 3, 2, 15, 20, tzinfo=UTC)) == "2026-03-02 09:20"
    assert _text("groups", "block_start", time(9, 30)) == "09:30"
    assert _text("groups", "weekdays", "1,3,5") == "Mon, Wed, Fri"
    assert _text("participants", "status", "on_hold") == "on hold"
    assert _text("participants", "legal_name", "ann_lee") == "ann_lee"  # words stay as typed
    assert _text("form_responses", "answers", {"mood": 6, "use": False, "note": ""}) == (
        "mood: 6; use: false")
    assert _text("attendance", "minutes", 140) == "140"
