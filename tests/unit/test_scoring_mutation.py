"""Scoring, asserted exactly where a wrong word reaches the therapist (issue 14).

The one-line summaries and flag texts are what the console, the supervisor's review and the PDF
show; a prefix check let "safe leaving" be printed for someone who is not safe. These tests pin
whole summaries, flag codes, severities and messages, and the documented error for an answer
code the form does not define.
"""

from __future__ import annotations

import dataclasses

import pytest

from facilitator.forms import FormDefinition, parse_form, score, validate_answers
from facilitator.forms.scoring import GAD7_BANDS, PHQ9_BANDS, band_for
from tests.unit import test_scoring

forms = test_scoring.forms  # the shipped forms, loaded once (a pytest fixture)


def _checkout(forms: dict[str, FormDefinition], answers: dict[str, object]):  # type: ignore[no-untyped-def]
    return score(forms["checkout"], validate_answers(forms["checkout"], answers))


def test_checkout_summary_for_someone_safe(forms: dict[str, FormDefinition]) -> None:
    result = _checkout(forms, {"safe": True, "craving-now": 4})
    assert result == type(result)(None, None, (), "Check-out: craving 4, safe leaving")


def test_checkout_summary_for_someone_not_safe(forms: dict[str, FormDefinition]) -> None:
    result = _checkout(forms, {"safe": False, "craving-now": 4})
    assert result.summary == "Check-out: craving 4 — not-safe-leaving"
    assert "safe leaving" not in result.summary.replace("not-safe-leaving", "")
    [flag] = result.flags
    assert (flag.code, flag.severity) == ("not-safe-leaving", "high")
    assert flag.message == (
        "Does not feel safe leaving group today. Complete a safety plan before they go."
    )


def test_checkout_summary_without_craving(forms: dict[str, FormDefinition]) -> None:
    assert _checkout(forms, {"safe": True}).summary == "Check-out: safe leaving"
    assert _checkout(forms, {"safe": False}).summary == "Check-out — not-safe-leaving"
    # Craving 0 is an answer, not a missing one.
    assert _checkout(forms, {"safe": True, "craving-now": 0}).summary == (
        "Check-out: craving 0, safe leaving"
    )


def test_checkout_with_safety_unanswered_says_nothing_about_it(
    forms: dict[str, FormDefinition],
) -> None:
    # Scoring also runs on drafts: an unanswered question is neither safe nor a flag.
    result = score(forms["checkout"], {"craving-now": 2})
    assert (result.flags, result.summary) == ((), "Check-out: craving 2")


def _checkin(forms: dict[str, FormDefinition], **answers: object):  # type: ignore[no-untyped-def]
    base: dict[str, object] = {"mood": 5, "craving": 2, "use": False, "safety": False}
    return score(forms["checkin"], validate_answers(forms["checkin"], base | answers))


def test_checkin_flags_summary_and_messages_exactly(forms: dict[str, FormDefinition]) -> None:
    result = _checkin(forms, mood=3, safety=True, use=True, craving=9)
    assert result.summary == (
        "Check-in: mood 3, craving 9 — safety-positive, use-reported, craving-high"
    )
    assert [(f.code, f.severity, f.message) for f in result.flags] == [
        ("safety-positive", "high",
         "Reported thoughts of harming self or someone else since last group. "
         "Follow up before the participant leaves."),
        ("use-reported", "moderate", "Reported use since last group."),
        ("craving-high", "moderate", "Craving 9/10 at check-in."),
    ]


def test_checkin_each_flag_alone(forms: dict[str, FormDefinition]) -> None:
    assert _checkin(forms, use=True).summary == "Check-in: mood 5, craving 2 — use-reported"
    assert _checkin(forms, safety=True).summary == (
        "Check-in: mood 5, craving 2 — safety-positive"
    )
    assert [f.code for f in _checkin(forms, craving=8).flags] == ["craving-high"]


def test_checkin_summary_leaves_out_unanswered_values(forms: dict[str, FormDefinition]) -> None:
    assert score(forms["checkin"], {"craving": 0}).summary == "Check-in: craving 0"
    assert score(forms["checkin"], {"mood": 0}).summary == "Check-in: mood 0"
    assert score(forms["checkin"], {}).summary == "Check-in"
    # Only True raises a flag: an unanswered question is not a positive screen.
    assert score(forms["checkin"], {"safety": None, "use": None}).flags == ()


def test_checkin_craving_threshold_with_a_decimal(forms: dict[str, FormDefinition]) -> None:
    assert [f.code for f in score(forms["checkin"], {"craving": 8.0}).flags] == ["craving-high"]
    assert score(forms["checkin"], {"craving": 7.9}).flags == ()
    assert score(forms["checkin"], {"craving": "9"}).flags == ()  # not a number: no flag


