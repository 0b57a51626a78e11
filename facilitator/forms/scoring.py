"""Score validated answers: standard-measure totals and bands, and clinical flags.

Rules are chosen by the form's scoring extension, never by its id, so a clinic can ship a
translated PHQ-9 that scores the same. Totals come from the options' ordinal values in the form
file, so the numbers shown are the ones the form declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from facilitator.forms.definitions import FormDefinition

Severity = Literal["high", "moderate"]

PHQ9_ITEMS: tuple[str, ...] = tuple(f"phq9-{n}" for n in range(1, 10))
PHQ9_ITEM9 = "phq9-9"
GAD7_ITEMS: tuple[str, ...] = tuple(f"gad7-{n}" for n in range(1, 8))
PHQ9_BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 4, "minimal"),
    (5, 9, "mild"),
    (10, 14, "moderate"),
    (15, 19, "moderately severe"),
    (20, 27, "severe"),
)
GAD7_BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 4, "minimal"),
    (5, 9, "mild"),
    (10, 14, "moderate"),
    (15, 21, "severe"),
)
CRAVING_HIGH = 8

# The items (and their types) each rule reads; the loader refuses a form that lacks them, so a
# mis-edited file fails at start-up rather than silently scoring nothing.
RULE_ITEMS: dict[str, dict[str, str]] = {
    "phq9": dict.fromkeys(PHQ9_ITEMS, "choice"),
    "gad7": dict.fromkeys(GAD7_ITEMS, "choice"),
    "checkin": {"safety": "boolean", "use": "boolean", "craving": "integer"},
    "checkout": {"safe": "boolean"},
}


@dataclass(frozen=True)
class Flag:
    """Something the therapist must see; ``high`` needs follow-up the same day."""

    code: str
    severity: Severity
    message: str


@dataclass(frozen=True)
class Score:
    """Result of scoring one completed form."""

    total: int | None
    band: str | None
    flags: tuple[Flag, ...]
    summary: str


def score(form: FormDefinition, answers: Mapping[str, object]) -> Score:
    """Score answers already normalised by ``validate_answers``."""
    if form.scoring == "phq9":
        return _measure(form, answers, "PHQ-9", PHQ9_ITEMS, PHQ9_BANDS)
    if form.scoring == "gad7":
        return _measure(form, answers, "GAD-7", GAD7_ITEMS, GAD7_BANDS)
    if form.scoring == "checkin":
        return _checkin(answers)
    if form.scoring == "checkout":
        return _checkout(answers)
    return Score(None, None, (), f"{form.title}: not scored")


def band_for(total: int, bands: tuple[tuple[int, int, str], ...]) -> str | None:
    """The band containing ``total``, or None if outside every band."""
    for low, high, name in bands:
        if low <= total <= high:
            return name
    return None


def _measure(
    form: FormDefinition,
    answers: Mapping[str, object],
    label: str,
    link_ids: tuple[str, ...],
    bands: tuple[tuple[int, int, str], ...],
) -> Score:
    ordinals: list[float] = []
    flags: list[Flag] = []
    for link_id in link_ids:
        code = answers.get(link_id)
        if code is None:
            continue
        option = form.item(link_id).option(str(code))
        if option is None or option.ordinal is None:
            raise ValueError(f"{label}: '{link_id}' has no option {code!r}")
        ordinals.append(option.ordinal)
        # Item 9 is checked on its own: a positive answer needs follow-up whatever the total,
        # and even when the rest of the measure was left blank.
        if link_id == PHQ9_ITEM9 and option.ordinal > 0:
            flags.append(
                Flag(
                    "phq9-item9",
                    "high",
                    f"PHQ-9 item 9 answered '{option.display}': thoughts of being better off "
                    "dead or of self-harm. Same-day safety follow-up needed.",
                )
            )
    suffix = "; item 9 positive" if flags else ""
    if len(ordinals) < len(link_ids):
        summary = f"{label} incomplete ({len(ordinals)} of {len(link_ids)} answered){suffix}"
        return Score(None, None, tuple(flags), summary)
    total = round(sum(ordinals))
    band = band_for(total, bands)
    return Score(total, band, tuple(flags), f"{label} {total} ({band or 'out of range'}){suffix}")


def _checkin(answers: Mapping[str, object]) -> Score:
    flags: list[Flag] = []
    if answers.get("safety") is True:
        flags.append(
            Flag(
                "safety-positive",
                "high",
                "Reported thoughts of harming self or someone else since last group. "
                "Follow up before the participant leaves.",
            )
        )
    if answers.get("use") is True:
        flags.append(Flag("use-reported", "moderate", "Reported use since last group."))
    craving = answers.get("craving")
    if isinstance(craving, int | float) and craving >= CRAVING_HIGH:
        flags.append(Flag("craving-high", "moderate", f"Craving {craving}/10 at check-in."))
    parts = [
        f"{name} {answers[key]}"
        for key, name in (("mood", "mood"), ("craving", "craving"))
        if answers.get(key) is not None
    ]
    return Score(None, None, tuple(flags), _summary("Check-in", parts, flags))


def _checkout(answers: Mapping[str, object]) -> Score:
    flags: list[Flag] = []
    if answers.get("safe") is False:
        flags.append(
            Flag(
                "not-safe-leaving",
                "high",
                "Does not feel safe leaving group today. Complete a safety plan before they go.",
            )
        )
    parts = []
    if answers.get("craving-now") is not None:
        parts.append(f"craving {answers['craving-now']}")
    if answers.get("safe") is True:
        parts.append("safe leaving")
    return Score(None, None, tuple(flags), _summary("Check-out", parts, flags))


def _summary(label: str, parts: list[str], flags: list[Flag]) -> str:
    text = f"{label}: {', '.join(parts)}" if parts else label
    if flags:
        text += " — " + ", ".join(flag.code for flag in flags)
    return text
