"""Curriculum packs: export selected modules to a JSON file, preview and import one.

Pack format (``facilitator.curriculum-pack/1``)::

    {"pack": {"format": "facilitator.curriculum-pack/1", "title": "...", "exported_at": "..."},
     "modules": [<one library file: {"schema", "module", "topics"}>, ...]}

Each module is validated by the library loader, so a pack follows exactly the shipped schema. A
malformed pack raises ``ValidationError`` naming the field (``modules[0].topics[2].title``) and
changes nothing. Topics are matched by id; the preview classifies each one (new, identical,
newer version, conflicting) and the import applies a choice per topic (skip, import as a new
version of the local topic, or keep both under a new id).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...curriculum import CurriculumError, ModuleDef, TopicDef, module_to_dict, parse_module
from ...curriculum.library import MAX_FILE_BYTES, reject_duplicate_keys
from ...models.curriculum import CurriculumModule, CurriculumTopic
from .. import audit
from ..errors import ValidationError
from ..workspace import Workspace
from . import _store
from .authoring import unique_key
from .dto import CLINIC

PACK_FORMAT = "facilitator.curriculum-pack/1"
NEW, IDENTICAL, NEWER, CONFLICT = "new", "identical", "newer", "conflict"
SKIP, NEW_VERSION, KEEP_BOTH, IMPORT = "skip", "new_version", "keep_both", "import"
CHOICES = {NEW: (IMPORT, SKIP), IDENTICAL: (SKIP,), NEWER: (NEW_VERSION, SKIP, KEEP_BOTH),
           CONFLICT: (SKIP, NEW_VERSION, KEEP_BOTH)}


@dataclass(frozen=True)
class Pack:
    title: str
    modules: tuple[ModuleDef, ...]


@dataclass(frozen=True)
class PackItem:
    module_key: str
    module_title: str
    topic_key: str
    title: str
    pack_version: int
    local_version: int | None
    status: str  # new, identical, newer, conflict

    @property
    def choices(self) -> tuple[str, ...]:
        return CHOICES[self.status]

    @property
    def default_choice(self) -> str:
        return CHOICES[self.status][0]


@dataclass(frozen=True)
class PackPreview:
    title: str
    items: tuple[PackItem, ...]
    checksum: str = ""  # SHA-256 of the file as previewed; import refuses a changed file


@dataclass(frozen=True)
class ImportReport:
    added: int
    new_versions: int
    kept_both: int
    skipped: int
    modules_added: int


@dataclass(frozen=True)
class ExportReport:
    path: Path
    modules: int
    topics: int


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def parse_pack(data: object, source: str = "pack") -> Pack:
    """Validate a decoded pack; ``ValidationError`` names the first bad field."""
    if not isinstance(data, dict):
        raise _fail("pack", f"{source}: the file is not a curriculum pack (expected an object).")
    header = data.get("pack")
    if not isinstance(header, dict) or header.get("format") != PACK_FORMAT:
        raise _fail("pack.format", f"{source}: pack.format must be {PACK_FORMAT!r}.")
    title = header.get("title", "")
    if not isinstance(title, str):
        raise _fail("pack.title", f"{source}: pack.title must be text.")
    unknown = sorted(set(data) - {"pack", "modules"})
    if unknown:
        raise _fail("pack", f"{source}: unknown key(s) {', '.join(map(repr, unknown))}.")
    raw = data.get("modules")
    if not isinstance(raw, list) or not raw:
        raise _fail("modules", f"{source}: modules must be a non-empty list.")
    modules: list[ModuleDef] = []
    seen: dict[str, str] = {}
    for i, item in enumerate(raw):
        try:
            m = parse_module(item, source)
        except CurriculumError as error:
            field = f"modules[{i}].{error.field}" if error.field else f"modules[{i}]"
            raise _fail(field, f"{source}: {field}: {error.problem}") from error
        for j, t in enumerate(m.topics):
            if t.id in seen:
                field = f"modules[{i}].topics[{j}].id"
                raise _fail(field, f"{source}: {field}: topic id {t.id!r} appears twice "
                                   f"(also in module {seen[t.id]!r}).")
            seen[t.id] = m.id
        modules.append(m)
    return Pack(title, tuple(modules))


def read_pack(path: Path) -> Pack:
    """Read and validate a pack file; every problem is a ``ValidationError`` naming the field."""
    return _read(path)[0]


def _read(path: Path) -> tuple[Pack, str]:
    """The validated pack and the SHA-256 of the exact bytes it was read from."""
    name = path.name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _fail("pack", f"{name}: the file is too large to be a curriculum pack.")
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
        data = json.loads(text, object_pairs_hook=reject_duplicate_keys)
    except OSError as error:
        raise _fail("pack", f"{name}: cannot be read ({error.strerror or error}).") from error
    except UnicodeDecodeError as error:
        raise _fail("pack", f"{name}: is not UTF-8 text (byte {error.start}).") from error
    except json.JSONDecodeError as error:
        raise _fail("pack", f"{name}: invalid JSON at line {error.lineno} column "
                            f"{error.colno}: {error.msg}.") from error
    except (ValueError, RecursionError) as error:
        raise _fail("pack", f"{name}: invalid JSON: {error}.") from error
    return parse_pack(data, name), hashlib.sha256(raw).hexdigest()


def export_pack(ws: Workspace, module_keys: Iterable[str], path: Path, title: str = ""
                ) -> ExportReport:
    """Write the selected modules (their current, non-retired topics) to a pack file."""
    keys = list(dict.fromkeys(module_keys))
    if not keys:
        raise _fail("modules", "Select at least one module to export.")
    with ws.transaction() as s:
        modules: list[ModuleDef] = []
        for key in keys:
            m = _store.module_by_key(s, key)
            rows = [(t, v) for t, v, _m in _store.current_rows(s)
                    if t.module_id == m.id and not t.retired]
            if not rows:
                raise _fail("modules", f"The module {m.title!r} has no topics to export.")
            modules.append(_store.module_def(m, rows))
        payload = {"pack": {"format": PACK_FORMAT, "title": title.strip() or "Curriculum pack",
                            "exported_at": ws.clock.now().isoformat()},
                   "modules": [module_to_dict(m) for m in modules]}
        parse_pack(payload, path.name)  # never write a pack we could not read back
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", "utf-8")
        os.replace(tmp, path)
        count = sum(len(m.topics) for m in modules)
        audit.record(s, ws, "curriculum.pack_exported", "curriculum", "", modules=keys,
                     topics=count)
        return ExportReport(path, len(modules), count)


def _classify(s: Session, pack: Pack) -> list[tuple[PackItem, TopicDef]]:
    local = {t.key: (t, v) for t, v, _m in _store.current_rows(s)}
    out = []
    for m in pack.modules:
        for tdef in m.topics:
            found = local.get(tdef.id)
            if found is None:
                status, version = NEW, None
            else:
                version = found[1].version
                if _store.text_of(found[1]) == _store.text_of(tdef):
                    status = IDENTICAL
                elif tdef.version > version:
                    status = NEWER
                else:
                    status = CONFLICT
            out.append((PackItem(m.id, m.title, tdef.id, tdef.title, tdef.version, version,
                                 status), tdef))
    return out


def preview_pack(ws: Workspace, path: Path) -> PackPreview:
    """What importing ``path`` would do, topic by topic; changes nothing."""
    pack, checksum = _read(path)
    with ws.read() as s:
        return PackPreview(pack.title, tuple(item for item, _t in _classify(s, pack)),
                           checksum)


def import_pack(ws: Workspace, path: Path, choices: Mapping[str, str] | None = None,
                previewed: str | None = None) -> ImportReport:
    """Import a pack in one transaction. ``choices`` maps topic id → skip / new_version /
    keep_both / import; topics not named get their status's default (see ``PackItem``).
    ``previewed``: the preview's checksum; a file changed since then is refused, so what is
    imported is exactly what the user saw."""
    pack, checksum = _read(path)
    if previewed is not None and checksum != previewed:
        raise _fail("pack", f"{path.name} changed after the preview; open it again to see what "
                            "would be imported.")
    choices = dict(choices or {})
    with ws.transaction() as s:
        items = _classify(s, pack)
        for item, _t in items:
            choice = choices.get(item.topic_key, item.default_choice)
            if choice not in item.choices:
                raise _fail(item.topic_key, f"{item.title}: {choice!r} is not possible for a "
                                            f"{item.status} topic.")
        modules = {m.id: m for m in pack.modules}
        local_modules = {m.key: m for m in s.scalars(select(CurriculumModule))}
        counts = dict.fromkeys(("added", "versions", "both", "skipped", "modules"), 0)
        now = ws.clock.now()
        for item, tdef in items:
            choice = choices.get(item.topic_key, item.default_choice)
            if choice == SKIP:
                counts["skipped"] += 1
                continue
            if choice == NEW_VERSION:
                t = _store.topic_by_key(s, tdef.id)
                latest = _store.latest_version(s, t.id)
                s.add(_store.new_version(ws, t.id, max(tdef.version, latest.version + 1), tdef))
                t.updated_at, t.updated_by_id = now, ws.actor.user_id
                counts["versions"] += 1
                continue
            m = local_modules.get(item.module_key)
            if m is None:
                mdef = modules[item.module_key]
                m = CurriculumModule(key=mdef.id, title=mdef.title, approach=mdef.approach,
                                     description=mdef.description, core=mdef.core,
                                     version=mdef.version, source=CLINIC,
                                     position=len(local_modules) + 1, created_at=now,
                                     created_by_id=ws.actor.user_id)
                s.add(m)
                s.flush()
                local_modules[m.key] = m
                counts["modules"] += 1
            key = tdef.id if choice == IMPORT else unique_key(s, CurriculumTopic, tdef.id)
            t = CurriculumTopic(key=key, module_id=m.id, source=CLINIC, position=1000,
                                created_at=now, created_by_id=ws.actor.user_id)
            s.add(t)
            s.flush()
            s.add(_store.new_version(ws, t.id, tdef.version if choice == IMPORT else 1, tdef))
            counts["added" if choice == IMPORT else "both"] += 1
        s.flush()
        report = ImportReport(counts["added"], counts["versions"], counts["both"],
                              counts["skipped"], counts["modules"])
        audit.record(s, ws, "curriculum.pack_imported", "curriculum", "", file=path.name,
                     added=report.added, new_versions=report.new_versions,
                     kept_both=report.kept_both, skipped=report.skipped)
        return report

