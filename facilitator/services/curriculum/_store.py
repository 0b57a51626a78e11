"""Shared queries and row→view conversions for the curriculum services (internal)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...curriculum import ModuleDef, TopicDef
from ...models.curriculum import CurriculumModule, CurriculumTopic, TopicVersion
from ..errors import NotFound
from ..workspace import Workspace
from .dto import ModuleView, TopicSummary, TopicView

TEXT_FIELDS = ("title", "duration_min", "objectives", "key_points", "activity",
               "discussion_prompts", "homework", "handout", "intervention_phrases")


def current_version_ids():  # type: ignore[no-untyped-def] - a SQL subquery
    """Highest version row per topic: versions are append-only, so the newest id is current."""
    return (select(func.max(TopicVersion.id).label("vid"))
            .group_by(TopicVersion.topic_id).scalar_subquery())


def current_rows(s: Session, *, topic_ids: Iterable[int] | None = None
                 ) -> list[tuple[CurriculumTopic, TopicVersion, CurriculumModule]]:
    """(topic, current version, module) in library order."""
    q = (select(CurriculumTopic, TopicVersion, CurriculumModule)
         .join(TopicVersion, TopicVersion.topic_id == CurriculumTopic.id)
         .join(CurriculumModule, CurriculumModule.id == CurriculumTopic.module_id)
         .where(TopicVersion.id.in_(current_version_ids()))
         .order_by(CurriculumModule.position, CurriculumModule.id, CurriculumTopic.position,
                   CurriculumTopic.id))
    if topic_ids is not None:
        q = q.where(CurriculumTopic.id.in_(list(topic_ids)))
    return list(s.execute(q))


def summary(t: CurriculumTopic, v: TopicVersion, m: CurriculumModule) -> TopicSummary:
    return TopicSummary(t.key, v.title, m.key, m.title, v.version, v.duration_min, t.source,
                        t.retired or m.retired)


def topic_view(t: CurriculumTopic, v: TopicVersion, m: CurriculumModule, *,
               is_current: bool = True) -> TopicView:
    return TopicView(
        key=t.key, module_key=m.key, module_title=m.title, version_id=v.id, version=v.version,
        title=v.title, duration_min=v.duration_min, objectives=tuple(v.objectives),
        key_points=tuple(v.key_points), activity=v.activity,
        discussion_prompts=tuple(v.discussion_prompts), homework=v.homework, handout=v.handout,
        intervention_phrases=tuple(v.intervention_phrases), source=t.source,
        retired=t.retired or m.retired, is_current=is_current,
    )


def module_view(m: CurriculumModule, topic_count: int = 0) -> ModuleView:
    return ModuleView(m.key, m.title, m.approach, m.description, m.core, m.version, m.source,
                      m.retired, topic_count)


def topic_by_key(s: Session, key: str) -> CurriculumTopic:
    t = s.scalar(select(CurriculumTopic).where(CurriculumTopic.key == key))
    if t is None:
        raise NotFound(f"The topic {key!r} is not in the library.")
    return t


def module_by_key(s: Session, key: str) -> CurriculumModule:
    m = s.scalar(select(CurriculumModule).where(CurriculumModule.key == key))
    if m is None:
        raise NotFound(f"The module {key!r} is not in the library.")
    return m


def latest_version(s: Session, topic_id: int) -> TopicVersion:
    v = s.scalar(select(TopicVersion).where(TopicVersion.topic_id == topic_id)
                 .order_by(TopicVersion.id.desc()).limit(1))
    if v is None:  # a topic row is always created with its first version
        raise NotFound("That topic has no text.")
    return v


def text_of(v: TopicVersion | TopicDef) -> dict[str, object]:
    """The teachable content of a version or a library topic, comparable across both."""
    out: dict[str, object] = {}
    for f in TEXT_FIELDS:
        value = getattr(v, f)
        out[f] = list(value) if isinstance(value, list | tuple) else value
    return out


def new_version(ws: Workspace, topic_id: int, version: int, d: TopicDef | object
                ) -> TopicVersion:
    content = text_of(d)  # type: ignore[arg-type]
    return TopicVersion(topic_id=topic_id, version=version, created_at=ws.clock.now(),
                        created_by_id=ws.actor.user_id, **content)


def module_def(m: CurriculumModule, rows: list[tuple[CurriculumTopic, TopicVersion]]
               ) -> ModuleDef:
    """A stored module as the library's pure data (for pack export)."""
    topics = tuple(
        TopicDef(module_id=m.key, id=t.key, title=v.title, version=v.version,
                 duration_min=v.duration_min, objectives=tuple(v.objectives),
                 key_points=tuple(v.key_points), activity=v.activity,
                 discussion_prompts=tuple(v.discussion_prompts), homework=v.homework,
                 handout=v.handout, intervention_phrases=tuple(v.intervention_phrases))
        for t, v in rows
    )
    return ModuleDef(m.key, m.title, m.approach or "Clinic", m.description or m.title, m.core,
                     m.version, topics)
