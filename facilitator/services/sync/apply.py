"""Pulled changes -> local rows.

Every change is applied at most once and the result does not depend on the order in which
concurrent changes arrive, so laptops that received the same entries hold the same record:

* ``insert``: a global id already known (a replay, or a deleted row's tombstone) is a no-op;
  otherwise the row is inserted with references translated to local keys.
* ``update``: per field, the change replaces the heads it was based on; heads it did not see
  stay. One head: the field simply takes the value. Several heads with different values: two
  laptops edited the same field concurrently. Both values are kept in ``sync_rows``, the row
  shows the one with the greatest change id (the same choice on every laptop, so the laptops
  agree), and the record is flagged for an admin, who settles it by saving a value, which
  supersedes every head. A change id already among the heads is a replay: nothing happens.
* ``delete``: the row goes, its gid stays as a tombstone; later updates of it are ignored.

Writes run with foreign keys deferred to the commit: within an entry the changes come in the
order their rows were last touched, which the signed-note triggers need (facts before the
signature that locks them), while a row may still refer to one inserted later in the entry.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from ...models.sync import SyncRow
from ...storage.sync_capture import SYNCED
from . import clashes, rows
from .collect import conflicted, winner
from .rows import NO_CONFLICT, MissingRecord


def apply_changes(s: Session, changes: list[dict[str, Any]]) -> int:
    """Apply one entry's changes inside the caller's transaction; returns how many changed
    anything."""
    s.execute(select(1))  # the transaction is open: the pragma applies to it
    s.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    signing: list[tuple[int, Any]] = []
    with s.no_autoflush:  # every insert flushes its own sync record; nothing else needs it
        done = _apply_all(s, changes, signing)
        # A signed revision arrives with its signature time, but its goal links (refused once
        # it is signed) may follow it in the entry, as they do in a first laptop's whole
        # record: it is inserted unsigned and signed once the entry's other changes are in.
        revisions = rows.table("note_revisions")
        for key, signed_at in signing:
            s.execute(update(revisions).where(revisions.c.id == key)
                      .values(signed_at=signed_at))
    s.flush()
    return done


def _apply_all(s: Session, changes: list[dict[str, Any]],
               signing: list[tuple[int, Any]]) -> int:
    done = 0
    pending = [c for c in changes if c["table"] in SYNCED]  # others: tables we do not sync
    while pending:
        # Changes come in the order their rows were last touched, so a row can refer to one
        # inserted further on in the entry (a signed revision to its note, both touched at
        # signing). Such a change waits for the next pass; everything else keeps its order.
        later = {c["gid"] for c in pending if c["op"] == "insert"}
        waiting = []
        for change in pending:
            later.discard(change["gid"])
            try:
                if change["op"] == "insert":
                    done += _insert(s, change["table"], change, signing)
                else:
                    op = _update if change["op"] == "update" else _delete
                    done += op(s, change["table"], change)
            except MissingRecord as missing:
                if missing.gid not in later and missing.gid not in {
                        c["gid"] for c in waiting if c["op"] == "insert"}:
                    raise
                waiting.append(change)
        if len(waiting) == len(pending):
            raise MissingRecord(waiting[0]["table"], waiting[0]["gid"])
        pending = waiting
    return done


def _known(s: Session, gid: str) -> SyncRow | None:
    row = s.get(SyncRow, gid)
    if row is not None and row.row_key is None:
        # A row merged into another one on a unique key: its changes land there.
        standing = rows.standing(s, gid)
        if standing != gid:
            return s.get(SyncRow, standing)
    return row


def _insert(s: Session, name: str, change: dict[str, Any],
            signing: list[tuple[int, Any]]) -> int:
    if s.get(SyncRow, change["gid"]) is not None:
        return 0
    # A row may refer to itself (the first admin created her own account): such a reference
    # can only be written once the row has its local key.
    own = {col for col, v in change["fields"].items() if v == change["gid"]}
    values = rows.decode_fields(s, name, {col: None if col in own else v
                                          for col, v in change["fields"].items()})
    if name in clashes.UNIQUES:
        settled = clashes.settle_insert(s, name, change["gid"], values)
        if isinstance(settled, clashes.Alias):
            return clashes.merge(s, name, change, settled)
        values = settled
    signed_at = values.get("signed_at") if name == "note_revisions" else None
    if signed_at is not None:
        values["signed_at"] = None
    result = s.execute(insert(rows.table(name)).values(**values))
    if rows.key_columns(name) == ("id",):
        values["id"] = result.inserted_primary_key[0]
        if signed_at is not None:
            signing.append((values["id"], signed_at))
            values["signed_at"] = signed_at
        if own:
            s.execute(update(rows.table(name)).where(rows.table(name).c.id == values["id"])
                      .values(**dict.fromkeys(own, values["id"])))
    s.add(SyncRow(gid=change["gid"], tbl=name, row_key=rows.key_of(name, values),
                  fields={col: [[change["id"], v]] for col, v in change["fields"].items()},
                  conflicted=False))
    s.flush()
    return 1


def _update(s: Session, name: str, change: dict[str, Any]) -> int:
    known = _known(s, change["gid"])
    if known is None or known.row_key is None:
        return 0  # deleted here (or never seen): an edit of a deleted record is moot
    fields = dict(known.fields)
    shown: dict[str, Any] = {}
    for col, value in change["fields"].items():
        heads = fields.get(col, [])
        if any(h[0] == change["id"] for h in heads):
            continue  # applied before
        base = set(change.get("base", {}).get(col, []))
        heads = [h for h in heads if h[0] not in base] + [[change["id"], value]]
        if col in NO_CONFLICT:
            heads = [max(heads, key=lambda h: h[0])]
        fields[col] = sorted(heads, key=lambda h: h[0])
        shown[col] = winner(fields[col])
    if not shown:
        return 0
    known.fields = fields
    known.conflicted = conflicted(fields)
    values = rows.decode_fields(s, name, shown)
    if values:
        s.execute(update(rows.table(name)).where(*rows.key_filter(name, known.row_key))
                  .values(**values))
    return 1


def _delete(s: Session, name: str, change: dict[str, Any]) -> int:
    # Not through aliases: deleting a duplicate merged away leaves the standing record.
    known = s.get(SyncRow, change["gid"])
    if known is None:
        s.add(SyncRow(gid=change["gid"], tbl=name, row_key=None, fields={}, conflicted=False))
        return 0
    if known.row_key is None:
        return 0
    s.execute(delete(rows.table(name)).where(*rows.key_filter(name, known.row_key)))
    known.row_key = None
    known.fields = {}
    known.conflicted = False
    return 1
