"""Load and validate form files (a FHIR R4 ``Questionnaire`` subset) from a folder.

Clinics may edit these files, so every problem becomes a ``FormError`` that names the file and the
item; ``load_forms`` collects them and still loads the other forms, so one bad file never stops
the app from starting.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facilitator.forms.conditions import check_condition_shapes, resolve_conditions
from facilitator.forms.definitions import (
    ENABLE_BEHAVIORS,
    ITEM_TYPES,
    NON_ANSWERABLE_TYPES,
    SCORING_RULES,
    AnswerOption,
    FormDefinition,
    FormError,
    Item,
)
from facilitator.forms.scoring import RULE_ITEMS

EXT_ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
EXT_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
EXT_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"
EXT_SCORING = "https://facilitator.local/fhir/scoring"

_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_INTEGER_CODE = re.compile(r"^-?\d+$")


@dataclass(frozen=True)
class FormsLoad:
    """Result of loading a folder: the usable forms by id, and one message per problem."""

    forms: dict[str, FormDefinition]
    errors: tuple[str, ...]


def default_forms_path() -> Path:
    """The shipped ``forms/`` folder, in a checkout or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "forms"
    return Path(__file__).resolve().parents[2] / "forms"


def load_forms(folder: Path | str) -> FormsLoad:
    """Load every ``*.json`` in ``folder``; broken files and duplicate ids go to ``errors``."""
    folder = Path(folder)
    if not folder.is_dir():
        return FormsLoad({}, (f"{folder}: forms folder not found",))
    forms: dict[str, FormDefinition] = {}
    errors: list[str] = []
    for path in sorted(folder.glob("*.json")):
        try:
            form = load_form_file(path)
        except FormError as exc:
            errors.append(str(exc))
            continue
        if form.id in forms:
            errors.append(
                f"{path.name}: duplicate form id '{form.id}' (already defined in "
                f"{forms[form.id].source})"
            )
            continue
        forms[form.id] = form
    return FormsLoad(forms, tuple(errors))


