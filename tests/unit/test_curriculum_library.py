"""Unit tests for the curriculum library: shipped content and the pure loader/validator."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from facilitator.curriculum import (
    CurriculumError,
    ModuleDef,
    default_library_path,
    load_library,
    module_to_dict,
    parse_module,
)

Mutator = Callable[[dict[str, Any]], None]


def _valid_module(module_id: str = "test-module", topic_ids: tuple[str, ...] = ("t-one",)) -> dict:
    """A minimal, valid curriculum file as decoded JSON."""
    return {
        "schema": "facilitator.curriculum/1",
        "module": {
            "id": module_id, "title": "Test Module", "approach": "CBT",
            "description": "A module used only by tests.", "core": False, "version": 1,
        },
        "topics": [
            {
                "id": topic_id, "title": f"Topic {topic_id}", "version": 1, "duration_min": 45,
                "objectives": ["Learn a thing."], "key_points": ["Point one.", "Point two."],
                "activity": "Do an exercise.", "discussion_prompts": ["What did you notice?"],
                "homework": "Practice daily.", "handout": "Paragraph one.\n\nParagraph two.",
                "intervention_phrases": ["Facilitator taught a skill; participants practiced it."],
            }
            for topic_id in topic_ids
        ],
    }


def _write(folder: Path, name: str, data: object) -> Path:
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# --- shipped library -------------------------------------------------------------------------


def test_shipped_library_loads_without_errors() -> None:
    result = load_library(default_library_path())
    assert result.errors == ()
    assert len(result.modules) >= 10
    assert sum(len(m.topics) for m in result.modules) >= 70


def test_shipped_library_covers_required_modules_and_core_flags() -> None:
    modules = {m.id: m for m in load_library(default_library_path()).modules}
    core = {
        "dbt-mindfulness", "dbt-distress-tolerance", "dbt-emotion-regulation",
        "dbt-interpersonal-effectiveness", "cbt-foundations", "relapse-prevention",
    }
    other = {
        "early-recovery", "motivational-interviewing", "twelve-step-facilitation",
        "recovery-psychoeducation", "trauma-informed-grounding",
    }
    assert core | other <= modules.keys()
    assert {m_id for m_id, m in modules.items() if m.core} == core


def test_shipped_topics_are_complete_and_note_ready() -> None:
    for module in load_library(default_library_path()).modules:
        assert module.topics, module.id
        for topic in module.topics:
            where = f"{module.id}/{topic.id}"
            assert topic.module_id == module.id
            assert topic.objectives and all(s.strip() for s in topic.objectives), where
            assert 3 <= len(topic.key_points) <= 6, where
            assert 3 <= len(topic.discussion_prompts) <= 5, where
            assert 2 <= len(topic.intervention_phrases) <= 4, where
            assert topic.activity.strip() and topic.homework.strip(), where
            assert topic.handout.strip(), where
            # Note phrases go straight into clinical notes: third person about the facilitator.
            assert all(p.startswith("Facilitator ") for p in topic.intervention_phrases), where


def test_shipped_file_names_match_module_ids() -> None:
    folder = default_library_path()
    for module in load_library(folder).modules:
        assert (folder / f"{module.id}.json").is_file()


# --- validation messages ---------------------------------------------------------------------


def _set(path: tuple[Any, ...], value: object) -> Mutator:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return mutate


def _delete(path: tuple[Any, ...]) -> Mutator:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return mutate


BROKEN: list[tuple[str, Mutator, str, str]] = [
    ("wrong-schema", _set(("schema",), "other/2"), "schema", "must be"),
    ("unknown-top-key", _set(("extra",), 1), "", "unknown key(s) 'extra'"),
    ("module-not-object", _set(("module",), []), "module", "must be an object"),
    ("missing-module-title", _delete(("module", "title")), "module.title", "is required"),
    ("bad-module-id", _set(("module", "id"), "Bad_Id"), "module.id", "kebab-case"),
    ("core-not-bool", _set(("module", "core"), "yes"), "module.core", "true or false"),
    ("version-bool", _set(("module", "version"), True), "module.version", "whole number"),
    ("topics-empty", _set(("topics",), []), "topics", "at least one topic"),
    ("empty-title", _set(("topics", 0, "title"), "   "), "topics[0].title",
     "must be a non-empty string"),
    ("title-too-long", _set(("topics", 0, "title"), "x" * 201), "topics[0].title",
     "maximum is 200"),
    ("title-newline", _set(("topics", 0, "title"), "a\nb"), "topics[0].title", "line break"),
    ("duration-low", _set(("topics", 0, "duration_min"), 14), "topics[0].duration_min",
     "between 15 and 120"),
    ("duration-high", _set(("topics", 0, "duration_min"), 121), "topics[0].duration_min",
     "between 15 and 120"),
    ("duration-float", _set(("topics", 0, "duration_min"), 45.0), "topics[0].duration_min",
     "whole number"),
    ("objectives-empty", _set(("topics", 0, "objectives"), []), "topics[0].objectives",
     "at least one item"),
    ("key-point-not-string", _set(("topics", 0, "key_points", 1), 7),
     "topics[0].key_points[1]", "non-empty string"),
    ("unknown-topic-key", _set(("topics", 0, "handouts"), "typo"), "topics[0]",
     "unknown key(s) 'handouts'"),
    ("missing-phrases", _delete(("topics", 0, "intervention_phrases")),
     "topics[0].intervention_phrases", "is required"),
    ("handout-too-long", _set(("topics", 0, "handout"), "x" * 60_001), "topics[0].handout",
     "maximum is 60000"),
    ("control-char", _set(("topics", 0, "activity"), "bad\x00text"), "topics[0].activity",
     "U+0000"),
    ("dup-in-file", _set(("topics", 1, "id"), "t-one"), "topics[1].id", "duplicate topic id"),
]


@pytest.mark.parametrize(("mutate", "field", "fragment"),
                         [pytest.param(m, f, s, id=name) for name, m, f, s in BROKEN])
def test_validation_error_names_file_and_field(mutate: Mutator, field: str, fragment: str) -> None:
    data = _valid_module(topic_ids=("t-one", "t-two"))
    mutate(data)
    with pytest.raises(CurriculumError) as info:
        parse_module(data, "broken.json")
    message = str(info.value)
    prefix = f"broken.json: {field}: " if field else "broken.json: "
    assert message.startswith(prefix), message
    assert fragment in message
    assert info.value.field == field


def test_curriculum_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=re.escape("x.json: module: must be an object")):
        parse_module({"schema": "facilitator.curriculum/1", "module": 3, "topics": []}, "x.json")


# --- loading a folder ------------------------------------------------------------------------


def test_broken_files_are_reported_and_others_still_load(tmp_path: Path) -> None:
    _write(tmp_path, "a-good.json", _valid_module("a-good", ("a-1", "a-2")))
    (tmp_path / "b-bad-json.json").write_text("{ not json", encoding="utf-8")
    bad_schema = _valid_module("c-bad-schema", ("c-1",))
    bad_schema["topics"][0]["duration_min"] = 500
    _write(tmp_path, "c-bad-schema.json", bad_schema)
    (tmp_path / "d-not-utf8.json").write_bytes(b"\xff\xfe\x00garbage")
    _write(tmp_path, "e-good.json", _valid_module("e-good", ("e-1",)))
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")

    result = load_library(tmp_path)

    assert [m.id for m in result.modules] == ["a-good", "e-good"]
    assert len(result.errors) == 3
    assert result.errors[0].startswith("b-bad-json.json: invalid JSON at line 1")
    assert result.errors[1].startswith("c-bad-schema.json: topics[0].duration_min:")
    assert result.errors[2].startswith("d-not-utf8.json: is not valid UTF-8")


def test_duplicate_topic_id_across_files_is_reported_and_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "first.json", _valid_module("first", ("shared-id", "first-only")))
    _write(tmp_path, "second.json", _valid_module("second", ("second-only", "shared-id")))

    result = load_library(tmp_path)

    by_id = {m.id: m for m in result.modules}
    assert [t.id for t in by_id["first"].topics] == ["shared-id", "first-only"]
    assert [t.id for t in by_id["second"].topics] == ["second-only"]
    assert len(result.errors) == 1
    assert result.errors[0].startswith("second.json: topics[1].id: duplicate topic id 'shared-id'")
    assert "first.json" in result.errors[0]


def test_duplicate_module_id_across_files_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, "one.json", _valid_module("same", ("one-a",)))
    _write(tmp_path, "two.json", _valid_module("same", ("two-a",)))
    result = load_library(tmp_path)
    assert [m.id for m in result.modules] == ["same"]
    assert result.modules[0].topics[0].id == "one-a"
    assert len(result.errors) == 1 and result.errors[0].startswith("two.json: module.id:")


def test_duplicate_json_keys_are_rejected(tmp_path: Path) -> None:
    text = json.dumps(_valid_module("dup-keys"))
    text = text.replace('"version": 1}', '"version": 1, "version": 2}', 1)
    (tmp_path / "dup-keys.json").write_text(text, encoding="utf-8")
    result = load_library(tmp_path)
    assert result.modules == ()
    assert result.errors == ("dup-keys.json: invalid JSON: duplicate key 'version'",)


def test_missing_folder_is_an_error_not_a_crash(tmp_path: Path) -> None:
    result = load_library(tmp_path / "nope")
    assert result.modules == ()
    assert len(result.errors) == 1 and "not found" in result.errors[0]


def test_large_handout_loads(tmp_path: Path) -> None:
    data = _valid_module("big")
    handout = ("A long handout paragraph. " * 2_000)[:50_000]
    data["topics"][0]["handout"] = handout
    _write(tmp_path, "big.json", data)
    result = load_library(tmp_path)
    assert result.errors == ()
    assert len(result.modules[0].topics[0].handout) == 50_000


def test_emoji_and_right_to_left_titles_load(tmp_path: Path) -> None:
    data = _valid_module("intl", ("intl-1", "intl-2"))
    data["module"]["title"] = "Recovery 🌱 Skills"
    data["topics"][0]["title"] = "مهارات التأقلم 🧘"
    data["topics"][1]["title"] = "כישורי התמודדות"
    _write(tmp_path, "intl.json", data)
    result = load_library(tmp_path)
    assert result.errors == ()
    module = result.modules[0]
    assert module.title == "Recovery 🌱 Skills"
    assert [t.title for t in module.topics] == ["مهارات التأقلم 🧘", "כישורי התמודדות"]


# --- round trip ------------------------------------------------------------------------------


def test_round_trip_dict_to_module_to_dict_is_exact() -> None:
    data = _valid_module("round", ("r-1", "r-2"))
    data["module"]["core"] = True
    data["topics"][1]["homework"] = ""
    original = copy.deepcopy(data)
    module = parse_module(data, "round.json")
    assert isinstance(module, ModuleDef)
    assert module_to_dict(module) == original
    assert parse_module(module_to_dict(module), "again.json") == module


def test_round_trip_every_shipped_file_exactly() -> None:
    folder = default_library_path()
    for path in sorted(folder.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        assert module_to_dict(parse_module(raw, path.name)) == raw, path.name


def test_default_library_path_uses_pyinstaller_bundle(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    assert default_library_path() == tmp_path / "resources" / "curriculum"
