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
  Fields that are no clinical conflict show the greatest change id and are never flagged
  (``rows.latest_only``): who changed a record last, and a note's workflow fields, which are
  then worked out again from the note's records (``note_state``, after the revisions are
  numbered). Their concurrent heads are kept all the same, so the one shown is the same on
  every laptop whatever order the changes came in.
* ``delete``: the row goes, its gid stays as a tombstone with the heads of its fields, which
  later updates of it still change (a deleted record that a pulled record refers to comes
  back from them, ``referred``); a record rows here refer to is kept (``referred``).

A change to the facts a note signed here states, made on a laptop that had not yet seen the
signing, is not refused in every round: ``locked`` says what happens to it.

Writes run with foreign keys deferred to the commit: within an entry the changes come in the
order their rows were last touched, which the signed-note triggers need (facts before the
signature that locks them), while a row may still refer to one inserted later in the entry.

Global ids are looked up together (``gid_index.GidIndex``: every id named by the entries of one
write slice, in a few statements) and inserted rows' sync records are written together: a new
laptop's first pull applies the clinic's whole record, some 700,000 rows for five years.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...models.sync import FieldHeads, SyncRow
from ...storage.bulk import BulkInsert, next_key
from ...storage.guards import lifted
from ...storage.sync_capture import SYNCED
from . import cells, clashes, locked, merging, note_state, numbering, referred, rows
from .collect import conflicted, winner
from .gid_index import GidIndex
from .rows import MissingRecord


def apply_changes(s: Session, changes: list[dict[str, Any]],
                  stop: Callable[[], bool] | None = None, index: GidIndex | None = None
                  ) -> tuple[int, list[dict[str, Any]]]:
    """Apply an entry's changes inside the caller's transaction, stopping early once ``stop()``
    says so (asked after each change, from the second on): returns how many changed anything
    and the changes still to apply, to be passed again in a later transaction (applying is
    idempotent, so a crash in between only means the entry is applied again). ``index``: the
    global ids already read in this transaction (``new_index``), for several entries alike."""
    s.execute(select(1))  # the transaction is open: the pragma applies to it
    s.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    pending = [c for c in changes if c["table"] in SYNCED]  # others: tables we do not sync
    index = index if index is not None else GidIndex(s)
    with s.no_autoflush:
        done, left = _apply_all(s, pending, index, stop)
    index.write()
    s.flush()
    # The notes whose revisions arrived or changed, numbered by what this laptop now holds.
    numbering.renumber(s, [int(found[1]) for c in pending if c["table"] == numbering.TABLE
                           and (found := index.known.get(c["gid"])) and found[1] is not None])
    # The plans whose entries came, changed or went: their cells numbered the same way.
    cells.renumber(s, index.touched.pop(cells.PLANS, ()))
    # The notes whose records came: their workflow fields are worked out once, when the pull
    # has applied its last entry (``note_state.take_touched``), not after every entry.
    note_state.remember(pending, index)
    s.flush()
    return done, left


# Rows a run inserts per statement, and single changes between flushes of their sync records:
# a slice asked to end (a console action waits) ends after at most that much more work.
INSERT_CHUNK = 25
FLUSH_EVERY = 25
# Rows of a run decoded between two checks: decoding the ``GidIndex.AHEAD`` rows a run may
# take before its first insert held a waiting console action for 4-7 ms, and eight rows (with
# their insert) still 2-3 ms.
DECODE_BETWEEN_CHECKS = 4
def _apply_all(s: Session, pending: list[dict[str, Any]], index: GidIndex,
               stop: Callable[[], bool] | None) -> tuple[int, list[dict[str, Any]]]:
    done = singles = 0
    while pending:
        # Changes come in the order their rows were last touched, so a row can refer to one
        # inserted further on in the entry (a signed revision to its note, both touched at
        # signing). Such a change waits for the next pass; everything else keeps its order.
        later = {c["gid"] for c in pending if c["op"] == "insert"}
        waiting: list[dict[str, Any]] = []
        position = prepared = 0
        while position < len(pending):
            if stop is not None and position and stop():
                return done, pending[position:] + waiting  # this pass's rest, then the next
            if position >= prepared:
                prepared = position + index.ahead
                index.prepare(pending[position:prepared])
            inserted = _insert_run(s, pending[position:prepared], index, stop)
            if inserted:
                later.difference_update(c["gid"] for c in pending[position:position + inserted])
                done += inserted
                position += inserted
                continue
            change = pending[position]
            position += 1
            later.discard(change["gid"])
            op = {"insert": _insert, "update": _update, "delete": _delete}[change["op"]]
            singles += 1
            if singles % FLUSH_EVERY == 0:
                s.flush()  # along the way: the flush that ends the slice stays short
            try:
                done += op(s, change["table"], change, index)
            except MissingRecord as missing:
                if missing.gid not in later and missing.gid not in {
                        c["gid"] for c in waiting if c["op"] == "insert"}:
                    raise
                waiting.append(change)
        if len(waiting) == len(pending):
            raise MissingRecord(waiting[0]["table"], waiting[0]["gid"])
        pending = waiting
    return done, []


