"""How a synced row travels: which columns, how values are written in an entry, and how local
integer keys become global ids (and back).

Values are JSON (``codec``: datetimes, dates and times in ISO 8601, bytes in hex, JSON columns
as they are). A column that refers to another synced row (a foreign
key, or one of the few references kept without a constraint) travels as that row's global id,
so an entry never carries a local key. Comparisons happen on these encoded values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Column, Table, and_, delete, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

# Every model module, so that Base.metadata knows every synced table.
from ...models import audit, curriculum, notes, roster, sessions, slots, users  # noqa: F401
from ...models.base import Base
from ...models.sync import SyncDirty, SyncRow
from ...models.sync_security import SyncClash
from ...storage.sync_capture import LOCAL_COLUMNS, SYNCED
from .. import note_workflow
from ..errors import SyncProblem
from ..workspace import SIGNED_MARKER
from . import codec

# References kept without a foreign key constraint (see their models).
EXTRA_REFS = {("users", "supervisor_id"): "users", ("segments", "topic_version_id"):
              "topic_versions"}
# "Who changed it last" bookkeeping: concurrent values are not a clinical conflict, the
# greatest change id simply stands (never used for clinical fields).
NO_CONFLICT = {"updated_at", "updated_by_id"}
# Fields that follow from append-only records (a note's workflow state from its revisions,
# signatures and reviews: ``services.note_workflow``): concurrent values are no conflict
# either; every laptop works them out again from the records (``note_state``).
DERIVED: dict[str, frozenset[str]] = {"progress_notes": frozenset(note_workflow.FIELDS)}
# Rows that are one when two laptops made them alike (``clashes``: the shipped curriculum's
# modules, topics and versions, added by each laptop after an update of the app): who added
# one and when is no conflict of the merged record. For a version, the fields left out when
# two are compared.
_ADDED = frozenset({"created_at", "created_by_id"})
SAME_WHEN_EQUAL: dict[str, frozenset[str]] = {"topic_versions": _ADDED}
# Per table, bookkeeping that takes the latest change too: when a draft was last saved (one
# draft saved on two laptops apart, or saved on one while the other signed it, is a conflict
# of its text and goal ratings, flagged there, not of this time), and who added one of the
# shipped curriculum's rows (above).
BOOKKEEPING: dict[str, frozenset[str]] = {
    "note_revisions": frozenset({"saved_at"}), "topic_versions": _ADDED,
    "curriculum_modules": _ADDED, "curriculum_topics": _ADDED}


# A sync record's note of the fields sync did not write because a signed note locks the row
# here (``locked``, ``clashes``): the row shows its own value, one of the values kept.
HELD = "~held"
# A row that came apart from a note signed here (``locked``): taken in past its guard, kept
# though deleted elsewhere, or kept though edited elsewhere. Flagged until settled.
APART = "~apart"
# A row a signed note locks, whose pulled edit (the fields named) or deletion (``REVIVE``) sync
# set aside here: the next round sends what the row holds as a restore, which every laptop
# writes past its guard, so that all of them hold what the note states (``locked``).
RESTORE = "~restore"
REVIVE = "~revive"
# The key that marks such a change (an update or an insert) as a restore.
RESTORES = "restore"


T = TypeVar("T")


def refused(error: DBAPIError) -> bool:
    """Whether a signed note's guard refused the statement (``storage.guards``)."""
    return SIGNED_MARKER in str(error.orig)


def attempt(s: Session, statement: Callable[[], T]) -> tuple[T | None, bool]:
    """Run ``statement`` in a savepoint: (its result, True), or (None, False) where a signed
    note's guard refused it, leaving nothing of it behind (any other error is raised)."""
    try:
        with s.begin_nested():
            return statement(), True
    except DBAPIError as error:
        if not refused(error):
            raise
        return None, False


def held(fields: dict[str, Any]) -> set[str]:
    """The fields of a record that show the row's own value, not the newest (``HELD``)."""
    marked = fields.get(HELD)
    return set(marked[0][1]) if marked else set()


def restoring(fields: dict[str, Any]) -> set[str]:
    """The fields of a record that the next round sends as a restore (``RESTORE``)."""
    marked = fields.get(RESTORE)
    return set(marked[0][1]) if marked else set()


def unmark(fields: dict[str, Any], marker: str, columns: set[str]) -> dict[str, Any]:
    """A record's fields with ``columns`` taken out of a marker's list (``HELD``, ``RESTORE``),
    the marker gone once it lists none."""
    if marker not in fields:
        return fields
    left = set(fields[marker][0][1]) - columns
    out = {k: v for k, v in fields.items() if k != marker}
    return {**out, marker: [["", sorted(left)]]} if left else out


