"""Rows from two laptops that collide on a unique key other than their global id.

Two laptops can each create, offline, a row the other also has in its own way: the same chart
number for two people, the same login, the same curriculum key, attendance of one participant in
one session, a note for the same participant and session, version 3 of one topic. The database
would refuse the second insert; sync must lose neither. The rule depends on what the unique key
is made of (``UNIQUES``, read from the models so a new constraint is covered):

* **a name or number people type** (a column of text: ``users.login``,
  ``participants.chart_id``, ``curriculum_modules.key``, ``curriculum_topics.key``): both rows
  stay, they are never merged (two people's charts must not become one). The row with the
  greater global id (UUIDv7: the later one) gets ``-`` and the last six hex digits of its
  global id appended, on every laptop alike, so the laptops agree; an admin renames or merges.
* **a counter within its parent** (integers besides references: ``topic_versions.version``,
  ``rotation_entries.slot``): both rows stay, the pulled one takes the next free number
  (``_renumber``). A plan's entries are then numbered by ``cells``, and a note's revisions
  (``note_revisions.number``) by ``numbering``, each by what the laptop holds rather than by
  what it saw first: with three laptops, or a draft returned on one laptop, "the next free
  number" depends on arrival order. Two topic versions made on two laptops offline cannot
  move (signed notes name a version by its number): each laptop keeps its own at the number
  it had and numbers the other's next, so that numbering differs between the laptops until
  an admin looks. Unless the two versions say the same in every word (``rows.SAME_WHEN_EQUAL``:
  a version of the shipped library, which each laptop adds at its first sign-in after an
  update of the app): then they are one version, merged as below, no clash for an admin.
  So are a module or topic of the shipped library that two laptops added (``SHIPPED_KEYS``:
  the library's id names it, unlike a key made from a title someone typed).
* **only references** (``attendance``, ``progress_notes``: one per participant and session;
  ``rotation_plans``: one per group; the link tables): both rows describe one thing, so they
  become one (``merging``): the row with the smaller global id stands, the other global id
  becomes an alias of it (changes addressed to it land on the standing row), and every field
  where the two differ keeps both values and flags the record (as concurrent edits do,
  ``apply``). The row keeps the values it has on this laptop until an admin settles it: a
  signed note is never rewritten by sync. Two kinds of field are no conflict and take the
  greatest change id on every laptop: who changed it last, and a note's workflow fields
  (state, signing and final times, returned comment), which every laptop then works out from
  the merged note's records (``note_state``); but attendance a note signed here states keeps
  its own (``locked``).

Every clash is recorded in ``sync_clashes`` for an admin (``pending``), naming the table and
the field, never the values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import UniqueConstraint, func, select, tuple_, update
from sqlalchemy.orm import Session

from ...models.sync import SyncRow
from ...models.sync_security import SyncClash
from ...storage.sync_capture import SYNCED
from ..curriculum.dto import SHIPPED
from ..workspace import Workspace
from . import rows
from .rows import standing

__all__ = ["UNIQUES", "Alias", "first_clash", "gid_of", "note_clash", "open_clashes", "pending",
           "record_clash", "settle_insert", "standing", "suffixed_value"]

SUFFIX = 6


def _constraints(name: str) -> list[tuple[str, ...]]:
    t = rows.table(name)
    found = [tuple(c.name for c in con.columns) for con in t.constraints
             if isinstance(con, UniqueConstraint)]
    pk = tuple(c.name for c in t.primary_key.columns)
    if all(rows.ref_table(name, t.c[c]) for c in pk):  # a link table: its key is references
        found.append(pk)
    return found


UNIQUES: dict[str, list[tuple[str, ...]]] = {
    name: found for name in SYNCED if (found := _constraints(name))}


def kind(name: str, columns: tuple[str, ...]) -> tuple[str, str | None]:
    """("rename", column), ("renumber", column) or ("merge", None) for one unique key."""
    t = rows.table(name)
    plain = [c for c in columns if rows.ref_table(name, t.c[c]) is None]
    if not plain:
        return "merge", None
    text = [c for c in plain if t.c[c].type.python_type is str]
    return ("rename", text[0]) if text else ("renumber", plain[-1])


# The columns of each table's unique keys.
UNIQUE_COLUMNS: dict[str, frozenset[str]] = {
    name: frozenset(c for columns in keys for c in columns) for name, keys in UNIQUES.items()}


# Each table's unique keys that end in a counter (``kind`` "renumber"), with that column; a
# note's revisions are numbered by ``numbering``.
_COUNTERS: dict[str, list[tuple[tuple[str, ...], str]]] = {
    name: counters for name, keys in UNIQUES.items() if name != "note_revisions"
    if (counters := [(columns, column) for columns in keys
                     for how, column in [kind(name, columns)]
                     if how == "renumber" and column is not None])}


def suffix_of(gid: str) -> str:
    """What a renamed row's value ends with: "-" and its global id's last hex digits."""
    return f"-{gid.replace('-', '')[-SUFFIX:]}"


def suffixed(value: str, gid: str, length: int) -> str:
    tail = suffix_of(gid)
    return value[:length - len(tail)] + tail


@dataclass(frozen=True)
class Alias:
    """The incoming row is the same thing as the row here with key ``row_key`` (global id
    ``gid``, or None when it was not collected yet)."""

    row_key: str
    gid: str | None


def gid_of(s: Session, name: str, key: str) -> str | None:
    return s.scalar(select(SyncRow.gid).where(SyncRow.tbl == name, SyncRow.row_key == key))


def note_clash(s: Session, ws: Workspace | None, name: str, gid: str, other: str,
            columns: tuple[str, ...], renamed: bool, settled: bool = False) -> None:
    """Note the clash for an admin; ``settled``: kept as a trace, nothing left to settle."""
    now = ws.clock.now() if ws is not None else datetime.now(UTC)
    s.add(SyncClash(tbl=name, gid=gid, other_gid=other, columns=",".join(columns),
                    renamed=renamed, created_at=now, resolved_at=now if settled else None))


def record_clash(s: Session, name: str, gid: str, other: str | None,
                 columns: tuple[str, ...]) -> None:
    """Row ``gid`` met row ``other`` on ``columns`` and took another number (for an admin)."""
    note_clash(s, None, name, gid, other or "", columns, True)


def clashes_with_a_row(s: Session, name: str, values: dict[str, Any]) -> bool:
    """Whether a new row with ``values`` would meet a row here on one of its unique keys (a
    read, nothing recorded: ``settle_insert`` then decides what to do)."""
    t = rows.table(name)
    for columns in UNIQUES.get(name, ()):
        if any(values.get(c) is None for c in columns):
            continue  # NULLs never clash
        if s.execute(select(1).select_from(t).where(*[t.c[c] == values[c] for c in columns])
                     .limit(1)).first() is not None:
            return True
    return False


def first_clash(s: Session, name: str, candidates: list[dict[str, Any]]) -> int:
    """The position of the first of these new rows that ``clashes_with_a_row`` (their count
    when none does). One statement per unique key asks about them all; only when it finds
    something are they asked one by one, so the database alone decides what equals (its
    collations), as it would for the insert."""
    t = rows.table(name)
    for columns in UNIQUES.get(name, ()):
        keyed = [tuple(v[c] for c in columns) for v in candidates
                 if all(v.get(c) is not None for c in columns)]  # NULLs never clash
        if keyed and s.execute(select(1).select_from(t).where(
                tuple_(*(t.c[c] for c in columns)).in_(keyed)).limit(1)).first() is not None:
            return next((i for i, values in enumerate(candidates)
                         if clashes_with_a_row(s, name, values)), len(candidates))
    return len(candidates)


def settle_insert(s: Session, name: str, gid: str, values: dict[str, Any],
                  ws: Workspace | None = None) -> dict[str, Any] | Alias:
    """The values to insert for a pulled row (renamed or renumbered when they clash), or an
    ``Alias`` when it is one thing with a row already here."""
    t = rows.table(name)
    for columns in UNIQUES.get(name, ()):
        if any(values.get(c) is None for c in columns):
            continue  # NULLs never clash
        existing = s.execute(select(t).where(*[t.c[c] == values[c] for c in columns])
                             ).mappings().first()
        if existing is None:
            continue
        how, column = kind(name, columns)
        other = gid_of(s, name, rows.key_of(name, dict(existing)))
        if how == "merge" or _same(name, dict(existing), values):
            return Alias(rows.key_of(name, dict(existing)), other)
        if how == "renumber":
            assert column is not None
            values = _renumber(s, ws, name, gid, values, other, columns, column)
            continue
        assert column is not None
        values = _suffix_later(s, ws, name, gid, values, dict(existing), other, columns, column)
    return values


def _suffix_later(s: Session, ws: Workspace | None, name: str, gid: str,
                  values: dict[str, Any], existing: dict[str, Any], other: str | None,
                  columns: tuple[str, ...], column: str) -> dict[str, Any]:
    """Two rows, the pulled one (``gid``, ``values``) and the row here (``existing``, global id
    ``other``), with one name in ``column``: the one with the greater global id takes the
    suffix, on every laptop alike, and the clash is noted for an admin. Returns the pulled
    row's values, suffixed when it is the later one."""
    t = rows.table(name)
    length = t.c[column].type.length or 64
    if other is None or gid > other:
        note_clash(s, ws, name, gid, other or "", columns, True)
        return {**values, column: suffixed(values[column], gid, length)}
    s.execute(update(t).where(*rows.key_filter(name, rows.key_of(name, existing)))
              .values({column: suffixed(existing[column], other, length)}))
    note_clash(s, ws, name, other, gid, columns, True)
    return values


