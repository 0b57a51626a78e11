"""A record deleted on one laptop while another laptop recorded something that refers to it.

Two facilitators run one block on two laptops: on A a walk-in is undone (its attendance record
deleted) while on B the same participant steps out (a time out of the room, which refers to
that attendance). B could not make the pulled deletion (its step-out refers to the record: a
foreign key) and A could not take in B's step-out (it refers to a record A deleted): each
refused the other's entry in every round, and sync stopped for good on both laptops.

Nothing recorded is lost; the record stays, on every laptop:

* a laptop that pulls the deletion of a record that rows here refer to keeps it (``keep``);
* a laptop where the record is deleted (here, or by a pulled deletion) takes it back when a
  pulled change refers to it (``revive``), with the values its sync record kept: a deletion
  keeps the record's field heads in its tombstone (``rows.tombstone``), and pulled edits of a
  deleted record still update them (``apply``), so every laptop takes it back alike.

Either way the laptop flags the record (``locked.APART``, ``REFERRED``) until someone
acknowledges it on the Sync conflicts page, where it says what happened.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ...models.base import Base
from ...models.sync import SyncRow
from ...storage.sync_capture import SYNCED
from . import clashes, locked, merging, rows

REFERRED = "referred"
# Tables whose rows sync places by what a laptop holds (``numbering``, ``cells``): not taken
# back this way (a note revision is never deleted once signed; a plan's entries nothing names).
_NOT_REVIVED = frozenset({"note_revisions", "rotation_entries"})


@cache
def _referrers(name: str) -> tuple[tuple[str, str], ...]:
    """(table, column) of every foreign key to ``name`` from a synced table: a row that
    travels, and so makes the laptops that deleted the record take it back. (The console's
    undo log, the one local table with references, names sessions and users, which are
    never deleted.)"""
    return tuple((t.name, fk.parent.name) for t in Base.metadata.tables.values()
                 if t.name in SYNCED for fk in t.foreign_keys if fk.column.table.name == name)


@cache
def referring_tables(name: str) -> frozenset[str]:
    """The synced tables with a foreign key to ``name``."""
    return frozenset(table for table, _column in _referrers(name))


def referred_here(s: Session, name: str, key: str) -> bool:
    """Whether a row here refers to row ``key`` of ``name`` (other than the row itself)."""
    if rows.key_columns(name) != ("id",):
        return False
    for table_name, column in _referrers(name):
        t = Base.metadata.tables[table_name]
        where = [t.c[column] == int(key)]
        if table_name == name:
            where.append(t.c.id != int(key))
        if s.scalar(select(exists().where(*where))):
            return True
    return False


def keep(record: SyncRow, change_id: str) -> None:
    """A pulled deletion of a record rows here refer to: the row stays, flagged."""
    record.fields = locked.mark(record.fields, change_id, REFERRED)
    record.conflicted = True


def revive(s: Session, name: str, gid: str, local: Any) -> int | None:
    """Take back a record deleted here that a pulled change refers to: its row inserted again
    from the values its tombstone kept (references through ``local``), flagged. Returns its
    new local key, or None where it cannot be taken back (nothing kept: a record deleted
    before tombstones kept their values, or one that never travelled)."""
    record = s.get(SyncRow, gid)
    if (record is None or record.row_key is not None or name in _NOT_REVIVED
            or rows.key_columns(name) != ("id",) or rows.standing(s, gid) != gid):
        return None
    heads = rows.tombstone(name, record.fields)
    if not heads:
        return None
    shown = {col: max(h, key=lambda head: head[0])[1] for col, h in heads.items()}
    values = rows.decode_fields(s, name, shown, local)
    latest = max(h[0] for column_heads in heads.values() for h in column_heads)
    if name in clashes.UNIQUES:
        settled = clashes.settle_insert(s, name, gid, values)
        if isinstance(settled, clashes.Alias):
            return _merged(s, name, record, settled, shown, latest)
        values = settled
    try:
        with s.begin_nested():
            result, _apart = locked.insert(s, name, values)
    except DBAPIError:
        return None  # a row the schema no longer takes as it was kept: left deleted
    key = int(result.inserted_primary_key[0])
    record.row_key = str(key)
    record.fields = locked.mark(heads, latest, REFERRED)
    record.conflicted = True
    s.flush()
    return key


def _merged(s: Session, name: str, record: SyncRow, alias: clashes.Alias,
            shown: dict[str, Any], latest: str) -> int:
    """The record taken back is one thing with a row here (one walk-in added on two laptops
    apart, the other laptop's taken in after this one's was deleted): merged into it as if it
    arrived now, the smaller global id standing (``merging.merge``), flagged."""
    gid = record.gid
    s.delete(record)  # its tombstone: the merge writes its sync record anew
    s.flush()
    merging.merge(s, name, {"gid": gid, "id": latest, "fields": shown}, alias)
    standing = s.get(SyncRow, rows.standing(s, gid))
    assert standing is not None and standing.row_key is not None
    standing.fields = locked.mark(standing.fields, latest, REFERRED)
    standing.conflicted = True
    s.flush()
    return int(standing.row_key)
