"""Parse-time checks for ``enableWhen``: shape, target, answer type, and cycles.

Split from ``loader.py`` because conditions can only be typed once every item of the form is
known (a condition may point at a later item), so they run as a second pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from facilitator.forms.definitions import (
    OPERATORS,
    ORDERING_OPERATORS,
    AnswerValue,
    EnableWhen,
    FormDefinition,
    FormError,
    Item,
)

Fail = Callable[[str, str | None], FormError]
RawConditions = dict[str, list[dict[str, Any]]]

# The answer[x] key each target item type takes, and the JSON value types it accepts.
_ANSWER_KEYS: dict[str, tuple[str, tuple[type, ...]]] = {
    "boolean": ("answerBoolean", (bool,)),
    "integer": ("answerInteger", (int,)),
    "decimal": ("answerDecimal", (int, float)),
    "string": ("answerString", (str,)),
    "text": ("answerString", (str,)),
    "choice": ("answerCoding", (dict,)),
}


def check_condition_shapes(raw: object, link_id: str, fail: Fail) -> list[dict[str, Any]]:
    """First pass: the JSON shape of an item's ``enableWhen`` list."""
    if not isinstance(raw, list):
        raise fail("enableWhen must be a list", link_id)
    for cond in raw:
        if not isinstance(cond, dict):
            raise fail("each enableWhen must be an object", link_id)
        question, operator = cond.get("question"), cond.get("operator")
        if not isinstance(question, str) or not question:
            raise fail("enableWhen needs a 'question' linkId", link_id)
        if operator not in OPERATORS:
            raise fail(f"enableWhen has unknown operator {operator!r}", link_id)
        if sum(1 for key in cond if key.startswith("answer")) != 1:
            raise fail("enableWhen needs exactly one answer[x] value", link_id)
    return raw


def resolve_conditions(form: FormDefinition, raw: RawConditions, fail: Fail) -> FormDefinition:
    """Second pass: type every condition against its target and refuse cycles."""

    def rebuild(items: tuple[Item, ...]) -> tuple[Item, ...]:
        return tuple(
            replace(
                item,
                enable_when=tuple(_resolve(form, item, c, fail) for c in raw.get(item.link_id, [])),
                children=rebuild(item.children),
            )
            for item in items
        )

    resolved = replace(form, items=rebuild(form.items))
    _check_cycles(resolved, fail)
    return resolved


def _resolve(form: FormDefinition, item: Item, cond: dict[str, Any], fail: Fail) -> EnableWhen:
    question, operator = cond["question"], cond["operator"]
    if question not in form:
        raise fail(f"enableWhen refers to unknown linkId '{question}'", item.link_id)
    target = form.item(question)
    if not target.answerable:
        raise fail(f"enableWhen refers to {target.type} item '{question}'", item.link_id)
    key = next(key for key in cond if key.startswith("answer"))
    value = cond[key]
    if operator == "exists":
        if key != "answerBoolean" or not isinstance(value, bool):
            raise fail("enableWhen 'exists' needs answerBoolean", item.link_id)
        return EnableWhen(question, operator, value)
    expected_key, types = _ANSWER_KEYS[target.type]
    # bool is an int in Python; JSON true must not pass as answerInteger 1.
    wrong_type = not isinstance(value, types) or (isinstance(value, bool) and bool not in types)
    if key != expected_key or wrong_type:
        raise fail(f"enableWhen on '{question}' ({target.type}) needs {expected_key}", item.link_id)
    if operator in ORDERING_OPERATORS and target.type not in {"integer", "decimal"}:
        raise fail(f"operator '{operator}' needs a number item", item.link_id)
    answer: AnswerValue = value
    if target.type == "choice":
        code = value.get("code")
        if not isinstance(code, str) or target.option(code) is None:
            raise fail(f"enableWhen uses unknown option {code!r} of '{question}'", item.link_id)
        answer = code
    return EnableWhen(question, operator, answer)


def _check_cycles(form: FormDefinition, fail: Fail) -> None:
    # An item depends on its conditions' targets and on its parent group; a cycle would make
    # "is this question shown?" undecidable, and is_enabled would recurse for ever.
    deps: dict[str, set[str]] = {}
    for item in form.all_items():
        parent = form.parent(item.link_id)
        deps[item.link_id] = {c.question for c in item.enable_when}
        if parent is not None:
            deps[item.link_id].add(parent.link_id)
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished

    def visit(node: str) -> None:
        state[node] = 1
        for dep in sorted(deps[node]):
            if state.get(dep) == 1:
                raise fail(f"enableWhen forms a cycle through '{dep}'", node)
            if dep not in state:
                visit(dep)
        state[node] = 2

    for node in deps:
        if node not in state:
            visit(node)