def note_for_sending(s: Session, name: str, key: str) -> None:
    """Have the next round look at this row, as the capture triggers do after a write."""
    s.execute(delete(SyncDirty).where(SyncDirty.tbl == name, SyncDirty.row_key == key))
    s.add(SyncDirty(tbl=name, row_key=key))


def kept_here(name: str, current: dict[str, Any], fields: dict[str, Any]) -> set[str]:
    """The fields of a row that show a value sync kept rather than the newest: every field of
    a note revision signed here (it shows its signing), and the held ones of a row a signed
    note locks. Not edits: ``collect`` sends nothing for them, ``conflicts`` shows them."""
    if name == "note_revisions" and current.get("signed_at") is not None:
        return set(current)
    return held(fields)


def conflicted(name: str, fields: dict[str, list[list[Any]]]) -> bool:
    """Whether a field of a row of table ``name`` has heads of different values (one head, the
    usual case, cannot), not counting fields that take the latest change (``latest_only``),
    or came apart from a note signed here (``APART``)."""
    return APART in fields or any(
        len(heads) > 1 and not latest_only(name, col)
        and len({json.dumps(h[1], sort_keys=True) for h in heads}) > 1
        for col, heads in fields.items())


def latest_only(name: str, column: str) -> bool:
    """Whether a field shows its greatest change id and is never flagged. Its concurrent heads
    are kept all the same (an edit supersedes only those it saw): dropping the lesser ones
    when two meet would let a later edit that had not seen one of them decide, on one laptop
    and not another, which value stands."""
    return (column in NO_CONFLICT or column in DERIVED.get(name, ())
            or column in BOOKKEEPING.get(name, ()))


def table(name: str) -> Table:
    return Base.metadata.tables[name]


@cache
def fields_of(name: str) -> tuple[Column[Any], ...]:
    """The columns that travel: all but a local surrogate key and per-laptop columns."""
    t = table(name)
    local = LOCAL_COLUMNS.get(name, frozenset())
    return tuple(c for c in t.columns if c.name not in local
                 and not (c.primary_key and not c.foreign_keys))


def unsent(row: SyncRow) -> bool:
    """A global id given before the row ever travelled (a signature names the rows it binds
    by global id, ``services.notes.signed_refs``): the row goes out as an insert with it."""
    return row.row_key is not None and not row.fields


def tombstone(name: str, fields: dict[str, Any]) -> dict[str, Any]:
    """What a deleted record's sync record keeps: the heads of its columns (no marks), from
    which ``referred.revive`` takes it back if a record pulled later refers to it."""
    columns = {c.name for c in fields_of(name)}
    return {col: heads for col, heads in fields.items() if col in columns}


def ref_table(name: str, column: Column[Any]) -> str | None:
    if (name, column.name) in EXTRA_REFS:
        return EXTRA_REFS[(name, column.name)]
    for fk in column.foreign_keys:
        return fk.column.table.name
    return None


def key_columns(name: str) -> tuple[str, ...]:
    return SYNCED[name]


def key_of(name: str, values: dict[str, Any]) -> str:
    return ",".join(str(values[c]) for c in key_columns(name))


def key_filter(name: str, row_key: str) -> list[Any]:
    t = table(name)
    return [t.c[c] == int(part) for c, part in zip(key_columns(name), row_key.split(","),
                                                   strict=True)]


def key_match(name: str, row_key: str) -> Any:
    """``key_filter`` as one condition (to negate: every row but that one)."""
    return and_(*key_filter(name, row_key))


def read_rows(s: Session, name: str, row_keys: list[str]) -> list[dict[str, Any]]:
    """The rows with these keys that still exist."""
    t = table(name)
    if key_columns(name) == ("id",):
        query = select(t).where(t.c.id.in_([int(k) for k in row_keys]))
        return [dict(r) for r in s.execute(query).mappings()]
    found = []
    for key in row_keys:  # link tables: few rows at a time
        row = s.execute(select(t).where(*key_filter(name, key))).mappings().first()
        if row is not None:
            found.append(dict(row))
    return found


def records_of(s: Session, name: str, keys: list[int], at_once: int = 500
               ) -> dict[int, tuple[str, dict[str, Any]]]:
    """The global id and sync fields of each of these rows of table ``name`` that has a sync
    record (local key -> (gid, fields)), read without the ORM (a first pull renumbers whole
    notes and plans: only the rows that move are loaded to change)."""
    out: dict[int, tuple[str, dict[str, Any]]] = {}
    for start in range(0, len(keys), at_once):
        for gid, key, fields in s.execute(select(SyncRow.gid, SyncRow.row_key, SyncRow.fields)
                                          .where(SyncRow.tbl == name, SyncRow.row_key.in_(
                                              [str(k) for k in keys[start:start + at_once]]))):
            out[int(key)] = (gid, fields or {})
    return out


_GID_SQL = "SELECT gid FROM sync_rows WHERE tbl = ? AND row_key = ?"


