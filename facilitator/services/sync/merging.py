"""One thing made on two laptops apart, made one record here (``clashes``: "only references").

``merge``: the row with the smaller global id stands, the other global id becomes its alias,
and every field keeps both values (flagged where they differ). ``hand_over``: a pulled deletion
of a standing record whose alias is not deleted leaves the row to the alias. ``alive``: the
aliases a change made here to the row goes to as well (``collect``), so that the row is the
same on every laptop whichever record ends up holding it.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ...models.sync import SyncRow
from ...models.sync_security import SyncClash
from ...storage.guards import lifted
from ..workspace import Workspace
from . import rows
from .clashes import SHIPPED_KEYS, UNIQUE_MERGED, Alias, note_clash
from .rows import conflicted, standing, unsent

# Guards a merge writes who-added-it past (``rows.SAME_WHEN_EQUAL``): a topic version's words
# never change, but two laptops' identical versions must show one adder and time on both.
_BOOKKEEPING_GUARDS = {"topic_versions": "topic_versions_no_update"}


def merge(s: Session, name: str, change: dict[str, Any], alias: Alias,
          ws: Workspace | None = None) -> int:
    """Make the pulled row and the row here one record: the smaller global id stands, the
    other becomes its alias; every field keeps both values (flagged where they differ)."""
    incoming = change["gid"]
    theirs = {col: [[change["id"], v]] for col, v in change["fields"].items()}
    if alias.gid is None:  # the row here has no global id yet: it takes this one
        s.add(SyncRow(gid=incoming, tbl=name, row_key=alias.row_key, fields=theirs,
                      conflicted=False))
        s.flush()
        return 1
    here = s.get(SyncRow, alias.gid)
    assert here is not None
    # A reference to a row merged meanwhile (a shipped topic's module, added on both laptops)
    # names the row that stands, so that the two laptops' references agree.
    refs = rows.refs(name)
    fields = {col: sorted(([[h[0], standing(s, h[1]), *h[2:]] if h[1] is not None else h
                            for h in heads] if col in refs else heads), key=lambda h: h[0])
              for col in set(here.fields) | set(theirs)
              for heads in [here.fields.get(col, []) + theirs.get(col, [])]}
    # "Who changed it last" is no conflict: the greatest change id is shown by the row on
    # every laptop, as when an edit arrives (``apply``); so do a note's workflow fields, which
    # ``note_state`` then works out from the records. The clinical fields keep both values.
    last = {col: max(heads, key=lambda h: h[0]) for col, heads in fields.items()
            if rows.latest_only(name, col) and heads}

    def write_last() -> None:
        statement = update(rows.table(name)).where(*rows.key_filter(name, alias.row_key)).values(
            rows.decode_fields(s, name, {col: head[1] for col, head in last.items()}))
        guard = _BOOKKEEPING_GUARDS.get(name)  # who added it, past a guard on its words
        with lifted(s.connection(), guard) if guard else nullcontext():
            s.execute(statement)

    if last and not rows.attempt(s, write_last)[1]:
        # Attendance a note signed here states (``locked``): the row keeps its own values,
        # among the heads, so nothing goes out for them (``rows.kept_here``).
        fields[rows.HELD] = [["", sorted(last)]]
    # The pulled row's id stands, on every laptop alike; so it does when the row here has a
    # global id that never travelled (given at signing, ``rows.unsent``): no other laptop
    # knows that id, it stays here as an alias so the signature naming it still verifies.
    # One thing added twice (the shipped library's): nothing for an admin to settle; fields
    # that differ are flagged on the record, as concurrent edits are.
    settled = name in rows.SAME_WHEN_EQUAL or name in SHIPPED_KEYS
    # The record that becomes an alias keeps its own heads (``rows.tombstone``): should the
    # standing one be deleted, the row goes on as the alias's (``hand_over``).
    if incoming < alias.gid or unsent(here):
        # (One that never travelled has no heads: nothing to keep.)
        here.row_key, here.conflicted = None, False
        here.fields = rows.tombstone(name, here.fields)
        s.flush()
        s.add(SyncRow(gid=incoming, tbl=name, row_key=alias.row_key, fields=fields,
                      conflicted=conflicted(name, fields)))
        note_clash(s, ws, name, alias.gid, incoming, UNIQUE_MERGED, False, settled)
    else:
        here.fields, here.conflicted = fields, conflicted(name, fields)
        s.add(SyncRow(gid=incoming, tbl=name, row_key=None, fields=theirs, conflicted=False))
        note_clash(s, ws, name, incoming, alias.gid, UNIQUE_MERGED, False, settled)
    s.flush()
    return 1


def hand_over(s: Session, name: str, record: SyncRow) -> str | None:
    """A pulled deletion of ``record``, which stands for records merged into it (one walk-in
    added on two laptops apart): where one of them is not deleted, the row goes on as that
    one's, with its own values (the smallest such global id), and ``record`` alone is
    deleted; returns that global id. Else None: the row goes. A laptop that deleted
    ``record`` before the other arrived takes that one in as new, so every laptop ends with
    it; before, the laptops that had merged them deleted the row, and they differed for good."""
    aliases = s.scalars(select(SyncClash.gid).where(
        SyncClash.tbl == name, SyncClash.other_gid == record.gid,
        SyncClash.renamed.is_(False))).all()
    alive = sorted(a for a in aliases if (row := s.get(SyncRow, a)) is not None
                   and row.row_key is None and row.fields)
    if not alive:
        return None
    heir = s.get(SyncRow, alive[0])
    assert heir is not None and record.row_key is not None
    key = record.row_key
    shown = {col: max(heads, key=lambda h: h[0])[1] for col, heads in heir.fields.items()}
    statement = update(rows.table(name)).where(*rows.key_filter(name, key)).values(
        rows.decode_fields(s, name, shown))
    if not rows.attempt(s, lambda: s.execute(statement))[1]:
        return None  # a signed note here states the row: ``locked`` decides, as before
    record.row_key, record.fields, record.conflicted = None, rows.tombstone(
        name, record.fields), False
    s.flush()
    heir.row_key, heir.conflicted = key, conflicted(name, heir.fields)
    # The others merged into ``record`` now stand for the heir; it stands for itself.
    s.execute(delete(SyncClash).where(SyncClash.gid == heir.gid,
                                      SyncClash.other_gid == record.gid))
    s.execute(update(SyncClash).where(SyncClash.other_gid == record.gid,
                                      SyncClash.renamed.is_(False)).values(other_gid=heir.gid))
    s.flush()
    return heir.gid


def alive(s: Session, gids: Iterable[str]) -> dict[str, list[SyncRow]]:
    """For each of these global ids, the records merged into it (and into those: three
    laptops) that are not deleted: each a record made apart that the row stands for, and
    that takes the row over should the standing record be deleted elsewhere (``hand_over``).
    Reads nothing where this laptop never merged a record."""
    if s.scalar(select(SyncClash.id).where(SyncClash.renamed.is_(False)).limit(1)) is None:
        return {}
    found: dict[str, list[SyncRow]] = {}
    asked = {gid: gid for gid in gids}  # a global id -> the one it was asked for
    for _ in range(8):  # as ``rows.standing``: aliases of aliases, never a loop
        if not asked:
            break
        merged: dict[str, str] = {}
        wanted = sorted(asked)
        for start in range(0, len(wanted), 500):
            merged.update((gid, asked[other]) for gid, other in s.execute(
                select(SyncClash.gid, SyncClash.other_gid).where(
                    SyncClash.renamed.is_(False),
                    SyncClash.other_gid.in_(wanted[start:start + 500]))))
        for gid, top in merged.items():
            row = s.get(SyncRow, gid)
            if row is not None and row.row_key is None and row.fields:
                found.setdefault(top, []).append(row)
        asked = merged
    return found
