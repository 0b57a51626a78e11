"""Scoring: PHQ-9 / GAD-7 totals and bands at every boundary, and clinical flags."""

from __future__ import annotations

import pytest

from facilitator.forms import (
    FormDefinition,
    Score,
    default_forms_path,
    load_forms,
    parse_form,
    score,
    validate_answers,
)


@pytest.fixture(scope="module")
def forms() -> dict[str, FormDefinition]:
    result = load_forms(default_forms_path())
    assert result.errors == ()
    return result.forms


def spread(total: int, items: int, first: int = 1) -> dict[str, str]:
    """Answers for ``items`` items (0–3 each) adding up to ``total``, spread unevenly."""
    assert 0 <= total <= 3 * items
    values = [0] * items
    remaining = total
    for index in range(items):
        values[index] = min(3, remaining)
        remaining -= values[index]
    return {f"{n}": str(v) for n, v in enumerate(values, first)}


def measure(form: FormDefinition, prefix: str, total: int, items: int) -> Score:
    answers = {f"{prefix}-{n}": v for n, v in spread(total, items).items()}
    # Through validate_answers, as the app does, so the shipped form and scoring agree.
    return score(form, validate_answers(form, answers))


PHQ9_CASES = [
    (0, "minimal"),
    (4, "minimal"),
    (5, "mild"),
    (9, "mild"),
    (10, "moderate"),
    (14, "moderate"),
    (15, "moderately severe"),
    (19, "moderately severe"),
    (20, "severe"),
    (27, "severe"),
]
GAD7_CASES = [
    (0, "minimal"),
    (4, "minimal"),
    (5, "mild"),
    (9, "mild"),
    (10, "moderate"),
    (14, "moderate"),
    (15, "severe"),
    (21, "severe"),
]


@pytest.mark.parametrize(("total", "band"), PHQ9_CASES)
def test_phq9_band_boundaries(forms: dict[str, FormDefinition], total: int, band: str) -> None:
    result = measure(forms["phq9"], "phq9", total, 9)
    assert (result.total, result.band) == (total, band)
    assert result.summary.startswith(f"PHQ-9 {total} ({band})")


@pytest.mark.parametrize(("total", "band"), GAD7_CASES)
def test_gad7_band_boundaries(forms: dict[str, FormDefinition], total: int, band: str) -> None:
    result = measure(forms["gad7"], "gad7", total, 7)
    assert (result.total, result.band, result.flags) == (total, band, ())
    assert result.summary == f"GAD-7 {total} ({band})"


def test_phq9_item9_flags_whatever_the_total(forms: dict[str, FormDefinition]) -> None:
    answers = {f"phq9-{n}": "0" for n in range(1, 9)} | {"phq9-9": "1"}
    result = score(forms["phq9"], validate_answers(forms["phq9"], answers))
    assert (result.total, result.band) == (1, "minimal")
    assert [(f.code, f.severity) for f in result.flags] == [("phq9-item9", "high")]
    assert "Several days" in result.flags[0].message
    assert "item 9" in result.summary


def test_phq9_no_flag_when_item9_is_zero(forms: dict[str, FormDefinition]) -> None:
    # 27 would be "all 3s"; 24 with item 9 = 0 shows a severe total alone raises no item-9 flag.
    answers = {f"phq9-{n}": "3" for n in range(1, 9)} | {"phq9-9": "0"}
    result = score(forms["phq9"], answers)
    assert (result.total, result.band, result.flags) == (24, "severe", ())


def test_phq9_incomplete_has_no_total_but_still_flags(forms: dict[str, FormDefinition]) -> None:
    result = score(forms["phq9"], {"phq9-1": "2", "phq9-9": "3"})
    assert (result.total, result.band) == (None, None)
    assert result.summary.startswith("PHQ-9 incomplete (2 of 9 answered)")
    assert [f.code for f in result.flags] == ["phq9-item9"]


def test_phq9_difficulty_item_is_not_scored(forms: dict[str, FormDefinition]) -> None:
    answers = {f"phq9-{n}": "1" for n in range(1, 10)} | {"phq9-difficulty": "extremely"}
    assert score(forms["phq9"], validate_answers(forms["phq9"], answers)).total == 9


def test_totals_use_ordinal_values_from_the_form() -> None:
    ordinal = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
    options = [
        {
            "valueCoding": {"code": code, "display": code},
            "extension": [{"url": ordinal, "valueDecimal": value}],
        }
        for code, value in (("a", 0), ("b", 1), ("c", 2), ("d", 3))
    ]
    form = parse_form(
        {
            "resourceType": "Questionnaire",
            "id": "gad7-letters",
            "extension": [{"url": "https://facilitator.local/fhir/scoring", "valueString": "gad7"}],
            "item": [
                {"linkId": f"gad7-{n}", "text": f"Q{n}", "type": "choice", "answerOption": options}
                for n in range(1, 8)
            ],
        },
        "letters.json",
    )
    result = score(form, {f"gad7-{n}": "d" for n in range(1, 8)})
    assert (result.total, result.band) == (21, "severe")


def _checkin(forms: dict[str, FormDefinition], **answers: object) -> Score:
    base: dict[str, object] = {"mood": 5, "craving": 2, "use": False, "safety": False}
    return score(forms["checkin"], validate_answers(forms["checkin"], base | answers))


def test_checkin_without_concerns_has_no_flags(forms: dict[str, FormDefinition]) -> None:
    result = _checkin(forms, craving=7)
    assert (result.total, result.band, result.flags) == (None, None, ())
    assert result.summary == "Check-in: mood 5, craving 7"


def test_checkin_flags(forms: dict[str, FormDefinition]) -> None:
    result = _checkin(forms, safety=True, use=True, craving=8, **{"use-what": "cannabis"})
    assert [(f.code, f.severity) for f in result.flags] == [
        ("safety-positive", "high"),
        ("use-reported", "moderate"),
        ("craving-high", "moderate"),
    ]
    assert "safety-positive" in result.summary
    assert "cannabis" not in result.summary  # substance names stay out of the one-line summary


@pytest.mark.parametrize(("craving", "flagged"), [(7, False), (8, True), (10, True)])
def test_checkin_craving_threshold(
    forms: dict[str, FormDefinition], craving: int, flagged: bool
) -> None:
    codes = [f.code for f in _checkin(forms, craving=craving).flags]
    assert codes == (["craving-high"] if flagged else [])


@pytest.mark.parametrize(("safe", "codes"), [(True, []), (False, ["not-safe-leaving"])])
def test_checkout_safety(forms: dict[str, FormDefinition], safe: bool, codes: list[str]) -> None:
    answers = validate_answers(forms["checkout"], {"safe": safe, "craving-now": 4})
    result = score(forms["checkout"], answers)
    assert [f.code for f in result.flags] == codes
    assert all(f.severity == "high" for f in result.flags)
    assert result.summary.startswith("Check-out: craving 4")


def test_unscored_form() -> None:
    form = parse_form(
        {
            "resourceType": "Questionnaire",
            "id": "x",
            "title": "Notes",
            "item": [{"linkId": "n", "text": "Notes", "type": "text"}],
        },
        "x.json",
    )
    assert score(form, {"n": "hi"}) == Score(None, None, (), "Notes: not scored")
