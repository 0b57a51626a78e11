"""Curriculum packs: export, preview, import choices, and malformed files that change nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from facilitator.services.curriculum import authoring, library, packs
from facilitator.services.curriculum.dto import ModuleDraft, TopicDraft
from facilitator.services.errors import ValidationError
from facilitator.services.workspace import Workspace

from .helpers import synced

DRAFT = TopicDraft(
    title="Sleep Hygiene Basics", duration_min=30, objectives=("Name two sleep habits.",),
    key_points=("Regular wake time anchors sleep.",), activity="Build a wind-down routine.",
    discussion_prompts=("What keeps you up at night?",),
)


def _counts(ws: Workspace) -> tuple[int, ...]:
    with ws.transaction() as s:
        return tuple(int(s.scalar(text(f"SELECT count(*) FROM {t}"))) for t in
                     ("curriculum_modules", "curriculum_topics", "topic_versions"))


@pytest.fixture
def clinic_pack(ws: Workspace, tmp_path: Path) -> tuple[Path, str]:
    synced(ws)
    module = authoring.add_module(ws, ModuleDraft("Wellness", description="Body basics."))
    topic = authoring.add_topic(ws, module.key, DRAFT)
    path = tmp_path / "wellness.json"
    report = packs.export_pack(ws, [module.key], path, title="Wellness pack")
    assert (report.modules, report.topics) == (1, 1)
    return path, topic.key


def _edit_pack(path: Path, **topic_changes: Any) -> None:
    data = json.loads(path.read_text("utf-8"))
    data["modules"][0]["topics"][0].update(topic_changes)
    path.write_text(json.dumps(data), "utf-8")


def test_round_trip_of_the_shipped_library(ws: Workspace, tmp_path: Path) -> None:
    synced(ws)
    keys = [m.key for m in library.list_modules(ws)]
    path = tmp_path / "all.json"
    exported = packs.export_pack(ws, keys, path)
    pack = packs.read_pack(path)
    assert len(pack.modules) == len(keys) and exported.topics >= 60
    preview = packs.preview_pack(ws, path)
    assert {i.status for i in preview.items} == {packs.IDENTICAL}
    before = _counts(ws)
    report = packs.import_pack(ws, path)
    assert report.skipped == exported.topics and _counts(ws) == before


def test_a_pack_with_unknown_ids_imports_as_new(ws: Workspace, tmp_path: Path,
                                                     clinic_pack: tuple[Path, str]) -> None:
    path, _key = clinic_pack
    data = json.loads(path.read_text("utf-8"))
    data["modules"][0]["module"]["id"] = "wellness-two"
    data["modules"][0]["topics"][0]["id"] = "sleep-basics"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data), "utf-8")
    [item] = packs.preview_pack(ws, other).items
    assert item.status == packs.NEW
    report = packs.import_pack(ws, other)
    assert (report.added, report.modules_added) == (1, 1)
    topic = library.get_topic(ws, "sleep-basics")
    assert topic.title == DRAFT.title and topic.module_key == "wellness-two"


@pytest.mark.parametrize(("status", "changes"), [
    (packs.NEWER, {"version": 2, "title": "Sleep Hygiene, Updated"}),
    (packs.CONFLICT, {"title": "Sleep Hygiene, Their Way"}),
])
@pytest.mark.parametrize("choice", [packs.SKIP, packs.NEW_VERSION, packs.KEEP_BOTH])
def test_collisions_with_each_choice(ws: Workspace, clinic_pack: tuple[Path, str], status: str,
                                     changes: dict[str, Any], choice: str) -> None:
    path, key = clinic_pack
    _edit_pack(path, id=key, **changes)
    [item] = packs.preview_pack(ws, path).items
    assert (item.status, item.local_version) == (status, 1)
    report = packs.import_pack(ws, path, {key: choice})
    local = library.get_topic(ws, key)
    history = library.topic_history(ws, key)
    if choice == packs.SKIP:
        assert report.skipped == 1 and local.title == DRAFT.title and len(history) == 1
    elif choice == packs.NEW_VERSION:
        assert report.new_versions == 1 and local.title == changes["title"]
        assert [v.title for v in history] == [DRAFT.title, changes["title"]]
    else:
        assert report.kept_both == 1 and local.title == DRAFT.title
        copy = library.get_topic(ws, f"{key}-2")
        assert copy.title == changes["title"] and copy.module_key == local.module_key


@pytest.mark.parametrize(("content", "field"), [
    ("{not json", "pack"),
    (json.dumps([1, 2]), "pack"),
    (json.dumps({"pack": {"format": "other/9"}, "modules": []}), "pack.format"),
    (json.dumps({"pack": {"format": packs.PACK_FORMAT}, "modules": []}), "modules"),
])
def test_malformed_pack_names_the_problem_and_changes_nothing(
        ws: Workspace, tmp_path: Path, content: str, field: str) -> None:
    synced(ws)
    path = tmp_path / "bad.json"
    path.write_text(content, "utf-8")
    before = _counts(ws)
    with pytest.raises(ValidationError) as caught:
        packs.import_pack(ws, path)
    assert field in caught.value.fields and "bad.json" in str(caught.value)
    assert _counts(ws) == before


def test_a_topic_without_title_in_a_pack_names_the_field(
        ws: Workspace, clinic_pack: tuple[Path, str]) -> None:
    path, _key = clinic_pack
    data = json.loads(path.read_text("utf-8"))
    second = dict(data["modules"][0]["topics"][0], id="second-topic", title="")
    data["modules"][0]["topics"].append(second)
    path.write_text(json.dumps(data), "utf-8")
    before = _counts(ws)
    with pytest.raises(ValidationError) as caught:
        packs.preview_pack(ws, path)
    assert "modules[0].topics[1].title" in caught.value.fields
    assert "must be a non-empty string" in str(caught.value)
    with pytest.raises(ValidationError):
        packs.import_pack(ws, path)
    assert _counts(ws) == before


def test_impossible_choice_is_refused_before_anything_is_written(
        ws: Workspace, clinic_pack: tuple[Path, str]) -> None:
    path, key = clinic_pack
    _edit_pack(path, title="Changed")
    before = _counts(ws)
    with pytest.raises(ValidationError):
        packs.import_pack(ws, path, {key: packs.IMPORT})
    assert _counts(ws) == before


def test_exporting_a_module_with_a_50000_character_handout(ws: Workspace, tmp_path: Path) -> None:
    synced(ws)
    module = authoring.add_module(ws, ModuleDraft("Long reads"))
    authoring.add_topic(ws, module.key, replace(DRAFT, handout="a" * 50_000))
    path = tmp_path / "long.json"
    packs.export_pack(ws, [module.key], path)
    assert len(packs.read_pack(path).modules[0].topics[0].handout) == 50_000


def test_a_pack_changed_after_its_preview_is_refused(ws: Workspace,
                                                     clinic_pack: tuple[Path, str]) -> None:
    path, key = clinic_pack
    _edit_pack(path, title="Sleep and Mood", version=2)
    preview = packs.preview_pack(ws, path)
    assert [i.status for i in preview.items] == [packs.NEWER]
    _edit_pack(path, title="Something else entirely", version=3)  # changed behind the preview
    before = _counts(ws)
    with pytest.raises(ValidationError, match="changed after the preview"):
        packs.import_pack(ws, path, {key: packs.NEW_VERSION}, preview.checksum)
    assert _counts(ws) == before
    fresh = packs.preview_pack(ws, path)
    report = packs.import_pack(ws, path, {key: packs.NEW_VERSION}, fresh.checksum)
    assert report.new_versions == 1