def load_form_file(path: Path | str) -> FormDefinition:
    """Read and parse one form file; raises ``FormError``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FormError(f"{path.name}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise FormError(f"{path.name}: cannot read file ({exc.strerror})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormError(
            f"{path.name}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError as exc:
        raise FormError(f"{path.name}: invalid JSON: nested too deeply") from exc
    return parse_form(data, path.name)


def parse_form(data: object, source: str) -> FormDefinition:
    """Validate decoded JSON as a form; ``source`` (usually the file name) prefixes errors."""
    try:
        return _Parser(source).form(data)
    except RecursionError as exc:  # hostile or broken nesting must still be a FormError
        raise FormError(f"{source}: items are nested too deeply") from exc


class _Parser:
    """Holds the source name so every error message is prefixed the same way."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.raw_conditions: dict[str, list[dict[str, Any]]] = {}

    def fail(self, message: str, link_id: str | None = None) -> FormError:
        where = f"item '{link_id}': " if link_id is not None else ""
        return FormError(f"{self.source}: {where}{message}")

    def form(self, data: object) -> FormDefinition:
        if not isinstance(data, dict):
            raise self.fail("expected a JSON object (a FHIR Questionnaire)")
        kind = data.get("resourceType")
        if kind != "Questionnaire":
            raise self.fail(f"resourceType must be 'Questionnaire', not {kind!r}")
        form_id = data.get("id")
        if not isinstance(form_id, str) or not _FHIR_ID.match(form_id):
            raise self.fail(f"id must be 1–64 letters, digits, '-' or '.', not {form_id!r}")
        title = data.get("title", data.get("name", form_id))
        version = data.get("version", "")
        if not isinstance(title, str) or not isinstance(version, str):
            raise self.fail("title and version must be strings")
        status = data.get("status", "active")
        if status not in {"draft", "active", "retired", "unknown"}:
            raise self.fail(f"unknown status {status!r}")
        scoring = self.scoring(data.get("extension", []))
        raw_items = data.get("item")
        if not isinstance(raw_items, list) or not raw_items:
            raise self.fail("a form needs a non-empty 'item' list")
        seen: set[str] = set()
        items = tuple(self.item(raw, seen, f"#{n + 1}") for n, raw in enumerate(raw_items))
        # Conditions may point forward, so they are typed against a first, condition-less pass.
        draft = FormDefinition(form_id, title, version, scoring, items, source=self.source)
        form = resolve_conditions(draft, self.raw_conditions, self.fail)
        self.check_scoring(form)
        return form

    def scoring(self, extensions: object) -> str | None:
        rules = [
            ext.get("valueString")
            for ext in self.extensions(extensions, None)
            if ext.get("url") == EXT_SCORING
        ]
        if not rules:
            return None
        if len(rules) > 1 or rules[0] not in SCORING_RULES:
            raise self.fail(
                f"unknown scoring rule {rules!r}; known: {', '.join(sorted(SCORING_RULES))}"
            )
        return rules[0]

    def extensions(self, value: object, link_id: str | None) -> list[Mapping[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
            raise self.fail("'extension' must be a list of objects", link_id)
        return value

    def item(self, raw: object, seen: set[str], position: str) -> Item:
        if not isinstance(raw, dict):
            raise self.fail(f"item {position} must be a JSON object")
        link_id = raw.get("linkId")
        if not isinstance(link_id, str) or not link_id.strip():
            raise self.fail(f"item {position} has no linkId")
        if link_id in seen:
            raise self.fail(f"duplicate linkId '{link_id}'")
        seen.add(link_id)
        kind = raw.get("type")
        if kind not in ITEM_TYPES:
            raise self.fail(f"unknown type {kind!r}", link_id)
        text = raw.get("text", "")
        if not isinstance(text, str) or (kind != "group" and not text.strip()):
            raise self.fail("needs a non-empty 'text'", link_id)
        required = raw.get("required", False)
        if not isinstance(required, bool):
            raise self.fail("'required' must be true or false", link_id)
        if raw.get("repeats", False) is not False:
            raise self.fail("'repeats' is not supported", link_id)
        if "answerValueSet" in raw:
            raise self.fail("'answerValueSet' is not supported; list answerOption", link_id)
        if kind in NON_ANSWERABLE_TYPES and required:
            raise self.fail(f"a {kind} item cannot be required", link_id)

        raw_children = raw.get("item", [])
        if not isinstance(raw_children, list):
            raise self.fail("'item' must be a list", link_id)
        if kind == "group" and not raw_children:
            raise self.fail("a group needs child items", link_id)
        if kind != "group" and raw_children:
            raise self.fail("only group items may have child items", link_id)
        children = tuple(
            self.item(child, seen, f"#{n + 1} in '{link_id}'")
            for n, child in enumerate(raw_children)
        )

        options = self.options(raw.get("answerOption"), kind, link_id)
        low, high = self.bounds(raw.get("extension", []), kind, link_id)
        self.raw_conditions[link_id] = check_condition_shapes(
            raw.get("enableWhen", []), link_id, self.fail
        )
        behavior = raw.get("enableBehavior", "all")
        if behavior not in ENABLE_BEHAVIORS:
            raise self.fail(f"enableBehavior must be 'all' or 'any', not {behavior!r}", link_id)
        return Item(link_id, text, kind, required, children, options, (), behavior, low, high)

    def options(self, raw: object, kind: str, link_id: str) -> tuple[AnswerOption, ...]:
        if kind != "choice":
            if raw is not None:
                raise self.fail("answerOption is only allowed on choice items", link_id)
            return ()
        if not isinstance(raw, list) or not raw:
            raise self.fail("choice item has no answerOption", link_id)
        options: list[AnswerOption] = []
        for entry in raw:
            coding = entry.get("valueCoding") if isinstance(entry, dict) else None
            code = coding.get("code") if isinstance(coding, dict) else None
            if not isinstance(code, str) or not code:
                raise self.fail("each answerOption needs a valueCoding with a code", link_id)
            display = coding.get("display", code)
            if not isinstance(display, str):
                raise self.fail(f"option '{code}': display must be a string", link_id)
            if any(opt.code == code for opt in options):
                raise self.fail(f"duplicate option code '{code}'", link_id)
            ordinal: float | None = None
            for ext in self.extensions(entry.get("extension", []), link_id):
                if ext.get("url") == EXT_ORDINAL:
                    ordinal = float(self.number(ext, ("valueDecimal", "valueInteger"), link_id))
            if ordinal is None and _INTEGER_CODE.match(code):
                ordinal = float(int(code))  # numeric codes double as scores when unmarked
            options.append(AnswerOption(code, display, ordinal))
        return tuple(options)

    def bounds(self, raw: object, kind: str, link_id: str) -> tuple[float | None, float | None]:
        keys = ("valueInteger",) if kind == "integer" else ("valueDecimal", "valueInteger")
        found: dict[str, float | None] = {EXT_MIN: None, EXT_MAX: None}
        for ext in self.extensions(raw, link_id):
            url = ext.get("url")
            if url in found:
                if kind not in {"integer", "decimal"}:
                    raise self.fail("minValue/maxValue only apply to numbers", link_id)
                found[url] = self.number(ext, keys, link_id)
        low, high = found[EXT_MIN], found[EXT_MAX]
        if low is not None and high is not None and low > high:
            raise self.fail(f"minValue {low:g} is above maxValue {high:g}", link_id)
        return low, high

    def number(self, ext: Mapping[str, Any], keys: tuple[str, ...], link_id: str) -> float:
        for key in keys:
            value = ext.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return int(value) if key == "valueInteger" else float(value)
        raise self.fail(f"extension {ext.get('url')} needs a number in {'/'.join(keys)}", link_id)

    def check_scoring(self, form: FormDefinition) -> None:
        if form.scoring is None:
            return
        for link_id, kind in RULE_ITEMS[form.scoring].items():
            if link_id not in form or form.item(link_id).type != kind:
                raise self.fail(f"scoring '{form.scoring}' needs a {kind} item '{link_id}'")
            item = form.item(link_id)
            if kind == "choice" and any(opt.ordinal is None for opt in item.options):
                raise self.fail(
                    f"scoring '{form.scoring}' needs ordinal values on every option", link_id
                )
