"""Library sync, browsing, clinic authoring and versioning on a real encrypted database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, text

from facilitator.curriculum import default_library_path, load_library
from facilitator.models.curriculum import TopicVersion
from facilitator.services import audit
from facilitator.services.curriculum import authoring, delivery, library
from facilitator.services.curriculum.dto import ModuleDraft, TopicDraft
from facilitator.services.errors import Conflict, ValidationError
from facilitator.services.workspace import Workspace

from .helpers import make_group, make_session, synced

DRAFT = TopicDraft(
    title="Riding the Wave of an Urge", duration_min=45,
    objectives=("Notice an urge rise and fall without acting on it.",),
    key_points=("Urges peak and pass, usually within 30 minutes.", "Breathing anchors you."),
    activity="Guided urge-surfing practice for five minutes, then pair share.",
    discussion_prompts=("When did an urge pass without you acting on it?",),
)


def _count(ws: Workspace, table: str) -> int:
    with ws.transaction() as s:
        return int(s.scalar(text(f"SELECT count(*) FROM {table}")))


def test_sync_is_idempotent_and_adds_the_whole_library(ws: Workspace) -> None:
    shipped = load_library(default_library_path())
    first = library.sync_shipped_library(ws)
    assert first.modules_added == len(shipped.modules) >= 8
    assert first.topics_added == sum(len(m.topics) for m in shipped.modules) >= 60
    versions = _count(ws, "topic_versions")
    events = len(audit.list_events(ws))
    again = library.sync_shipped_library(ws)
    assert not again.changed
    assert _count(ws, "topic_versions") == versions
    assert len(audit.list_events(ws)) == events  # a no-op sync writes nothing, not even audit


def test_a_newer_shipped_version_adds_a_version_row(ws: Workspace) -> None:
    shipped = load_library(default_library_path()).modules
    library.sync_shipped_library(ws, shipped)
    module = shipped[0]
    topic = module.topics[0]
    changed = replace(topic, version=topic.version + 1, title=topic.title + " (revised)")
    updated = replace(module, topics=(changed, *module.topics[1:]))
    report = library.sync_shipped_library(ws, (updated, *shipped[1:]))
    assert (report.topics_added, report.versions_added) == (0, 1)
    assert library.get_topic(ws, topic.id).title == topic.title + " (revised)"
    history = library.topic_history(ws, topic.id)
    assert [v.version for v in history] == [topic.version, topic.version + 1]


def test_search_matches_title_key_points_and_module(ws: Workspace) -> None:
    synced(ws)
    everything = library.search_topics(ws)
    assert len(everything) >= 60
    assert library.search_topics(ws, "no such words anywhere") == []
    by_module = library.search_topics(ws, "distress tolerance")
    assert by_module and all(t.module_key == "dbt-distress-tolerance" for t in by_module)
    first = everything[0]
    word = library.get_topic(ws, first.key).key_points[0].split()[0]
    assert first.key in {t.key for t in library.search_topics(ws, word)}
    only = library.search_topics(ws, module_key="relapse-prevention")
    assert only and {t.module_key for t in only} == {"relapse-prevention"}


def test_clinic_topic_with_a_50000_character_handout(ws: Workspace) -> None:
    synced(ws)
    module = authoring.add_module(ws, ModuleDraft("Clinic Extras", description="Our own."))
    handout = ("Practice daily. " * 3200)[:49_999] + "."
    topic = authoring.add_topic(ws, module.key, replace(DRAFT, handout=handout))
    assert len(library.get_topic(ws, topic.key).handout) == 50_000
    assert topic.source == "clinic" and topic.version == 1
    assert topic.intervention_phrases  # a note-ready phrase is filled in when none is typed


def test_a_topic_with_no_title_is_refused_with_a_field_message(ws: Workspace) -> None:
    synced(ws)
    module = authoring.add_module(ws, ModuleDraft("Clinic Extras"))
    before = _count(ws, "curriculum_topics")
    with pytest.raises(ValidationError) as caught:
        authoring.add_topic(ws, module.key, replace(DRAFT, title="   ", key_points=()))
    assert set(caught.value.fields) >= {"title", "key_points"}
    assert "title is required" in caught.value.fields["title"]
    assert _count(ws, "curriculum_topics") == before


def test_delivered_topic_keeps_the_text_it_was_taught_with(ws: Workspace) -> None:
    synced(ws)
    group = make_group(ws)
    module = authoring.add_module(ws, ModuleDraft("Clinic Extras"))
    topic = authoring.add_topic(ws, module.key, DRAFT)
    session_id, segments = make_session(ws, group.id, date(2026, 2, 27))
    taught = delivery.record_delivery(ws, session_id, segments[0], topic.key)
    edited = authoring.edit_topic(ws, topic.key, replace(DRAFT, title="Urge Surfing, Revised"))
    assert (edited.version, edited.title) == (2, "Urge Surfing, Revised")
    again = authoring.edit_topic(ws, topic.key, replace(DRAFT, title="Urge Surfing, Revised"))
    assert again.version_id == edited.version_id  # unchanged text adds no version
    [stored] = delivery.session_deliveries(ws, session_id)
    assert (stored.version, stored.title) == (1, DRAFT.title)
    as_taught = library.get_topic_version(ws, taught.topic_version_id)
    assert as_taught.title == DRAFT.title and not as_taught.is_current
    # The database itself refuses to rewrite a version.
    with pytest.raises(sa_exc.DatabaseError, match="immutable"), ws.db.engine.begin() as c:
        c.execute(text("UPDATE topic_versions SET title = 'x'"))


def test_shipped_topics_are_retired_not_edited(ws: Workspace) -> None:
    synced(ws)
    key = library.search_topics(ws)[0].key
    with pytest.raises(Conflict):
        authoring.edit_topic(ws, key, DRAFT)
    retired = authoring.set_topic_retired(ws, key)
    assert retired.retired
    assert key not in {t.key for t in library.search_topics(ws)}
    assert key in {t.key for t in library.search_topics(ws, include_retired=True)}
    authoring.set_topic_retired(ws, key, retired=False)
    assert key in {t.key for t in library.search_topics(ws)}
    with ws.transaction() as s:
        assert s.scalar(select(func.count()).select_from(TopicVersion)) > 0


def test_retiring_a_module_hides_it_and_its_topics(ws: Workspace) -> None:
    synced(ws)
    authoring.set_module_retired(ws, "motivational-interviewing")
    assert "motivational-interviewing" not in {m.key for m in library.list_modules(ws)}
    assert not library.search_topics(ws, module_key="motivational-interviewing")
