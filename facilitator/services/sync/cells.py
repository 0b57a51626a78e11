"""A rotation plan's cells numbered alike on every laptop, whatever order each learned of them.

A plan cell (one cycle week and weekday of a group's plan) holds a topic per module slot: slot
0 is the block's first module segment, 1 the second. Two laptops can each save the plan apart
with a topic in the same slot; sync keeps both entries (``clashes``: a counter within its
parent), so one of them must take another slot. A rule of the kind "the entry already here
keeps its slot, the one arriving takes the next free one" depends on arrival order: with three
laptops, two laptops that learned of the entries in different orders numbered them
differently (A and C showed the later two in slots 1 and 2, B in 2 and 1).

So a cell's slots are a function of the entries a laptop holds (``places``):

* each entry has the slot it was saved in (the one its laptop sent; its sync record keeps it,
  ``SAVED``, where sync placed the entry elsewhere);
* of the entries saved in one slot, the one with the smallest global id (UUIDv7: the earlier)
  keeps it; an entry that has not travelled yet comes after those that have;
* the others take the lowest slots left free, by the slot they were saved in, then by global
  id (two entries saved in slot 0: the later one shows as the block's second module when
  that slot is free). A slot past the block's last module is kept; the plan editor names
  such entries and leaves them out of the next save (``PlanView.unplaced_cells``).

Where the laptops hold the same entries they number them alike; an entry deleted (a plan saved
again elsewhere) gives its slot back. The cells of every plan whose entries a pull brought,
moved or deleted are worked out again (``renumber``); a cell whose entries sit where they were
saved (nearly every one) is only read. A pulled entry whose slot is taken here goes in at the
next free slot first (``clashes.settle_insert``), and ``renumber`` then places it. The app edits
only an entry's topic (saving a plan keeps the entries of the cells it keeps and replaces the
others), so an entry's saved slot never changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import count
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...models.curriculum import RotationEntry
from ...models.sync import SyncRow
from . import rows
from .collect import winner

__all__ = ["TABLE", "Entry", "edited", "places", "remember", "renumber", "touched"]

TABLE = "rotation_entries"
COLUMN = "slot"
# In an entry's sync record, where sync placed it in another slot: the slot it was saved in.
SAVED = "_saved_slot"
PLANS = "rotation_plans"  # ``GidIndex.touched``: the plans whose cells are worked out again
AT_ONCE = 500
LAST = "\uffff"  # sorts after every global id: an entry that has not travelled yet


@dataclass(frozen=True)
class Entry:
    """What numbering knows of one entry of a cell: its local id, slot now, the slot it was
    saved in, and its global id (None before it travels)."""

    id: int
    slot: int
    saved: int
    gid: str | None


def places(entries: Iterable[Entry]) -> dict[int, int]:
    """Each entry's slot (local id -> slot) among the entries of one cell."""
    ordered = sorted(entries, key=lambda e: (e.saved, e.gid or LAST, e.id))
    out: dict[int, int] = {}
    others: list[Entry] = []
    for entry in ordered:
        if entry.saved in out.values():
            others.append(entry)
        else:
            out[entry.id] = entry.saved
    free = (slot for slot in count() if slot not in out.values())
    for entry in others:
        out[entry.id] = next(free)
    return out


def remember(index: Any, plan_id: int) -> None:
    """Note in ``index`` (``gid_index.GidIndex``) that a cell of plan ``plan_id`` changed."""
    index.touched.setdefault(PLANS, set()).add(plan_id)


def touched(s: Session, index: Any, row_key: str) -> None:
    """Note in ``index`` the plan of the entry ``row_key`` (a pulled change reaches it): its
    cells are worked out again. Nothing for an entry this laptop deleted and has not sealed
    yet (a slice seals first unless a new sync key waits)."""
    t = RotationEntry.__table__
    plan_id = s.execute(select(t.c.plan_id).where(t.c.id == int(row_key))).scalar()
    if plan_id is not None:
        remember(index, plan_id)


def edited(s: Session, index: Any, record: SyncRow, shown: dict[str, Any]) -> None:
    """After a pulled edit of an entry (never made by the app, which replaces a plan's entries
    when it is saved): a slot it sends is the one the entry is saved in now."""
    if COLUMN in shown and SAVED in record.fields:
        record.fields = {col: heads for col, heads in record.fields.items() if col != SAVED}
    assert record.row_key is not None
    touched(s, index, record.row_key)


def renumber(s: Session, plan_ids: Iterable[int]) -> int:
    """Put the entries of every cell of these plans in their slots (``places``); returns how
    many moved."""
    t = RotationEntry.__table__
    plans = sorted(set(plan_ids))
    moved = 0
    for start in range(0, len(plans), AT_ONCE):
        by_cell: dict[tuple[int, int, int], list[Any]] = {}
        for row in s.execute(select(t.c.id, t.c.plan_id, t.c.week, t.c.weekday, t.c.slot)
                             .where(t.c.plan_id.in_(plans[start:start + AT_ONCE]))):
            by_cell.setdefault((row.plan_id, row.week, row.weekday), []).append(row)
        records = rows.records_of(s, TABLE, [r.id for found in by_cell.values()
                                             for r in found])
        for found in by_cell.values():
            moved += _place(s, found, records)
    return moved


def _entry(row: Any, record: tuple[str, dict[str, Any]] | None) -> Entry:
    if record is None or not record[1]:
        return Entry(row.id, row.slot, row.slot, None)  # not travelled yet
    gid, fields = record
    saved = fields.get(SAVED) or fields.get(COLUMN)
    return Entry(row.id, row.slot, winner(saved) if saved else row.slot, gid)


def _place(s: Session, cell: list[Any], records: dict[int, tuple[str, dict[str, Any]]]) -> int:
    """Move the entries of one cell to their slots (two steps: above every slot the cell
    has, then down, so no two ever hold one slot); returns how many moved."""
    entries = [_entry(row, records.get(row.id)) for row in cell]
    if all(e.slot == e.saved for e in entries) and len({e.saved for e in entries}) == len(
            entries):
        return 0  # every entry where it was saved: nothing to order
    target = places(entries)
    moving = [e for e in entries if e.slot != target[e.id]]
    t = RotationEntry.__table__
    top = max(e.slot for e in entries)
    for step, e in enumerate(moving, start=1):
        s.execute(update(t).where(t.c.id == e.id).values({COLUMN: top + step}))
    for e in moving:
        s.execute(update(t).where(t.c.id == e.id).values({COLUMN: target[e.id]}))
    for e in entries:
        if e.gid is None:
            continue  # it goes out at the slot it has when it travels
        heads = records[e.id][1].get(COLUMN)
        if heads and winner(heads) == target[e.id] and e.slot == target[e.id]:
            continue  # its record names the slot it has (and the one it was saved in)
        record = s.get(SyncRow, e.gid)
        if record is not None:
            record.fields = placed(record.fields, target[e.id], e.saved)
    return len(moving)


def placed(fields: dict[str, Any], place: int, saved: int) -> dict[str, Any]:
    """An entry's sync state once it stands at ``place``: its slot's heads name that place (so
    no round sends the placement as an edit: every laptop places it itself), and the slot it
    was saved in is kept while it stands elsewhere."""
    heads = fields.get(COLUMN, [])
    out = {**fields, COLUMN: [[h[0], place, *h[2:]] for h in heads]}
    out.pop(SAVED, None)
    if saved != place and heads:
        out[SAVED] = [[heads[0][0], saved]]
    return out
