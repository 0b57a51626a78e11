"""Check and normalise a participant's answers to a form, and decide which items are enabled.

Answers arrive from widgets, imports or tests in loose shapes ("7", 7.0, 7); everything stored
or scored goes through ``validate_answers`` first so the rest of the app sees one shape per type.
Messages quote the question text because they are shown to the therapist as they are.
"""

from __future__ import annotations

import math
import operator as op
import re
from collections.abc import Callable, Mapping
from typing import Any

from facilitator.forms.definitions import (
    MAX_TEXT_LENGTH,
    AnswerOption,
    AnswerValue,
    EnableWhen,
    FormDefinition,
    Item,
)

_INTEGER = re.compile(r"^[+-]?\d+$")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": op.eq,
    "!=": op.ne,
    ">": op.gt,
    "<": op.lt,
    ">=": op.ge,
    "<=": op.le,
}


class AnswerError(ValueError):
    """Answers that cannot be saved; ``problems`` holds one human message per item."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.link_ids: tuple[str, ...] = tuple(link_id for link_id, _ in problems)
        self.problems: tuple[str, ...] = tuple(message for _, message in problems)
        super().__init__("; ".join(self.problems))


class _Invalid(ValueError):
    """Internal: one value that does not fit its item, before the question text is added."""


def validate_answers(form: FormDefinition, answers: Mapping[str, object]) -> dict[str, object]:
    """Return answers normalised to bool/int/float/str (option code for choices), in form order.

    Blank values (None or whitespace-only text) count as unanswered. Raises ``AnswerError``
    listing every problem: unknown question, wrong type, out of range, unknown option, a
    required enabled item left blank, or an answer to an item the other answers disable.
    """
    problems: list[tuple[str, str]] = []
    values: dict[str, AnswerValue] = {}
    invalid: set[str] = set()
    for link_id, raw in answers.items():
        if link_id not in form:
            problems.append((link_id, f"unknown question '{link_id}'"))
            continue
        item = form.item(link_id)
        if not item.answerable:
            problems.append((link_id, f"'{link_id}' is a {item.type} item and takes no answer"))
            continue
        if _blank(raw):
            continue
        try:
            values[link_id] = normalise(item, raw)
        except _Invalid as exc:
            invalid.add(link_id)
            problems.append((link_id, f'"{item.text}": {exc}'))

    for item in form.answerable_items():
        if item.link_id in invalid:
            continue  # already reported; "required" on top would only add noise
        enabled = is_enabled(form, item, values)
        if item.link_id in values and not enabled:
            problems.append(
                (
                    item.link_id,
                    f'"{item.text}": has an answer but does not apply '
                    "given the other answers; clear it",
                )
            )
        elif enabled and item.required and item.link_id not in values:
            problems.append((item.link_id, f'"{item.text}": an answer is required'))
    if problems:
        raise AnswerError(problems)
    return {
        item.link_id: values[item.link_id]
        for item in form.answerable_items()
        if item.link_id in values
    }


def is_enabled(form: FormDefinition, item: Item | str, answers: Mapping[str, object]) -> bool:
    """Whether ``item`` is shown given ``answers`` (raw or normalised).

    Follows FHIR: an item inside a disabled group is disabled, and an answer to a disabled item
    counts as no answer. With no answer, only ``exists = false`` holds; every comparison fails.
    The loader refuses dependency cycles, so the recursion ends.
    """
    if isinstance(item, str):
        item = form.item(item)
    parent = form.parent(item.link_id)
    if parent is not None and not is_enabled(form, parent, answers):
        return False
    if not item.enable_when:
        return True
    results = (_holds(form, cond, answers) for cond in item.enable_when)
    return all(results) if item.enable_behavior == "all" else any(results)


def normalise(item: Item, raw: object) -> AnswerValue:
    """One answer in its canonical Python type; raises ValueError with a short reason."""
    kind = item.type
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise _Invalid(f"{_show(raw)} is not yes or no")
        return raw
    if kind == "integer":
        value: int | float = _to_integer(raw)
        _check_range(item, value)
        return value
    if kind == "decimal":
        value = _to_decimal(raw)
        _check_range(item, value)
        return value
    if kind in {"string", "text"}:
        if not isinstance(raw, str):
            raise _Invalid(f"{_show(raw)} is not text")
        if len(raw) > MAX_TEXT_LENGTH:
            raise _Invalid(
                f"text is too long ({len(raw):,} characters; the limit is {MAX_TEXT_LENGTH:,})"
            )
        return raw
    if kind == "choice":
        code = raw.code if isinstance(raw, AnswerOption) else raw
        # Integer codes are accepted as numbers so 2 and "2" mean the same option.
        if isinstance(code, int) and not isinstance(code, bool):
            code = str(code)
        if not isinstance(code, str) or item.option(code) is None:
            allowed = ", ".join(f"'{opt.code}' ({opt.display})" for opt in item.options)
            raise _Invalid(f"{_show(raw)} is not one of the options: {allowed}")
        return code
    raise _Invalid(f"a {kind} item takes no answer")


def _holds(form: FormDefinition, cond: EnableWhen, answers: Mapping[str, object]) -> bool:
    target = form.item(cond.question)
    raw = answers.get(cond.question)
    value: AnswerValue | None = None
    if not _blank(raw) and is_enabled(form, target, answers):
        try:
            value = normalise(target, raw)
        except ValueError:
            value = None  # an unusable answer (still being typed) enables nothing
    if cond.operator == "exists":
        return (value is not None) == cond.answer
    if value is None:
        return False
    return _COMPARE[cond.operator](value, cond.answer)


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _to_integer(raw: object) -> int:
    if isinstance(raw, bool):
        raise _Invalid(f"{_show(raw)} is not a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and _INTEGER.match(raw.strip()):
        return int(raw.strip())
    raise _Invalid(f"{_show(raw)} is not a whole number")


def _to_decimal(raw: object) -> float:
    value: float | None = None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            value = None
    if value is None or not math.isfinite(value):
        raise _Invalid(f"{_show(raw)} is not a number")
    return value


def _check_range(item: Item, value: float) -> None:
    low, high = item.min_value, item.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            raise _Invalid(f"{_number(value)} is out of range {_number(low)}–{_number(high)}")
        if low is not None:
            raise _Invalid(f"{_number(value)} is below the minimum {_number(low)}")
        raise _Invalid(f"{_number(value)} is above the maximum {_number(high)}")


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _show(raw: object) -> str:
    # Quote what was given, cut short: a pasted essay must not become the error message.
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "..."
