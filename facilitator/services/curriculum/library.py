"""Browse the curriculum in the database and keep it in step with the shipped library.

``sync_shipped_library`` runs at sign-in / first use: it is idempotent (a second run changes
nothing) and only ever *adds* rows: a new shipped topic adds a topic, a shipped topic with a higher
``version`` than stored adds a version row; text already delivered is never touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select

from ...curriculum import ModuleDef, default_library_path, load_library
from ...models.curriculum import CurriculumModule, CurriculumTopic, TopicVersion
from .. import audit
from ..errors import NotFound
from ..workspace import Workspace
from . import _store
from .dto import SHIPPED, ModuleView, SyncReport, TopicSummary, TopicView


def sync_shipped_library(ws: Workspace, modules: Sequence[ModuleDef] | None = None,
                         folder: Path | None = None) -> SyncReport:
    """Bring the shipped library into the database (idempotent); report what was added.

    ``modules`` overrides what is read from ``folder`` (default: the shipped resources folder);
    files that fail validation are reported in ``problems`` and skipped, never fatal.
    """
    problems: tuple[str, ...] = ()
    if modules is None:
        loaded = load_library(folder or default_library_path())
        modules, problems = loaded.modules, loaded.errors
    added_m = added_t = added_v = 0
    with ws.transaction() as s:
        by_key = {m.key: m for m in s.scalars(select(CurriculumModule))}
        topics = {t.key: t for t in s.scalars(select(CurriculumTopic))}
        latest = dict(s.execute(select(TopicVersion.topic_id, func.max(TopicVersion.version))
                                .group_by(TopicVersion.topic_id)).all())
        clashes: list[str] = []
        now = ws.clock.now()
        next_pos = max((m.position for m in by_key.values()), default=-1) + 1
        for mdef in modules:
            m = by_key.get(mdef.id)
            if m is None:
                m = CurriculumModule(key=mdef.id, title=mdef.title, approach=mdef.approach,
                                     description=mdef.description, core=mdef.core,
                                     version=mdef.version, source=SHIPPED, position=next_pos,
                                     created_at=now, created_by_id=ws.actor.user_id)
                next_pos += 1
                s.add(m)
                s.flush()
                added_m += 1
            elif m.source == SHIPPED and mdef.version > m.version:
                m.title, m.approach, m.description = mdef.title, mdef.approach, mdef.description
                m.core, m.version, m.updated_at = mdef.core, mdef.version, now
            for pos, tdef in enumerate(mdef.topics):
                t = topics.get(tdef.id)
                if t is None:
                    t = CurriculumTopic(key=tdef.id, module_id=m.id, source=SHIPPED,
                                        position=pos, created_at=now,
                                        created_by_id=ws.actor.user_id)
                    s.add(t)
                    s.flush()
                    topics[t.key] = t
                    added_t += 1
                elif t.source != SHIPPED:
                    # A clinic topic already uses this id (e.g. from a pack): keep theirs.
                    clashes.append(f"{mdef.id}: topic {tdef.id!r} kept as the clinic's own")
                    continue
                elif tdef.version <= latest.get(t.id, 0):
                    continue
                s.add(_store.new_version(ws, t.id, tdef.version, tdef))
                latest[t.id] = tdef.version
                added_v += 1
        report = SyncReport(added_m, added_t, added_v, tuple(problems) + tuple(clashes))
        if report.changed:
            audit.record(s, ws, "curriculum.synced", "curriculum", "", modules=added_m,
                         topics=added_t, versions=added_v)
        return report


def list_modules(ws: Workspace, *, include_retired: bool = False) -> list[ModuleView]:
    """Modules in library order, each with its number of (non-retired) topics."""
    with ws.read() as s:
        counts = dict(s.execute(
            select(CurriculumTopic.module_id, func.count())
            .where(CurriculumTopic.retired.is_(False)).group_by(CurriculumTopic.module_id)
        ).all())
        q = select(CurriculumModule).order_by(CurriculumModule.position, CurriculumModule.id)
        if not include_retired:
            q = q.where(CurriculumModule.retired.is_(False))
        return [_store.module_view(m, counts.get(m.id, 0)) for m in s.scalars(q)]


def _matches(words: list[str], v: TopicVersion, module_title: str) -> bool:
    haystack = " ".join([v.title, module_title, *v.key_points]).casefold()
    return all(w in haystack for w in words)


def search_topics(ws: Workspace, query: str = "", *, module_key: str | None = None,
                  include_retired: bool = False) -> list[TopicSummary]:
    """Current topics whose title, key points or module title contain every word of ``query``."""
    words = query.casefold().split()
    with ws.read() as s:
        out = []
        for t, v, m in _store.current_rows(s):
            if module_key is not None and m.key != module_key:
                continue
            if not include_retired and (t.retired or m.retired):
                continue
            if words and not _matches(words, v, m.title):
                continue
            out.append(_store.summary(t, v, m))
        return out


def get_topic(ws: Workspace, key: str, *, version_id: int | None = None) -> TopicView:
    """A topic's text, current by default or at one stored version (e.g. as delivered)."""
    with ws.read() as s:
        t = _store.topic_by_key(s, key)
        current = _store.latest_version(s, t.id)
        v = current
        if version_id is not None and version_id != current.id:
            v = s.get(TopicVersion, version_id)
            if v is None or v.topic_id != t.id:
                raise NotFound("That version of the topic does not exist.")
        m = s.get(CurriculumModule, t.module_id)
        assert m is not None  # FK
        return _store.topic_view(t, v, m, is_current=v.id == current.id)


def get_topic_version(ws: Workspace, topic_version_id: int) -> TopicView:
    """The exact text of a stored version (what a delivery points at)."""
    with ws.read() as s:
        v = s.get(TopicVersion, topic_version_id)
        if v is None:
            raise NotFound("That version of the topic does not exist.")
        t = s.get(CurriculumTopic, v.topic_id)
        assert t is not None
        m = s.get(CurriculumModule, t.module_id)
        assert m is not None
        current = _store.latest_version(s, t.id)
        return _store.topic_view(t, v, m, is_current=v.id == current.id)


def topic_history(ws: Workspace, key: str) -> list[TopicView]:
    """Every stored version of a topic, oldest first."""
    with ws.read() as s:
        t = _store.topic_by_key(s, key)
        m = s.get(CurriculumModule, t.module_id)
        assert m is not None
        versions = list(s.scalars(select(TopicVersion).where(TopicVersion.topic_id == t.id)
                                  .order_by(TopicVersion.id)))
        last = versions[-1].id if versions else None
        return [_store.topic_view(t, v, m, is_current=v.id == last) for v in versions]