def test_unknown_answer_code_raises_the_documented_value_error(
    forms: dict[str, FormDefinition],
) -> None:
    answers = {f"phq9-{n}": "0" for n in range(1, 10)} | {"phq9-4": "7"}
    with pytest.raises(ValueError, match=r"^PHQ-9: 'phq9-4' has no option '7'$"):
        score(forms["phq9"], answers)
    with pytest.raises(ValueError, match=r"^GAD-7: 'gad7-1' has no option 'x'$"):
        score(forms["gad7"], {"gad7-1": "x"})


def test_option_without_ordinal_raises_value_error() -> None:
    form = parse_form(
        {
            "resourceType": "Questionnaire",
            "id": "gad7-draft",
            "item": [
                {"linkId": f"gad7-{n}", "text": f"Q{n}", "type": "choice",
                 "answerOption": [{"valueCoding": {"code": "often"}}]}
                for n in range(1, 8)
            ],
        },
        "draft.json",
    )
    # The loader only demands ordinals of forms that declare a scoring rule; scoring this one
    # as GAD-7 anyway must fail with a message, not an AttributeError or a wrong total.
    form = FormDefinition(form.id, form.title, form.version, "gad7", form.items)
    with pytest.raises(ValueError, match="has no option 'often'"):
        score(form, {"gad7-1": "often"})


def test_phq9_summary_exactly(forms: dict[str, FormDefinition]) -> None:
    answers = {f"phq9-{n}": "1" for n in range(1, 10)}
    result = score(forms["phq9"], answers)
    assert result.summary == "PHQ-9 9 (mild); item 9 positive"
    incomplete = score(forms["phq9"], {"phq9-1": "2"})
    assert (incomplete.summary, incomplete.flags) == ("PHQ-9 incomplete (1 of 9 answered)", ())
    flagged = score(forms["phq9"], {"phq9-9": "2"})
    assert flagged.summary == "PHQ-9 incomplete (1 of 9 answered); item 9 positive"
    assert flagged.flags[0].message == (
        "PHQ-9 item 9 answered 'More than half the days': thoughts of being better off dead or "
        "of self-harm. Same-day safety follow-up needed."
    )


def test_every_item_counts_toward_the_total(forms: dict[str, FormDefinition]) -> None:
    # One answer of 1 on each item in turn: dropping any item from the rule would show.
    for n in range(1, 10):
        answers = {f"phq9-{k}": "1" if k == n else "0" for k in range(1, 10)}
        assert score(forms["phq9"], answers).total == 1
    for n in range(1, 8):
        answers = {f"gad7-{k}": "1" if k == n else "0" for k in range(1, 8)}
        assert score(forms["gad7"], answers).total == 1


def test_only_item9_raises_the_self_harm_flag(forms: dict[str, FormDefinition]) -> None:
    answers = {f"phq9-{n}": "3" for n in range(1, 9)} | {"phq9-9": "0"}
    assert score(forms["phq9"], answers).flags == ()
    gad = score(forms["gad7"], {f"gad7-{n}": "3" for n in range(1, 8)})
    assert (gad.flags, gad.summary) == ((), "GAD-7 21 (severe)")


def test_bands_cover_the_whole_range_and_nothing_outside() -> None:
    assert [band_for(t, PHQ9_BANDS) for t in (-1, 0, 27, 28)] == [None, "minimal", "severe", None]
    assert [band_for(t, GAD7_BANDS) for t in (-1, 0, 21, 22)] == [None, "minimal", "severe", None]


def test_total_outside_every_band_says_so() -> None:
    ordinal = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
    form = parse_form(
        {
            "resourceType": "Questionnaire",
            "id": "gad7-heavy",
            "extension": [{"url": "https://facilitator.local/fhir/scoring", "valueString": "gad7"}],
            "item": [
                {"linkId": f"gad7-{n}", "text": f"Q{n}", "type": "choice", "answerOption": [
                    {"valueCoding": {"code": "a"},
                     "extension": [{"url": ordinal, "valueDecimal": 4.4}]}]}
                for n in range(1, 8)
            ],
        },
        "heavy.json",
    )
    result = score(form, {f"gad7-{n}": "a" for n in range(1, 8)})
    # 7 x 4.4 = 30.8, rounded to the nearest whole point.
    assert (result.total, result.band, result.summary) == (31, None, "GAD-7 31 (out of range)")


def test_results_are_immutable_values(forms: dict[str, FormDefinition]) -> None:
    """Scores are stored with the response and shown in several places: nobody may change one
    after scoring, and equal results compare (and hash) equal."""
    result = _checkin(forms, safety=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.summary = "Check-in"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.flags[0].severity = "moderate"  # type: ignore[misc]
    assert {result, _checkin(forms, safety=True)} == {result}
    assert len({*result.flags, *_checkin(forms, safety=True).flags}) == 1
