"""Clinic-made modules and topics: add, edit (as a new version) and retire.

Shipped topics are not edited in place (the next library update would have to overwrite or fork
them); a clinic retires a shipped topic and adds its own instead. Every topic a clinic writes is
checked against the same schema as the shipped files, so it can always be exported in a pack.
"""

from __future__ import annotations

import re
from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...curriculum import SCHEMA_ID, CurriculumError, TopicDef, parse_module
from ...curriculum.library import (
    MAX_DURATION_MIN,
    MAX_HANDOUT_LEN,
    MAX_ITEM_LEN,
    MAX_ITEMS,
    MAX_PARAGRAPH_LEN,
    MAX_TITLE_LEN,
    MIN_DURATION_MIN,
)
from ...models.curriculum import CurriculumModule, CurriculumTopic
from .. import audit
from ..errors import Conflict
from ..validation import Checker
from ..workspace import Workspace
from . import _store
from .dto import CLINIC, SHIPPED, ModuleDraft, ModuleView, TopicDraft, TopicView

LIST_FIELDS = {"objectives": "objective", "key_points": "key point",
               "discussion_prompts": "discussion prompt"}


def _clean_list(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(i.strip() for i in items if i.strip())


def clean_topic(d: TopicDraft) -> TopicDraft:
    """Trim text and drop blank list items; fill a note-ready phrase if none was written."""
    title = d.title.strip()
    phrases = _clean_list(d.intervention_phrases) or (
        (f"Facilitator taught and modeled {title}; participants discussed and practiced "
         "applying it.",) if title else ())
    return replace(d, title=title, objectives=_clean_list(d.objectives),
                   key_points=_clean_list(d.key_points), activity=d.activity.strip(),
                   discussion_prompts=_clean_list(d.discussion_prompts),
                   homework=d.homework.strip(), handout=d.handout.strip(),
                   intervention_phrases=phrases)


def check_topic(d: TopicDraft) -> None:
    """Field-by-field messages first, then the library schema as the last word."""
    c = Checker()
    c.text("title", "The topic title", d.title, max_len=MAX_TITLE_LEN)
    if "\n" in d.title:
        c.fail("title", "The topic title must be one line.")
    if not MIN_DURATION_MIN <= d.duration_min <= MAX_DURATION_MIN:
        c.fail("duration_min", f"The duration must be between {MIN_DURATION_MIN} and "
                               f"{MAX_DURATION_MIN} minutes.")
    for name, label in LIST_FIELDS.items():
        items = getattr(d, name)
        if not items:
            c.fail(name, f"Add at least one {label}.")
        elif len(items) > MAX_ITEMS:
            c.fail(name, f"At most {MAX_ITEMS} entries of {label}s.")
        elif any(len(i) > MAX_ITEM_LEN or "\n" in i for i in items):
            c.fail(name, f"Each {label} must be one line of at most {MAX_ITEM_LEN} characters.")
    c.text("activity", "The activity", d.activity, max_len=MAX_PARAGRAPH_LEN)
    c.text("homework", "The homework", d.homework, required=False, max_len=MAX_PARAGRAPH_LEN)
    c.text("handout", "The handout", d.handout, required=False, max_len=MAX_HANDOUT_LEN)
    c.raise_if_any()
    try:
        parse_module(_as_file(d), "topic")
    except CurriculumError as error:
        field = error.field.rsplit(".", 1)[-1].split("[")[0] or "topic"
        c.fail(field, f"{error.field}: {error.problem}")
        c.raise_if_any()


def _as_file(d: TopicDraft) -> dict[str, object]:
    return {"schema": SCHEMA_ID,
            "module": {"id": "draft", "title": "Draft", "approach": "Clinic", "description": "-",
                       "core": False, "version": 1},
            "topics": [{"id": "draft", "version": 1, **_store.text_of(d)}]}  # type: ignore[arg-type]


def slug(text: str, prefix: str = "clinic") -> str:
    words = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    key = words if words.startswith(prefix) else f"{prefix}-{words}".rstrip("-")
    return key[:56].rstrip("-")


def unique_key(s: Session, model: type[CurriculumTopic] | type[CurriculumModule], base: str
               ) -> str:
    taken = set(s.scalars(select(model.key).where(model.key.startswith(base))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _check_module(d: ModuleDraft) -> ModuleDraft:
    c = Checker()
    title = c.text("title", "The module title", d.title, max_len=MAX_TITLE_LEN)
    approach = c.text("approach", "The approach", d.approach, required=False,
                      max_len=MAX_TITLE_LEN)
    description = c.text("description", "The description", d.description, required=False,
                         max_len=2000)
    c.raise_if_any()
    return ModuleDraft(title, approach or "Clinic", description or title, d.core)


def add_module(ws: Workspace, draft: ModuleDraft) -> ModuleView:
    """Create a clinic module (empty until topics are added)."""
    d = _check_module(draft)
    with ws.transaction() as s:
        pos = (s.scalar(select(func.max(CurriculumModule.position))) or 0) + 1
        m = CurriculumModule(key=unique_key(s, CurriculumModule, slug(d.title)), title=d.title,
                             approach=d.approach, description=d.description, core=d.core,
                             version=1, source=CLINIC, position=pos, created_at=ws.clock.now(),
                             created_by_id=ws.actor.user_id)
        s.add(m)
        s.flush()
        audit.record(s, ws, "curriculum.module_added", "curriculum_module", m.key)
        return _store.module_view(m)


def edit_module(ws: Workspace, module_key: str, draft: ModuleDraft) -> ModuleView:
    """Change a clinic module's title, approach, description or core flag (bumps its version)."""
    d = _check_module(draft)
    with ws.transaction() as s:
        m = _store.module_by_key(s, module_key)
        if m.source == SHIPPED:
            raise Conflict("Shipped modules cannot be edited; add a clinic module instead.")
        m.title, m.approach, m.description, m.core = d.title, d.approach, d.description, d.core
        m.version += 1
        m.updated_at, m.updated_by_id = ws.clock.now(), ws.actor.user_id
        audit.record(s, ws, "curriculum.module_edited", "curriculum_module", m.key)
        return _store.module_view(m)


def set_module_retired(ws: Workspace, module_key: str, retired: bool = True) -> ModuleView:
    """Retire (hide from browsing and planning) or restore a module; nothing is deleted."""
    with ws.transaction() as s:
        m = _store.module_by_key(s, module_key)
        m.retired = retired
        m.updated_at, m.updated_by_id = ws.clock.now(), ws.actor.user_id
        audit.record(s, ws, "curriculum.module_retired" if retired else
                     "curriculum.module_restored", "curriculum_module", m.key)
        return _store.module_view(m)


def add_topic(ws: Workspace, module_key: str, draft: TopicDraft) -> TopicView:
    """Add a clinic topic (version 1) to a module."""
    d = clean_topic(draft)
    check_topic(d)
    with ws.transaction() as s:
        m = _store.module_by_key(s, module_key)
        pos = (s.scalar(select(func.max(CurriculumTopic.position))
                        .where(CurriculumTopic.module_id == m.id)) or 0) + 1
        t = CurriculumTopic(key=unique_key(s, CurriculumTopic, slug(d.title)), module_id=m.id,
                            source=CLINIC, position=pos, created_at=ws.clock.now(),
                            created_by_id=ws.actor.user_id)
        s.add(t)
        s.flush()
        v = _store.new_version(ws, t.id, 1, d)
        s.add(v)
        s.flush()
        audit.record(s, ws, "curriculum.topic_added", "curriculum_topic", t.key, version=1)
        return _store.topic_view(t, v, m)


def edit_topic(ws: Workspace, topic_key: str, draft: TopicDraft) -> TopicView:
    """Save a clinic topic's new text as a new version; deliveries keep their old text.

    Saving unchanged text adds no version.
    """
    d = clean_topic(draft)
    check_topic(d)
    with ws.transaction() as s:
        t = _store.topic_by_key(s, topic_key)
        if t.source == SHIPPED:
            raise Conflict("Shipped topics cannot be edited; retire it and add a clinic topic.")
        m = s.get(CurriculumModule, t.module_id)
        assert m is not None
        latest = _store.latest_version(s, t.id)
        if _store.text_of(latest) == _store.text_of(d):
            return _store.topic_view(t, latest, m)
        v = _store.new_version(ws, t.id, latest.version + 1, d)
        s.add(v)
        t.updated_at, t.updated_by_id = ws.clock.now(), ws.actor.user_id
        s.flush()
        audit.record(s, ws, "curriculum.topic_edited", "curriculum_topic", t.key,
                     version=v.version)
        return _store.topic_view(t, v, m)


def set_topic_retired(ws: Workspace, topic_key: str, retired: bool = True) -> TopicView:
    """Retire or restore a topic (shipped or clinic). Plans that use it are flagged, not broken."""
    with ws.transaction() as s:
        t = _store.topic_by_key(s, topic_key)
        t.retired = retired
        t.updated_at, t.updated_by_id = ws.clock.now(), ws.actor.user_id
        m = s.get(CurriculumModule, t.module_id)
        assert m is not None
        audit.record(s, ws, "curriculum.topic_retired" if retired else
                     "curriculum.topic_restored", "curriculum_topic", t.key)
        return _store.topic_view(t, _store.latest_version(s, t.id), m)


def draft_from(view: TopicView | TopicDef) -> TopicDraft:
    """A draft pre-filled from a topic, for the edit form."""
    return TopicDraft(view.title, view.duration_min, tuple(view.objectives),
                      tuple(view.key_points), view.activity, tuple(view.discussion_prompts),
                      view.homework, view.handout, tuple(view.intervention_phrases))