# Tables whose key, on rows of the shipped library, is the library's own id for one thing.
SHIPPED_KEYS = frozenset({"curriculum_modules", "curriculum_topics"})


def _same(name: str, existing: dict[str, Any], values: dict[str, Any]) -> bool:
    """Whether a pulled row of ``name`` is the row here: it says what the row says, but for
    who added it and when (``rows.SAME_WHEN_EQUAL``), or both are the shipped library's under
    its id (``SHIPPED_KEYS``; where their other fields differ, the merge flags them)."""
    if name in SHIPPED_KEYS:
        return existing.get("source") == values.get("source") == SHIPPED
    left_out = rows.SAME_WHEN_EQUAL.get(name)
    if left_out is None:
        return False
    compared = [c.name for c in rows.fields_of(name) if c.name not in left_out]
    return all(c in values and existing.get(c) == values[c] for c in compared)


def _free(s: Session, name: str, values: dict[str, Any], columns: tuple[str, ...],
          column: str) -> int:
    """The next free number under the parent of ``values``."""
    t = rows.table(name)
    return (s.scalar(select(func.max(t.c[column])).where(
        *[t.c[c] == values[c] for c in columns if c != column])) or 0) + 1


def _renumber(s: Session, ws: Workspace | None, name: str, gid: str, values: dict[str, Any],
              other: str | None, columns: tuple[str, ...], column: str) -> dict[str, Any]:
    """Two rows with one number under one parent: the pulled one takes the next free number.
    A plan's entries are then placed alike on every laptop (``cells``); two topic versions
    (never moved) stay so, each laptop keeping its own at the number it had (they differ
    until an admin looks; nothing is lost)."""
    note_clash(s, ws, name, gid, other or "", columns, True)
    return {**values, column: _free(s, name, values, columns, column)}