def _insert_run(s: Session, changes: list[dict[str, Any]], index: GidIndex,
                stop: Callable[[], bool] | None = None) -> int:
    """Insert the leading run of plain new rows of one table in one statement (a first pull
    is mostly such runs); returns how many, 0 when fewer than two qualify (the caller then
    applies the first change on its own, with every special case)."""
    name = changes[0]["table"] if changes else ""
    if name == "note_goal_links" or rows.key_columns(name or "clinic") != ("id",):
        return 0
    run: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for change in changes:
        if len(run) >= 2 and len(run) % DECODE_BETWEEN_CHECKS == 0 and stop is not None and (
                stop()):
            break  # a console action waits: insert what is decoded, and the slice ends
        if (change["op"] != "insert" or change["table"] != name or change["gid"] in index.known
                or change["gid"] in change["fields"].values()):
            break
        try:
            values = rows.decode_fields(s, name, change["fields"], index.local)
        except MissingRecord:
            break  # it refers to a row further on: the caller's passes handle that
        if run and values.keys() != run[0][1].keys():
            break
        run.append((change, values))
    if len(run) >= 2 and name in clashes.UNIQUES:
        index.write()
        # Up to the first row that clashes with a row here: ``_insert`` settles that one.
        del run[clashes.first_clash(s, name, [values for _, values in run]):]
    if len(run) < 2:
        return 0
    table, conn = rows.table(name), s.connection()
    writer = BulkInsert.prepare(conn, table, ("id", *run[0][1]))
    if writer is None:
        return 0  # a column left out has a computed default: ``_insert`` applies it
    inserted, first = 0, next_key(conn, table)  # only this run inserts into it meanwhile
    while inserted < len(run):  # in chunks, so that a console action waits for one at most
        chunk = run[inserted:inserted + INSERT_CHUNK]
        ids = range(first + inserted, first + inserted + len(chunk))
        batch = [{"id": local_id, **values}
                 for (_change, values), local_id in zip(chunk, ids, strict=True)]
        if locked.covered(s, name, batch):  # a guard may refuse one: in a savepoint
            if not rows.attempt(s, lambda b=batch: writer.rows(conn, b))[1]:
                break  # the rows from there on go one by one (``_insert``)
        else:
            writer.rows(conn, batch)
        for (change, values), local_id in zip(chunk, ids, strict=True):
            if name == cells.TABLE:
                cells.remember(index, values["plan_id"])
            index.known[change["gid"]] = (name, str(local_id))
            index.new.append({"gid": change["gid"], "tbl": name, "row_key": str(local_id),
                              "conflicted": False,
                              "fields": FieldHeads.one_change(change["id"], change["fields"])})
        inserted += len(chunk)
        if stop is not None:  # a slice that may end here: its sync records go out with it
            index.write()
            if stop():
                break
    return inserted


