"""The go-around key conventions, on the shipped check-in form (no Qt needed)."""

from __future__ import annotations

import pytest

from facilitator.forms import FormDefinition, default_forms_path, load_forms
from facilitator.ui.console.answer_keys import AnswerEntry


@pytest.fixture(scope="module")
def checkin() -> FormDefinition:
    return load_forms(default_forms_path()).forms["checkin"]


def typed(form: FormDefinition, keys: str) -> AnswerEntry:
    entry = AnswerEntry(form)
    entry.start()
    for key in keys:
        entry.type_text(key)
    return entry


def test_single_keys_move_on(checkin: FormDefinition) -> None:
    entry = typed(checkin, "735n")
    assert entry.answers == {"mood": 7, "anxiety": 3, "craving": 5, "use": False}
    assert entry.current().link_id == "sleep-hours"  # "what did you use" is not asked


def test_ten_is_one_then_zero_and_a_lone_one_is_kept(checkin: FormDefinition) -> None:
    entry = typed(checkin, "1015")
    assert (entry.answers["mood"], entry.answers["anxiety"]) == (10, 1)
    assert entry.answers["craving"] == 5
    assert entry.current().link_id == "use"


def test_zero_is_one_key(checkin: FormDefinition) -> None:
    assert typed(checkin, "00").answers == {"mood": 0, "anxiety": 0}


def test_decimal_and_choice(checkin: FormDefinition) -> None:
    entry = typed(checkin, "000n7.53y")
    assert entry.answers["sleep-hours"] == 7.5
    assert entry.answers["medication"] == "no"  # option 3, from the form file
    assert entry.answers["safety"] is True


def test_wrong_key_is_refused_and_backspace_clears(checkin: FormDefinition) -> None:
    entry = typed(checkin, "000")
    assert entry.type_text("7") is False  # a yes/no question
    entry.previous()
    entry.clear()
    assert "craving" not in entry.answers


def test_disabled_answers_are_dropped(checkin: FormDefinition) -> None:
    entry = typed(checkin, "000y")
    for key in "beer":
        entry.type_text(key)
    assert entry.final_answers()["use-what"] == "beer"
    entry.go_to("use")
    entry.type_text("n")
    assert "use-what" not in entry.final_answers()