def update_row(s: Session, name: str, record: SyncRow, values: dict[str, Any]) -> None:
    """Write a pulled update of the row of ``record`` (not a note revision: ``numbering``). An
    update giving it a number another row holds here, or moving it under a parent where its
    number is held, gives it the next free one, as an insert does (``cells`` then places
    it). This app edits only a plan entry's topic, but a laptop on a version from before
    migration 0013 sent a new entry that took the key of a deleted one as an edit of it
    (another week, or another day). An update giving it a name another row holds here (a
    chart number changed on one laptop to the one another laptop gave a new chart) is settled
    as two such rows inserted apart are: the row with the greater global id takes the suffix
    (``_rename``)."""
    assert record.row_key is not None
    t, key = rows.table(name), record.row_key
    clash = _holder(s, name, key, values)
    if clash is not None:
        after, columns, column, other = clash
        values = {**values, column: _free(s, name, after, columns, column)}
        note_clash(s, None, name, record.gid, other or "", columns, True)
    values = _rename(s, name, record, values)
    s.execute(update(t).where(*rows.key_filter(name, key)).values(**values))


def _rename(s: Session, name: str, record: SyncRow, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` for a pulled update of ``record``'s row where it gives a name (a unique text
    column) another row here holds: of the two rows, the one with the greater global id gets
    the suffix, here and on every laptop (``settle_insert``), and the clash is noted for an
    admin. Before, the update failed ("UNIQUE constraint failed") in every round."""
    t = rows.table(name)
    for columns in UNIQUES.get(name, ()):
        how, column = kind(name, columns)
        if how != "rename" or columns != (column,) or values.get(column) is None:
            continue  # (NULLs never clash)
        existing = s.execute(select(t).where(t.c[column] == values[column],
                                             ~rows.key_match(name, record.row_key or ""))
                             ).mappings().first()
        if existing is None:
            continue
        other = gid_of(s, name, rows.key_of(name, dict(existing)))
        values = _suffix_later(s, None, name, record.gid, values, dict(existing), other,
                               columns, column)
    return values


def _holder(s: Session, name: str, key: str, values: dict[str, Any]
            ) -> tuple[dict[str, Any], tuple[str, ...], str, str | None] | None:
    """Another row holding the number an update gives row ``key``, or its number under the
    parent it moves to: (row ``key`` as the update would leave it, the unique key's columns,
    the numbered column, the other row's global id), or None. Reads nothing for an update that
    sets no column of such a key (nearly every one)."""
    t = rows.table(name)
    for columns, column in _COUNTERS.get(name, ()):
        if not set(columns) & values.keys():
            continue
        current = dict(s.execute(select(t).where(*rows.key_filter(name, key))).mappings().one())
        after = {**current, **values}
        if any(after.get(c) is None for c in columns):
            continue
        found = s.execute(select(t).where(*[t.c[c] == after[c] for c in columns],
                                          ~rows.key_match(name, key))).mappings().first()
        if found is not None:
            return after, columns, column, gid_of(s, name, rows.key_of(name, dict(found)))
    return None


UNIQUE_MERGED = ("(merged)",)


@dataclass(frozen=True)
class Pending:
    table: str
    columns: str
    renamed: bool


def pending(ws: Workspace) -> list[Pending]:
    """Clashes an admin has not settled yet (tables and fields, no values: ``open_clashes``)."""
    ws.require("admin", "supervisor")
    with ws.read() as s:
        return [Pending(c.tbl, c.columns, c.renamed) for c in open_clashes(s)]


# Counters every laptop numbers alike from what it holds (a plan's cells, ``cells``; a note's
# revisions, ``numbering``): a clash there leaves nothing for an admin.
_PLACED_BY_SYNC = frozenset({"rotation_entries", "note_revisions"})


def _unsettled(s: Session) -> list[SyncClash]:
    return list(s.scalars(select(SyncClash).where(
        SyncClash.resolved_at.is_(None), SyncClash.renamed.is_(True),
        SyncClash.tbl.not_in(_PLACED_BY_SYNC)).order_by(SyncClash.id)))


def close_renamed(s: Session, now: datetime) -> None:
    """Record as settled the renamed rows given another value since (a chart's right number,
    here or on another laptop), so that ``sync_clashes`` says what is left (each round)."""
    for clash in _unsettled(s):
        if suffixed_value(s, clash) == "":
            clash.resolved_at = now


def open_clashes(s: Session) -> list[SyncClash]:
    """The clashes an admin still has to look at, oldest first: a row renamed with a suffix
    that still carries it (once someone gives a chart its right number, on any laptop, the
    clash closes on every laptop the edit reaches), or a topic version numbered apart, until
    acknowledged here. Rows made one record (``merging.merge``) are not among them: where their
    values differ, the record's fields are flagged like concurrent edits (``conflicts``)."""
    return [clash for clash in _unsettled(s) if suffixed_value(s, clash) != ""]


def suffixed_value(s: Session, clash: SyncClash) -> str | None:
    """For a renamed row (``kind`` "rename"): the suffixed value it still shows, or "" when it
    no longer does (renamed since, or gone). None for a clash of another kind."""
    how, column = kind(clash.tbl, tuple(clash.columns.split(",")))
    if how != "rename" or column is None:
        return None
    key = s.scalar(select(SyncRow.row_key).where(SyncRow.gid == clash.gid,
                                                 SyncRow.tbl == clash.tbl))
    found = rows.read_rows(s, clash.tbl, [key]) if key is not None else []
    value = str(found[0][column]) if found else ""
    return value if value.endswith(suffix_of(clash.gid)) else ""