def _known(s: Session, gid: str, index: GidIndex) -> SyncRow | None:
    index.write()
    row = s.get(SyncRow, gid)
    if row is not None and row.row_key is None:
        # A row merged into another one on a unique key: its changes land there.
        standing = rows.standing(s, gid)
        if standing != gid:
            return s.get(SyncRow, standing)
    return row


def _insert(s: Session, name: str, change: dict[str, Any], index: GidIndex) -> int:
    revived = False
    if change["gid"] in index.known:
        if not change.get(locked.RESTORES):
            return 0
        index.write()
        # A row a signed note states, deleted here before the signing arrived: taken back.
        if not (revived := locked.revives(s, change, index.known)):
            return 0
    # A row may name itself (the first admin "created by" herself): such a column is set once
    # the row has its local key.
    own = [col for col in rows.refs(name) if change["fields"].get(col) == change["gid"]]
    fields = {col: (None if col in own else v) for col, v in change["fields"].items()}
    values = rows.decode_fields(s, name, fields, index.local)
    holder = None
    if name == numbering.TABLE:  # its number taken here: above the others (``numbering``)
        values, holder = numbering.place(s, values)
    if name in clashes.UNIQUES:
        index.write()  # a clash is judged against rows whose sync records are all written
        settled = clashes.settle_insert(s, name, change["gid"], values)
        if isinstance(settled, clashes.Alias):
            done = merging.merge(s, name, change, settled)
            locked.merged(s, name, change, change["gid"])  # under a note signed here
            index.forget([change["gid"], settled.gid])
            return done
        values = settled
    result, apart = _insert_row(s, name, values)
    if rows.key_columns(name) == ("id",):
        values["id"] = result.inserted_primary_key[0]
    if own:
        s.connection().execute(update(rows.table(name)).where(*rows.key_filter(
            name, rows.key_of(name, values))).values({col: values["id"] for col in own}))
    key = rows.key_of(name, values)
    index.known[change["gid"]] = (name, key)
    if name == cells.TABLE:  # placed among its cell's entries after the entry (``cells``)
        cells.remember(index, values["plan_id"])
    fields = {col: [[change["id"], v]] for col, v in change["fields"].items()}
    if holder is not None:
        sent = change["fields"]["number"]
        clashes.record_clash(s, name, change["gid"], clashes.gid_of(s, name, str(holder)),
                             ("note_id", "number"))
        # Its heads name the number it has here (else the next round would send that as an
        # edit); a signed one keeps the number it was signed with, which it could not have.
        fields = numbering.placed(fields, values["number"],
                                  sent if values.get("signed_at") is not None else None)
    if revived:  # deleted here, restored by a laptop where a note states it (``locked``)
        fields = locked.mark(fields, change["id"], locked.DELETED)
    elif apart:  # a row the note signed here does not state, made where it was not seen
        fields = locked.mark(fields, change["id"], locked.INSERTED)
    index.new.append({"gid": change["gid"], "tbl": name, "row_key": key,
                      "conflicted": apart or revived, "fields": fields})
    return 1


def _insert_row(s: Session, name: str, values: dict[str, Any]) -> tuple[Any, bool]:
    """Insert a pulled row: (the result, whether a signed note's guard was set aside for it,
    ``locked``). Values as parameters, not in the statement: one compiled INSERT per table and
    column set (a first pull inserts every row of the clinic)."""
    conn = s.connection()
    revisions = rows.table("note_revisions")
    if name != "note_goal_links" or conn.scalar(select(revisions.c.signed_at).where(
            revisions.c.id == values["revision_id"])) is None:
        return locked.insert(s, name, values)
    # The revision arrived here signed, and its guard refuses new links: lifted for this one
    # insert. Its writer linked the goal before signing (the signed revision goes out before
    # its links), unless the revision was signed here: then the goal was rated on a laptop that
    # had not seen the signing, and the signed note does not state it (flagged, ``locked``).
    with lifted(conn, "note_goal_links_signed_no_insert"):
        result = conn.execute(rows.table(name).insert(), values)
    return result, locked.revision_signed_here(s, values["revision_id"])


