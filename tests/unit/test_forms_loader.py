"""Form files: the shipped forms load, broken files are reported by name, answers are checked."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from facilitator.forms import (
    AnswerError,
    FormDefinition,
    FormError,
    default_forms_path,
    is_enabled,
    load_form_file,
    load_forms,
    parse_form,
    validate_answers,
)

SHIPPED = ("checkin", "checkout", "phq9", "gad7")


def shipped_json(name: str) -> dict[str, Any]:
    return json.loads((default_forms_path() / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def checkin() -> FormDefinition:
    return load_form_file(default_forms_path() / "checkin.json")


def valid_checkin(**overrides: object) -> dict[str, object]:
    answers: dict[str, object] = {"mood": 6, "craving": 3, "use": False, "safety": False}
    answers.update(overrides)
    return answers


# --- shipped forms -------------------------------------------------------------------------


def test_shipped_forms_load_without_errors() -> None:
    result = load_forms(default_forms_path())
    assert result.errors == ()
    assert sorted(result.forms) == sorted(SHIPPED)


def test_shipped_link_ids_are_the_stable_ones() -> None:
    forms = load_forms(default_forms_path()).forms
    ids = {name: [i.link_id for i in forms[name].answerable_items()] for name in SHIPPED}
    assert ids["checkin"] == [
        "mood",
        "anxiety",
        "craving",
        "use",
        "use-what",
        "sleep-hours",
        "medication",
        "safety",
        "goal",
    ]
    assert ids["checkout"] == ["takeaway", "plan", "craving-now", "safe"]
    assert ids["phq9"] == [f"phq9-{n}" for n in range(1, 10)] + ["phq9-difficulty"]
    assert ids["gad7"] == [f"gad7-{n}" for n in range(1, 8)]
    assert {f.scoring for f in forms.values()} == {"checkin", "checkout", "phq9", "gad7"}


def test_shipped_phq9_options_carry_ordinals(checkin: FormDefinition) -> None:
    phq9 = load_forms(default_forms_path()).forms["phq9"]
    item9 = phq9.item("phq9-9")
    assert [(o.code, o.display, o.ordinal) for o in item9.options] == [
        ("0", "Not at all", 0),
        ("1", "Several days", 1),
        ("2", "More than half the days", 2),
        ("3", "Nearly every day", 3),
    ]
    assert "better off dead" in item9.text
    assert phq9.parent("phq9-1") is not None and phq9.parent("phq9-1").type == "group"
    assert checkin.item("sleep-hours").max_value == 24
    assert checkin.item("safety").required and checkin.item("use").required


# --- broken files --------------------------------------------------------------------------


def _set_mood_type(data: dict[str, Any]) -> None:
    data["item"][1]["type"] = "slider"


def _duplicate_link_id(data: dict[str, Any]) -> None:
    data["item"][0]["item"][2]["linkId"] = "phq9-2"


def _unknown_enable_when(data: dict[str, Any]) -> None:
    data["item"][5]["enableWhen"][0]["question"] = "used"


def _choice_without_options(data: dict[str, Any]) -> None:
    del data["item"][7]["answerOption"]


BROKEN: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("checkin", _set_mood_type, "checkin.json: item 'mood': unknown type 'slider'"),
    ("phq9", _duplicate_link_id, "phq9.json: duplicate linkId 'phq9-2'"),
    (
        "checkin",
        _unknown_enable_when,
        "checkin.json: item 'use-what': enableWhen refers to unknown linkId 'used'",
    ),
    (
        "checkin",
        _choice_without_options,
        "checkin.json: item 'medication': choice item has no answerOption",
    ),
]


@pytest.fixture
def forms_dir(tmp_path: Path) -> Path:
    for name in SHIPPED:
        shutil.copy(default_forms_path() / f"{name}.json", tmp_path / f"{name}.json")
    return tmp_path


@pytest.mark.parametrize(
    ("name", "breaks", "message"), BROKEN, ids=lambda v: getattr(v, "__name__", None)
)
def test_broken_file_is_reported_and_others_still_load(
    forms_dir: Path, name: str, breaks: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = shipped_json(name)
    breaks(data)
    (forms_dir / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    result = load_forms(forms_dir)
    assert result.errors == (message,)
    assert sorted(result.forms) == sorted(set(SHIPPED) - {name})


def test_bad_json_reports_line_number(forms_dir: Path) -> None:
    (forms_dir / "checkout.json").write_text('{\n  "resourceType": "Questionnaire",\n  "id": \n}')
    result = load_forms(forms_dir)
    assert len(result.errors) == 1
    assert result.errors[0].startswith("checkout.json: invalid JSON at line 4, column 1:")
    assert sorted(result.forms) == ["checkin", "gad7", "phq9"]


def test_wrong_resource_type(forms_dir: Path) -> None:
    data = shipped_json("gad7")
    data["resourceType"] = "QuestionnaireResponse"
    (forms_dir / "gad7.json").write_text(json.dumps(data), encoding="utf-8")
    result = load_forms(forms_dir)
    assert result.errors == (
        "gad7.json: resourceType must be 'Questionnaire', not 'QuestionnaireResponse'",
    )
    assert "gad7" not in result.forms and "phq9" in result.forms


def test_duplicate_form_id_keeps_the_first(forms_dir: Path) -> None:
    shutil.copy(forms_dir / "gad7.json", forms_dir / "zz-copy.json")
    result = load_forms(forms_dir)
    assert result.errors == (
        "zz-copy.json: duplicate form id 'gad7' (already defined in gad7.json)",
    )
    assert result.forms["gad7"].source == "gad7.json"


def test_missing_folder_is_an_error_not_a_crash(tmp_path: Path) -> None:
    result = load_forms(tmp_path / "nope")
    assert result.forms == {} and "not found" in result.errors[0]


def _minimal(*items: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Questionnaire", "id": "t", "item": list(items)}


def _num(link_id: str, **extra: Any) -> dict[str, Any]:
    return {"linkId": link_id, "text": link_id.title(), "type": "integer", **extra}


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([{**_num("a"), "repeats": True}], "t.json: item 'a': 'repeats' is not supported"),
        (
            [_num("a", enableWhen=[{"question": "a", "operator": "=", "answerInteger": 1}])],
            "t.json: item 'a': enableWhen forms a cycle through 'a'",
        ),
        (
            [
                _num("a"),
                _num("b", enableWhen=[{"question": "a", "operator": "=", "answerString": "x"}]),
            ],
            "t.json: item 'b': enableWhen on 'a' (integer) needs answerInteger",
        ),
        (
            [
                _num("a"),
                _num("b", enableWhen=[{"question": "a", "operator": "~", "answerInteger": 1}]),
            ],
            "t.json: item 'b': enableWhen has unknown operator '~'",
        ),
        ([{"linkId": "g", "type": "group", "item": []}], "t.json: item 'g': a group needs child"),
        (
            [
                _num(
                    "a",
                    extension=[
                        {
                            "url": "http://hl7.org/fhir/StructureDefinition/minValue",
                            "valueInteger": 5,
                        },
                        {
                            "url": "http://hl7.org/fhir/StructureDefinition/maxValue",
                            "valueInteger": 1,
                        },
                    ],
                )
            ],
            "t.json: item 'a': minValue 5 is above maxValue 1",
        ),
        ([{"text": "x", "type": "string"}], "t.json: item #1 has no linkId"),
    ],
)
def test_parse_form_rejects(items: list[dict[str, Any]], expected: str) -> None:
    with pytest.raises(FormError) as caught:
        parse_form(_minimal(*items), "t.json")
    assert str(caught.value).startswith(expected)


def test_scoring_rule_needs_its_items() -> None:
    data = shipped_json("phq9")
    del data["item"][0]["item"][8]
    with pytest.raises(FormError, match=r"phq9\.json: scoring 'phq9' needs a choice item 'phq9-9'"):
        parse_form(data, "phq9.json")


def test_forward_enable_when_and_any_behavior() -> None:
    form = parse_form(
        _minimal(
            _num(
                "later",
                enableWhen=[
                    {"question": "a", "operator": ">=", "answerInteger": 5},
                    {"question": "b", "operator": "exists", "answerBoolean": True},
                ],
                enableBehavior="any",
            ),
            _num("a"),
            _num("b"),
        ),
        "t.json",
    )
    assert not is_enabled(form, "later", {})
    assert is_enabled(form, "later", {"a": 5})
    assert not is_enabled(form, "later", {"a": 4})
    assert is_enabled(form, "later", {"a": 4, "b": 0})


def test_all_behavior_needs_every_condition() -> None:
    form = parse_form(
        _minimal(
            _num("a"),
            _num("b"),
            _num(
                "c",
                enableWhen=[
                    {"question": "a", "operator": ">", "answerInteger": 2},
                    {"question": "b", "operator": "!=", "answerInteger": 0},
                ],
                enableBehavior="all",
            ),
        ),
        "t.json",
    )
    assert is_enabled(form, "c", {"a": 3, "b": 1})
    assert not is_enabled(form, "c", {"a": 3, "b": 0})
    assert not is_enabled(form, "c", {"a": 2, "b": 1})
    assert not is_enabled(form, "c", {"a": 3})  # unanswered: '!=' does not hold


# --- answers -------------------------------------------------------------------------------


def test_valid_answers_are_normalised(checkin: FormDefinition) -> None:
    got = validate_answers(
        checkin,
        valid_checkin(
            mood="7", craving=3.0, **{"sleep-hours": "6.5", "medication": "partly", "goal": None}
        ),
    )
    assert got == {
        "mood": 7,
        "craving": 3,
        "use": False,
        "sleep-hours": 6.5,
        "medication": "partly",
        "safety": False,
    }
    assert type(got["mood"]) is int and type(got["sleep-hours"]) is float


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"craving": 11}, '"Craving (0–10)": 11 is out of range 0–10'),
        ({"mood": -1}, '"Mood (0–10)": -1 is out of range 0–10'),
        ({"sleep-hours": 24.5}, '"Hours of sleep last night": 24.5 is out of range 0–24'),
        ({"mood": 6.5}, '"Mood (0–10)": 6.5 is not a whole number'),
        ({"mood": True}, '"Mood (0–10)": True is not a whole number'),
        ({"mood": "six"}, "\"Mood (0–10)\": 'six' is not a whole number"),
        ({"use": "yes"}, "\"Any use since last group?\": 'yes' is not yes or no"),
        ({"sleep-hours": float("nan")}, '"Hours of sleep last night": nan is not a number'),
        ({"goal": 5}, '"Your goal for today\'s group": 5 is not text'),
        ({"medication": "sometimes"}, "\"Medication taken as prescribed?\": 'sometimes' is not"),
        ({"nonsense": 1}, "unknown question 'nonsense'"),
        ({"intro": "hi"}, "'intro' is a display item and takes no answer"),
    ],
)
def test_bad_answers_are_rejected_with_the_question_text(
    checkin: FormDefinition, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(AnswerError) as caught:
        validate_answers(checkin, valid_checkin(**overrides))
    assert str(caught.value).startswith(message)


def test_missing_required_items_are_all_listed(checkin: FormDefinition) -> None:
    with pytest.raises(AnswerError) as caught:
        validate_answers(checkin, {"mood": 5, "craving": "  "})
    assert caught.value.link_ids == ("craving", "use", "safety")
    assert caught.value.problems[0] == '"Craving (0–10)": an answer is required'


def test_enable_when_controls_the_dependent_question(checkin: FormDefinition) -> None:
    item = checkin.item("use-what")
    assert not is_enabled(checkin, item, valid_checkin())
    assert not is_enabled(checkin, item, {})
    assert is_enabled(checkin, item, valid_checkin(use=True))
    got = validate_answers(checkin, valid_checkin(use=True, **{"use-what": "alcohol"}))
    assert got["use-what"] == "alcohol"


def test_answer_to_disabled_item_is_rejected_not_dropped(checkin: FormDefinition) -> None:
    with pytest.raises(AnswerError) as caught:
        validate_answers(checkin, valid_checkin(use=False, **{"use-what": "alcohol"}))
    assert caught.value.link_ids == ("use-what",)
    assert "does not apply" in str(caught.value)


def test_disabled_group_disables_its_children() -> None:
    form = parse_form(
        _minimal(
            {"linkId": "gate", "text": "Gate", "type": "boolean"},
            {
                "linkId": "g",
                "type": "group",
                "item": [_num("inner", required=True)],
                "enableWhen": [{"question": "gate", "operator": "=", "answerBoolean": True}],
            },
        ),
        "t.json",
    )
    assert validate_answers(form, {"gate": False}) == {"gate": False}
    with pytest.raises(AnswerError, match="Inner"):
        validate_answers(form, {"gate": True})


def test_long_and_international_text_is_accepted(checkin: FormDefinition) -> None:
    long_text = "x" * 100_000
    emoji_rtl = "Stay sober 🙂💪 — שלום עליכם — مرحبا بكم"
    got = validate_answers(checkin, valid_checkin(goal=long_text))
    assert got["goal"] == long_text
    assert validate_answers(checkin, valid_checkin(goal=emoji_rtl))["goal"] == emoji_rtl
    with pytest.raises(AnswerError, match="too long"):
        validate_answers(checkin, valid_checkin(goal=long_text + "x"))


def test_checkout_requires_safety_answer() -> None:
    checkout = load_form_file(default_forms_path() / "checkout.json")
    with pytest.raises(AnswerError, match="Do you feel safe leaving group today"):
        validate_answers(checkout, {"plan": "call my sponsor"})
    assert validate_answers(checkout, {"safe": True, "craving-now": 2}) == {
        "craving-now": 2,
        "safe": True,
    }


def test_parse_does_not_mutate_input() -> None:
    data = shipped_json("checkin")
    before = copy.deepcopy(data)
    parse_form(data, "checkin.json")
    assert data == before
