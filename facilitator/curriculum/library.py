"""Load and validate the curriculum library (one JSON file per module).

Pure Python on purpose: the same code validates the shipped library, clinic-made modules and
imported curriculum packs, and it must run in unit tests, in services and in build checks without
Qt or a database. Every problem is reported as a ``CurriculumError`` whose message names the file
and the field path, so a clinic admin can find and fix a broken pack without reading a traceback.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

SCHEMA_ID = "facilitator.curriculum/1"

# Kebab-case ids are stable keys stored with every delivered topic, so keep them boring and short.
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID_LEN = 64
MAX_TITLE_LEN = 200
MAX_DESCRIPTION_LEN = 2_000
MAX_ITEM_LEN = 1_000
MAX_ITEMS = 30
MAX_PARAGRAPH_LEN = 10_000
# Handouts are whole participant-facing documents; 60k characters is far above any real one
# but still small enough that a corrupted file cannot balloon memory or the UI.
MAX_HANDOUT_LEN = 60_000
MAX_TOPICS = 500
MIN_DURATION_MIN, MAX_DURATION_MIN = 15, 120
# Guard before json.loads so a stray multi-gigabyte file cannot freeze the app at start-up.
MAX_FILE_BYTES = 20 * 1024 * 1024

MODULE_KEYS = ("id", "title", "approach", "description", "core", "version")
TOPIC_KEYS = (
    "id", "title", "version", "duration_min", "objectives", "key_points", "activity",
    "discussion_prompts", "homework", "handout", "intervention_phrases",
)
TOP_KEYS = ("schema", "module", "topics")


class CurriculumError(ValueError):
    """A curriculum file violates the schema; the message is ``file: field.path: problem``."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        super().__init__(f"{source}: {field}: {problem}" if field else f"{source}: {problem}")


@dataclass(frozen=True, slots=True)
class TopicDef:
    """One teachable topic: what a facilitator needs to run a 15-120 minute segment."""

    module_id: str
    id: str
    title: str
    version: int
    duration_min: int
    objectives: tuple[str, ...]
    key_points: tuple[str, ...]
    activity: str
    discussion_prompts: tuple[str, ...]
    homework: str
    handout: str
    intervention_phrases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ModuleDef:
    """A curriculum module (e.g. Distress Tolerance) and its ordered topics."""

    id: str
    title: str
    approach: str
    description: str
    core: bool
    version: int
    topics: tuple[TopicDef, ...]


@dataclass(frozen=True, slots=True)
class LibraryLoad:
    """Result of loading a folder: everything that loaded, plus one message per problem."""

    modules: tuple[ModuleDef, ...]
    errors: tuple[str, ...]