class GidCache:
    """Local key -> global id lookups for one unit of work. A table asked about often (a first
    sync sends every row, each naming its session, note or participant) is read whole, once;
    otherwise each key is asked of the database once."""

    WHOLE_TABLE_AFTER = 64  # lookups of one table before reading all of its global ids

    def __init__(self, s: Session) -> None:
        self.s = s
        self._seen: dict[tuple[str, str], str] = {}
        self._asked: dict[str, int] = {}

    def __call__(self, name: str, local_id: Any) -> str:
        gid = self.find(name, local_id)
        if gid is None:
            raise SyncProblem(f"A {name} record ({local_id}) has no global id yet; run"
                              " sync again after 'verify'.")
        return gid

    def find(self, name: str, local_id: Any) -> str | None:
        """The global id, or None when the record has none yet (not cached: it may get one)."""
        key = (name, str(local_id))
        gid = self._seen.get(key)
        if gid is None:
            asked = self._asked[name] = self._asked.get(name, 0) + 1
            if asked == self.WHOLE_TABLE_AFTER:
                for row_key, found in self.s.execute(select(SyncRow.row_key, SyncRow.gid)
                                                     .where(SyncRow.tbl == name,
                                                            SyncRow.row_key.is_not(None))):
                    self._seen[(name, row_key)] = found
                gid = self._seen.get(key)
            if gid is None:
                # The driver's own statement: a seal looks up every reference of every row it
                # collects, inside the write transaction the console may be waiting for, and
                # the ORM's query took ~0.4 ms of that time each.
                gid = self.s.connection().exec_driver_sql(_GID_SQL, key).scalar()
            if gid is not None:
                self._seen[key] = gid
        return gid


class MissingRecord(SyncProblem):
    """A change refers to a record (``gid``) this laptop does not hold."""

    def __init__(self, name: str, gid: str) -> None:
        super().__init__(f"An entry refers to a {name} record this laptop does not have (or"
                         " that was deleted); nothing of that entry was applied.")
        self.gid = gid


def standing(s: Session, gid: str) -> str:
    """The global id a change addressed to ``gid`` lands on: itself, unless the row was merged
    into another on a unique key (``clashes``)."""
    for _ in range(8):  # aliases of aliases (three laptops), never a loop
        other = s.scalar(select(SyncClash.other_gid).where(SyncClash.gid == gid,
                                                           SyncClash.renamed.is_(False)))
        if not other:
            return gid
        gid = other
    return gid


def local_of(s: Session, name: str, gid: str) -> int:
    key = s.scalar(select(SyncRow.row_key).where(SyncRow.gid == gid, SyncRow.tbl == name))
    if key is None:
        other = standing(s, gid)  # a row merged into another on a unique key
        if other != gid:
            key = s.scalar(select(SyncRow.row_key).where(SyncRow.gid == other,
                                                         SyncRow.tbl == name))
    if key is None:
        raise MissingRecord(name, gid)
    return int(key)


def encode_row(gids: GidCache, name: str, values: dict[str, Any]) -> dict[str, Any]:
    """The travelling fields of a local row, references as global ids."""
    out: dict[str, Any] = {}
    for column in fields_of(name):
        value = values[column.name]
        target = ref_table(name, column)
        if target is not None and value is not None:
            out[column.name] = gids(target, value)
        else:
            out[column.name] = codec.encode(column, value)
    return out


@cache
def refs(name: str) -> dict[str, str]:
    """The columns of ``name`` that refer to another synced row: column -> referred table."""
    found = {}
    for column in fields_of(name):
        target = ref_table(name, column)
        if target is not None:
            found[column.name] = target
    return found


@cache
def _decoding(name: str) -> dict[str, tuple[str | None, Callable[[Any], Any] | None]]:
    """Per travelling column of ``name``: the table it refers to (or None) and how its
    encoded value is read (None: as it is), worked out once per table (a first pull decodes
    every field of every row of the clinic)."""
    return {c.name: (ref_table(name, c), codec.reader(c)) for c in fields_of(name)}


def decode_fields(s: Session, name: str, fields: dict[str, Any],
                  local: Callable[[str, str], int] | None = None) -> dict[str, Any]:
    """Column values for a local write, global ids translated to local keys (by ``local``,
    e.g. a look-up prepared for a whole entry; by default one query per reference)."""
    local = local or (lambda target, gid: local_of(s, target, gid))
    plan = _decoding(name)
    out: dict[str, Any] = {}
    for col, value in fields.items():
        how = plan.get(col)
        if how is None:
            continue  # a column this version does not sync (or know): ignored, never guessed
        target, read = how
        if value is None or (target is None and read is None):
            out[col] = value
        elif target is not None:
            out[col] = local(target, value)
        else:
            out[col] = read(value)  # type: ignore[misc]
    return out