def _update(s: Session, name: str, change: dict[str, Any], index: GidIndex) -> int:
    known = _known(s, change["gid"], index)
    if known is None:
        return 0  # never seen: moot
    if known.gid != change["gid"]:
        # Addressed to a record merged into this one: its own heads follow too, should the
        # row go on as its (``merging.hand_over``).
        alias = s.get(SyncRow, change["gid"])
        if alias is not None and alias.fields:
            alias.fields = _edited(alias.fields, change)[0]
    if known.row_key is None:
        # Deleted here: nothing to write, but a deleted record's heads are kept, so that if a
        # pulled record refers to it it comes back alike everywhere (``referred``).
        if known.gid == change["gid"] and known.fields:
            known.fields = _edited(known.fields, change)[0]
        return 0
    fields, shown = _edited(known.fields, change)
    if not shown:
        return 0
    before = known.fields
    known.fields = fields
    known.conflicted = conflicted(name, fields)
    values = rows.decode_fields(s, name, shown, index.local)
    restores = bool(change.get(locked.RESTORES)) and name in locked.LOCKED_BY_SIGNING
    if name == numbering.TABLE:
        signs = change["fields"].get("signed_at") is not None
        numbering.take_update(s, known, values, rows.decode_fields(
            s, name, change["fields"], index.local) if signs else None, change["id"])
    elif restores:  # what a note states, from the laptop that signed it (``locked``)
        locked.restore(s, name, known, change, shown, values)
    elif values and not locked.written(s, name, known, values):
        # Part of what a note signed here states (its facts): the row is not written, the
        # pulled value is set aside and the row's own restored everywhere (``locked``).
        locked.hold(s, name, known, before, change, set(shown))
    if name == cells.TABLE:
        cells.edited(s, index, known, shown)
    return 1


def _edited(fields: dict[str, Any], change: dict[str, Any]
            ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A record's heads after a pulled update, and the values its row then shows for the
    fields the update changed (none: a replay)."""
    fields = dict(fields)
    shown: dict[str, Any] = {}
    for col, value in change["fields"].items():
        heads = fields.get(col, [])
        if any(h[0] == change["id"] for h in heads):
            continue  # applied before
        base = set(change.get("base", {}).get(col, []))
        heads = [h for h in heads if h[0] not in base] + [[change["id"], value]]
        fields[col] = sorted(heads, key=lambda h: h[0])
        shown[col] = winner(fields[col])
    return fields, shown


def _delete(s: Session, name: str, change: dict[str, Any], index: GidIndex) -> int:
    # Not through aliases: deleting a duplicate merged away leaves the standing record.
    index.write()
    known = s.get(SyncRow, change["gid"])
    index.known[change["gid"]] = (name, None)
    if known is None:
        s.add(SyncRow(gid=change["gid"], tbl=name, row_key=None, fields={}, conflicted=False))
        return 0
    if known.row_key is None:
        if known.fields and rows.standing(s, known.gid) != known.gid:
            # Merged into another record, and deleted where it was made: it no longer holds
            # the row up should the standing one be deleted (``merging.hand_over``).
            known.fields = {}
        return 0
    if referred.referred_here(s, name, known.row_key):
        # Recorded here meanwhile: rows refer to it. Kept, flagged (``referred``).
        index.known[change["gid"]] = (name, known.row_key)
        referred.keep(known, change["id"])
        return 1
    if name == cells.TABLE:  # its slot is given back (``cells``)
        cells.touched(s, index, known.row_key)
    key = known.row_key
    if (heir := merging.hand_over(s, name, known)) is not None:
        index.known[change["gid"]] = (name, None)
        index.known[heir] = (name, key)
        return 1
    if not locked.deleted(s, name, known.row_key):
        # A note signed here states it: kept, flagged, restored everywhere (``locked``).
        index.known[change["gid"]] = (name, known.row_key)
        locked.kept_deleted(s, name, known, change["id"])
        return 1
    known.row_key = None
    known.fields = rows.tombstone(name, known.fields)
    known.conflicted = False
    # Written now: a row inserted next may take the freed key, and its sync record is written
    # past the ORM (``GidIndex.write``).
    s.flush()
    return 1