class _Checker:
    """Small helper binding the source name so each check can raise a precise error."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> CurriculumError:
        return CurriculumError(self.source, path, problem)

    def obj(self, value: object, path: str, keys: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "must be an object")
        # Unknown keys are rejected rather than ignored: a typo such as "handouts" would
        # otherwise silently drop content, and round-tripping packs must not lose data.
        unknown = sorted(str(k) for k in value if k not in keys)
        if unknown:
            raise self.fail(path, f"unknown key(s) {', '.join(map(repr, unknown))}; "
                                  f"allowed: {', '.join(keys)}")
        for key in keys:
            if key not in value:
                raise self.fail(_join(path, key), "is required")
        return value

    def text(self, value: object, path: str, max_len: int, *, single_line: bool = False,
             allow_empty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(path, "must be a string" if allow_empty else
                            "must be a non-empty string")
        if not allow_empty and not value.strip():
            raise self.fail(path, "must be a non-empty string")
        if len(value) > max_len:
            raise self.fail(path, f"is {len(value)} characters; the maximum is {max_len}")
        allowed = "" if single_line else "\n\t"
        for ch in value:
            # Control characters break rendering and PDF export; emoji and RTL scripts are fine.
            if ch not in allowed and unicodedata.category(ch) == "Cc":
                what = "a line break" if ch in "\r\n" else f"control character U+{ord(ch):04X}"
                raise self.fail(path, f"must not contain {what}")
        return value

    def ident(self, value: object, path: str) -> str:
        text = self.text(value, path, MAX_ID_LEN, single_line=True)
        if not ID_PATTERN.fullmatch(text):
            raise self.fail(path, f"{text!r} is not a lowercase kebab-case id (e.g. 'dt-stop')")
        return text

    def integer(self, value: object, path: str, low: int, high: int) -> int:
        # bool is a subclass of int in Python; "true" as a version is a mistake, not 1.
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(path, "must be a whole number")
        if not low <= value <= high:
            raise self.fail(path, f"must be between {low} and {high}, got {value}")
        return value

    def boolean(self, value: object, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, "must be true or false")
        return value

    def text_list(self, value: object, path: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(path, "must be a list of strings")
        if not value:
            raise self.fail(path, "must contain at least one item")
        if len(value) > MAX_ITEMS:
            raise self.fail(path, f"has {len(value)} items; the maximum is {MAX_ITEMS}")
        return tuple(self.text(item, f"{path}[{i}]", MAX_ITEM_LEN, single_line=True)
                     for i, item in enumerate(value))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _parse_topic(check: _Checker, raw: object, path: str, module_id: str) -> TopicDef:
    data = check.obj(raw, path, TOPIC_KEYS)
    p = partial(_join, path)
    return TopicDef(
        module_id=module_id,
        id=check.ident(data["id"], p("id")),
        title=check.text(data["title"], p("title"), MAX_TITLE_LEN, single_line=True),
        version=check.integer(data["version"], p("version"), 1, 1_000_000),
        duration_min=check.integer(data["duration_min"], p("duration_min"),
                                   MIN_DURATION_MIN, MAX_DURATION_MIN),
        objectives=check.text_list(data["objectives"], p("objectives")),
        key_points=check.text_list(data["key_points"], p("key_points")),
        activity=check.text(data["activity"], p("activity"), MAX_PARAGRAPH_LEN),
        discussion_prompts=check.text_list(data["discussion_prompts"], p("discussion_prompts")),
        # Clinic-made topics may not have homework or a handout yet, so these may be empty.
        homework=check.text(data["homework"], p("homework"), MAX_PARAGRAPH_LEN, allow_empty=True),
        handout=check.text(data["handout"], p("handout"), MAX_HANDOUT_LEN, allow_empty=True),
        intervention_phrases=check.text_list(data["intervention_phrases"],
                                             p("intervention_phrases")),
    )


def parse_module(data: object, source: str) -> ModuleDef:
    """Validate one decoded curriculum file and return it; raise ``CurriculumError`` if invalid."""
    check = _Checker(source)
    top = check.obj(data, "", TOP_KEYS)
    if top["schema"] != SCHEMA_ID:
        raise check.fail("schema", f"must be {SCHEMA_ID!r}, got {top['schema']!r}")
    mod = check.obj(top["module"], "module", MODULE_KEYS)
    module_id = check.ident(mod["id"], "module.id")
    title = check.text(mod["title"], "module.title", MAX_TITLE_LEN, single_line=True)
    approach = check.text(mod["approach"], "module.approach", MAX_TITLE_LEN, single_line=True)
    description = check.text(mod["description"], "module.description", MAX_DESCRIPTION_LEN)
    core = check.boolean(mod["core"], "module.core")
    version = check.integer(mod["version"], "module.version", 1, 1_000_000)
    raw_topics = top["topics"]
    if not isinstance(raw_topics, list):
        raise check.fail("topics", "must be a list of topics")
    if not raw_topics:
        raise check.fail("topics", "must contain at least one topic")
    if len(raw_topics) > MAX_TOPICS:
        raise check.fail("topics", f"has {len(raw_topics)} topics; the maximum is {MAX_TOPICS}")
    topics: list[TopicDef] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_topics):
        topic = _parse_topic(check, raw, f"topics[{i}]", module_id)
        if topic.id in seen:
            raise check.fail(f"topics[{i}].id", f"duplicate topic id {topic.id!r} in this file")
        seen.add(topic.id)
        topics.append(topic)
    return ModuleDef(module_id, title, approach, description, core, version, tuple(topics))


def module_to_dict(module: ModuleDef) -> dict[str, Any]:
    """Inverse of ``parse_module``: the exact JSON-ready structure, used for pack export."""
    return {
        "schema": SCHEMA_ID,
        "module": {
            "id": module.id, "title": module.title, "approach": module.approach,
            "description": module.description, "core": module.core, "version": module.version,
        },
        "topics": [
            {
                "id": t.id, "title": t.title, "version": t.version,
                "duration_min": t.duration_min, "objectives": list(t.objectives),
                "key_points": list(t.key_points), "activity": t.activity,
                "discussion_prompts": list(t.discussion_prompts), "homework": t.homework,
                "handout": t.handout, "intervention_phrases": list(t.intervention_phrases),
            }
            for t in module.topics
        ],
    }


def reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for curriculum files and packs: a repeated key is a ValueError."""
    # json.loads keeps the last duplicate silently, which would hide an editing mistake.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def read_module_file(path: Path) -> ModuleDef:
    """Read, decode and validate one curriculum file; every failure is a ``CurriculumError``."""
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CurriculumError(name, "", f"file is {size} bytes; the maximum is "
                                            f"{MAX_FILE_BYTES}")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise CurriculumError(name, "", f"cannot be read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise CurriculumError(name, "", f"is not valid UTF-8 (byte {exc.start})") from exc
    try:
        data = json.loads(text, object_pairs_hook=reject_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise CurriculumError(name, "", f"invalid JSON at line {exc.lineno} column "
                                        f"{exc.colno}: {exc.msg}") from exc
    except (ValueError, RecursionError) as exc:
        raise CurriculumError(name, "", f"invalid JSON: {exc}") from exc
    return parse_module(data, name)


def load_library(folder: Path) -> LibraryLoad:
    """Load every ``*.json`` module in ``folder``; broken files are reported, never fatal.

    Files load in name order so results are deterministic. A module id or topic id already
    loaded from an earlier file is reported and the later occurrence skipped, because ids are
    the keys stored with delivered topics and must mean exactly one thing.
    """
    if not folder.is_dir():
        return LibraryLoad((), (f"{folder}: curriculum folder not found",))
    modules: list[ModuleDef] = []
    errors: list[str] = []
    module_files: dict[str, str] = {}
    topic_files: dict[str, str] = {}
    for path in sorted(folder.glob("*.json"), key=lambda p: p.name):
        try:
            module = read_module_file(path)
        except CurriculumError as exc:
            errors.append(str(exc))
            continue
        if module.id in module_files:
            errors.append(f"{path.name}: module.id: duplicate module id {module.id!r} "
                          f"(already loaded from {module_files[module.id]}); file skipped")
            continue
        module_files[module.id] = path.name
        kept: list[TopicDef] = []
        for i, topic in enumerate(module.topics):
            if topic.id in topic_files:
                errors.append(f"{path.name}: topics[{i}].id: duplicate topic id {topic.id!r} "
                              f"(already loaded from {topic_files[topic.id]}); topic skipped")
                continue
            topic_files[topic.id] = path.name
            kept.append(topic)
        modules.append(module if len(kept) == len(module.topics)
                       else replace(module, topics=tuple(kept)))
    return LibraryLoad(tuple(modules), tuple(errors))


def default_library_path() -> Path:
    """The shipped library: inside the PyInstaller bundle when frozen, else the repo folder."""
    bundle_root: str | None = getattr(sys, "_MEIPASS", None)
    if bundle_root:
        return Path(bundle_root) / "resources" / "curriculum"
    return Path(__file__).resolve().parents[2] / "resources" / "curriculum"

