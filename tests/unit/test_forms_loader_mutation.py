"""Form-file validation, message by message (issue 14).

Clinics edit these files by hand; each mistake must give the one sentence that names the file,
the item and what is wrong, and everything a valid file says must reach the definition. Whole
messages are compared, so a garbled or wrong message shows.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from facilitator.forms import FormError, default_forms_path, load_form_file, load_forms, parse_form

EXT = "http://hl7.org/fhir/StructureDefinition/"
SCORING = "https://facilitator.local/fhir/scoring"


def form(*items: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"resourceType": "Questionnaire", "id": "t", **top, "item": list(items)}


def q(link_id: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
    return {"linkId": link_id, "text": f"Question {link_id}", "type": kind, **extra}


def choice(link_id: str, *options: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return q(link_id, "choice", answerOption=list(options), **extra)


def opt(code: Any, **extra: Any) -> dict[str, Any]:
    return {"valueCoding": {"code": code, **extra}}


def bound(which: str, **value: Any) -> dict[str, Any]:
    return {"url": EXT + which, **value}


def error(data: object) -> str:
    with pytest.raises(FormError) as caught:
        parse_form(data, "t.json")
    return str(caught.value)


@pytest.mark.parametrize(("data", "message"), [
    ([], "t.json: expected a JSON object (a FHIR Questionnaire)"),
    (form(q("a"), id=None), "t.json: id must be 1–64 letters, digits, '-' or '.', not None"),
    (form(q("a"), id=""), "t.json: id must be 1–64 letters, digits, '-' or '.', not ''"),
    (form(q("a"), id="a b"), "t.json: id must be 1–64 letters, digits, '-' or '.', not 'a b'"),
    (form(q("a"), id="x" * 65),
     f"t.json: id must be 1–64 letters, digits, '-' or '.', not '{'x' * 65}'"),
    (form(q("a"), title=3), "t.json: title and version must be strings"),
    (form(q("a"), version=2), "t.json: title and version must be strings"),
    (form(q("a"), status="final"), "t.json: unknown status 'final'"),
    (form(q("a"), extension={}), "t.json: 'extension' must be a list of objects"),
    (form(q("a"), extension=["x"]), "t.json: 'extension' must be a list of objects"),
    (form(q("a"), extension=[{"url": SCORING, "valueString": "phq10"}]),
     "t.json: unknown scoring rule ['phq10']; known: checkin, checkout, gad7, phq9"),
    (form(q("safe", "boolean"), extension=[{"url": SCORING, "valueString": "checkout"}] * 2),
     "t.json: unknown scoring rule ['checkout', 'checkout']; known: checkin, checkout, gad7, "
     "phq9"),
    ({"resourceType": "Questionnaire", "id": "t"}, "t.json: a form needs a non-empty 'item' list"),
    (form(), "t.json: a form needs a non-empty 'item' list"),
    ({"resourceType": "Questionnaire", "id": "t", "item": {}},
     "t.json: a form needs a non-empty 'item' list"),
    (form("a"), "t.json: item #1 must be a JSON object"),
    (form(q("a"), {"linkId": "  ", "text": "x", "type": "string"}),
     "t.json: item #2 has no linkId"),
    (form({"linkId": 5, "text": "x", "type": "string"}), "t.json: item #1 has no linkId"),
    (form({"linkId": "g", "type": "group", "item": [q("a"), {"type": "string"}]}),
     "t.json: item #2 in 'g' has no linkId"),
    (form(q("a"), q("a")), "t.json: duplicate linkId 'a'"),
    (form(q("a", "date")), "t.json: item 'a': unknown type 'date'"),
    (form({"linkId": "a", "type": "string"}), "t.json: item 'a': needs a non-empty 'text'"),
    (form(q("a", text="  ")), "t.json: item 'a': needs a non-empty 'text'"),
    (form(q("a", text=["x"])), "t.json: item 'a': needs a non-empty 'text'"),
    (form(q("a", required="yes")), "t.json: item 'a': 'required' must be true or false"),
    (form(q("a", repeats=None)), "t.json: item 'a': 'repeats' is not supported"),
    (form(q("a", answerValueSet="x")),
     "t.json: item 'a': 'answerValueSet' is not supported; list answerOption"),
    (form(q("d", "display", required=True)), "t.json: item 'd': a display item cannot be required"),
    (form({"linkId": "g", "type": "group", "required": True, "item": [q("a")]}),
     "t.json: item 'g': a group item cannot be required"),
    (form({"linkId": "g", "type": "group", "item": {}}), "t.json: item 'g': 'item' must be a list"),
    (form(q("a", item=[q("b")])), "t.json: item 'a': only group items may have child items"),
    (form(q("a", enableBehavior="some")),
     "t.json: item 'a': enableBehavior must be 'all' or 'any', not 'some'"),
    (form(q("a", answerOption=[])),
     "t.json: item 'a': answerOption is only allowed on choice items"),
    (form(q("c", "choice")), "t.json: item 'c': choice item has no answerOption"),
    (form(choice("c")), "t.json: item 'c': choice item has no answerOption"),
    (form(choice("c", "x")), "t.json: item 'c': each answerOption needs a valueCoding with a code"),
    (form(choice("c", {"valueCoding": "x"})),
     "t.json: item 'c': each answerOption needs a valueCoding with a code"),
    (form(choice("c", opt(""))),
     "t.json: item 'c': each answerOption needs a valueCoding with a code"),
    (form(choice("c", opt(1))),
     "t.json: item 'c': each answerOption needs a valueCoding with a code"),
    (form(choice("c", opt("a", display=1))),
     "t.json: item 'c': option 'a': display must be a string"),
    (form(choice("c", opt("a"), opt("b"), opt("a"))),
     "t.json: item 'c': duplicate option code 'a'"),
    (form(choice("c", {**opt("a"), "extension": [{"url": EXT + "ordinalValue"}]})),
     f"t.json: item 'c': extension {EXT}ordinalValue needs a number in valueDecimal/valueInteger"),
    (form(q("a", extension=[bound("minValue", valueInteger=1)])),
     "t.json: item 'a': minValue/maxValue only apply to numbers"),
    (form(q("n", "integer", extension=[bound("maxValue", valueDecimal=1.5)])),
     f"t.json: item 'n': extension {EXT}maxValue needs a number in valueInteger"),
    (form(q("n", "integer", extension=[bound("minValue", valueInteger=True)])),
     f"t.json: item 'n': extension {EXT}minValue needs a number in valueInteger"),
    (form(q("n", "decimal", extension=[bound("minValue", valueDecimal=2.5),
                                       bound("maxValue", valueInteger=2)])),
     "t.json: item 'n': minValue 2.5 is above maxValue 2"),
    (form(q("safe", "string"), extension=[{"url": SCORING, "valueString": "checkout"}]),
     "t.json: scoring 'checkout' needs a boolean item 'safe'"),
    (form(q("x", "boolean"), extension=[{"url": SCORING, "valueString": "checkout"}]),
     "t.json: scoring 'checkout' needs a boolean item 'safe'"),
])
def test_each_mistake_has_its_message(data: object, message: str) -> None:
    assert error(data) == message


def test_scoring_needs_an_ordinal_on_every_option() -> None:
    items = [choice(f"gad7-{n}", opt("0"), opt("1")) for n in range(1, 8)]
    items[3] = choice("gad7-4", opt("0"), opt("often"))
    data = form(*items, extension=[{"url": SCORING, "valueString": "gad7"}])
    assert error(data) == (
        "t.json: item 'gad7-4': scoring 'gad7' needs ordinal values on every option")


def test_a_valid_file_says_everything_it_declares() -> None:
    data = form(
        {"linkId": "g", "type": "group", "item": [
            q("n", "integer", required=True, repeats=False,
              extension=[bound("minValue", valueInteger=0), bound("maxValue", valueInteger=10)]),
            q("d", "decimal", extension=[bound("minValue", valueDecimal=0.5),
                                         bound("maxValue", valueInteger=2)]),
        ]},
        choice("c", opt("-2"), opt("a", display="Often"),
               {**opt("7"), "extension": [{"url": EXT + "ordinalValue", "valueInteger": 3}]},
               {**opt("b"), "extension": [{"url": EXT + "ordinalValue", "valueDecimal": 1.5}]}),
        q("e", "display", enableBehavior="any"),
        id="my-form.v2", name="Fallback name", version="2.1", status="draft",
    )
    parsed = parse_form(data, "t.json")
    assert (parsed.id, parsed.title, parsed.version, parsed.scoring, parsed.source) == (
        "my-form.v2", "Fallback name", "2.1", None, "t.json")
    n, d = parsed.item("n"), parsed.item("d")
    assert (n.required, n.min_value, n.max_value) == (True, 0, 10)
    assert type(n.min_value) is int and type(d.min_value) is float
    assert (d.required, d.min_value, d.max_value) == (False, 0.5, 2)
    assert parsed.parent("n") == parsed.item("g") and parsed.item("g").text == ""
    options = [(o.code, o.display, o.ordinal) for o in parsed.item("c").options]
    assert options == [("-2", "-2", -2.0), ("a", "Often", None), ("7", "7", 3.0),
                       ("b", "b", 1.5)]
    assert parsed.item("e").enable_behavior == "any"
    assert parsed.item("c").enable_behavior == "all"


def test_title_falls_back_to_the_id_and_ids_up_to_64_characters() -> None:
    parsed = parse_form(form(q("a"), id="x" * 64), "t.json")
    assert (parsed.title, parsed.version) == ("x" * 64, "")
    for status in ("draft", "active", "retired", "unknown"):
        parse_form(form(q("a"), status=status), "t.json")


def test_equal_bounds_are_allowed() -> None:
    parsed = parse_form(form(q("n", "integer", extension=[
        bound("minValue", valueInteger=4), bound("maxValue", valueInteger=4)])), "t.json")
    assert (parsed.item("n").min_value, parsed.item("n").max_value) == (4, 4)


def test_scoring_rule_is_read_from_its_extension() -> None:
    data = form(q("safe", "boolean"), extension=[
        {"url": "https://example.org/other", "valueString": "phq9"},
        {"url": SCORING, "valueString": "checkout"}])
    assert parse_form(data, "t.json").scoring == "checkout"


def test_unreadable_files_are_reported_by_name(tmp_path: Path) -> None:
    (tmp_path / "latin1.json").write_bytes('{"title": "caf\xe9"}'.encode("latin-1"))
    with pytest.raises(FormError, match=r"^latin1\.json: not UTF-8 text \(invalid continuation"):
        load_form_file(tmp_path / "latin1.json")
    (tmp_path / "folder.json").mkdir()
    with pytest.raises(FormError, match=r"^folder\.json: cannot read file \(Is a directory\)$"):
        load_form_file(tmp_path / "folder.json")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(FormError, match=r"^deep\.json: invalid JSON: nested too deeply$"):
        load_form_file(tmp_path / "deep.json")


def test_hostile_nesting_is_a_form_error() -> None:
    item: dict[str, Any] = q("leaf")
    for n in range(3000):
        item = {"linkId": f"g{n}", "type": "group", "item": [item]}
    with pytest.raises(FormError, match=r"^t\.json: items are nested too deeply$"):
        parse_form(form(item), "t.json")


def test_folder_loads_only_json_files_in_name_order(tmp_path: Path) -> None:
    for name, form_id in (("b.json", "same"), ("a.json", "same"), ("c.txt", "other")):
        (tmp_path / name).write_text(json.dumps(form(q("x"), id=form_id)), "utf-8")
    result = load_forms(tmp_path)
    assert list(result.forms) == ["same"] and result.forms["same"].source == "a.json"
    assert result.errors == ("b.json: duplicate form id 'same' (already defined in a.json)",)
    not_a_folder = tmp_path / "a.json"
    assert load_forms(not_a_folder).errors == (f"{not_a_folder}: forms folder not found",)


def test_forms_folder_in_a_checkout_and_in_a_bundle(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    assert default_forms_path() == Path(__file__).resolve().parents[2] / "forms"
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert default_forms_path() == Path(__file__).resolve().parents[2] / "forms"  # not frozen
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert default_forms_path() == tmp_path / "forms"


def test_a_broken_file_does_not_stop_the_ones_after_it(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{", "utf-8")
    (tmp_path / "b.json").write_text(json.dumps(form(q("x"), id="b")), "utf-8")
    result = load_forms(tmp_path)
    assert list(result.forms) == ["b"] and len(result.errors) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.errors = ()  # type: ignore[misc]


def test_a_duplicate_id_does_not_stop_the_files_after_it(tmp_path: Path) -> None:
    for name, form_id in (("a.json", "same"), ("b.json", "same"), ("c.json", "third")):
        (tmp_path / name).write_text(json.dumps(form(q("x"), id=form_id)), "utf-8")
    result = load_forms(tmp_path)
    assert sorted(result.forms) == ["same", "third"] and len(result.errors) == 1
