"""Local changes -> signed entries in the outbox.

``collect`` reads the rows the capture triggers noted in ``sync_dirty``, compares each with
what sync last knew of it (``sync_rows``) and makes one change per row: ``insert`` (a new row:
all its fields and a new global id, or the one it was given when a note naming it was signed),
``update`` (only the fields that differ, each with the
change ids it was based on: the version it edited) or ``delete``. Many edits of one row between
two syncs (a draft autosaved every second) become one change. ``seal`` packs changes into
entries of this device's chain and stores them in ``sync_outbox`` in the same transaction.

A change body (JSON, inside the encrypted entry)::

    {"v": 1, "changes": [{"id": change id, "op": "insert"|"update"|"delete",
                          "table": name, "gid": global id,
                          "fields": {column: value},            # insert, update
                          "base": {column: [change id, ...]}}]} # update
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ...models.sync import SyncDirty, SyncGone, SyncIdentity, SyncOutbox, SyncRow
from ...storage.sync_capture import SYNCED
from ...sync import entry as E
from ...sync.ids import uuid7
from ..errors import SyncProblem
from ..workspace import Workspace
from . import merging, note_state, numbering, order, rows, signed_ids
from .identity import sync_keys
from .rows import conflicted, unsent

BODY_VERSION = 1
AUDIT_PER_ENTRY = 1000


def new_id(ws: Workspace) -> str:
    return str(uuid7(int(ws.clock.now().timestamp() * 1000)))


def winner(heads: list[list[Any]]) -> Any:
    """The value a row shows for a field: the head with the greatest change id."""
    return max(heads, key=lambda h: h[0])[1]


def goes_as_insert(row: SyncRow) -> bool:
    """An unsent row, or one deleted elsewhere that a signed note here keeps: sent again whole
    as a restore (``locked``)."""
    return unsent(row) or (row.row_key is not None and rows.REVIVE in row.fields)


def collect(s: Session, ws: Workspace, limit: int | None = None,
            through: int | None = None) -> list[dict[str, Any]]:
    """Turn the noted rows into changes (oldest last-touched first, but a new record before
    those that name it) and mark them known; with ``limit``, about that many of the oldest,
    and with ``through``, only notes up to that id (the others stay noted). Either way with
    the new records they name (``order.referred``)."""
    query = select(SyncDirty.tbl, SyncDirty.row_key, func.max(SyncDirty.id))
    if through is not None:
        query = query.where(SyncDirty.id <= through)
    noted = s.execute(query.group_by(SyncDirty.tbl, SyncDirty.row_key)
                      .order_by(func.max(SyncDirty.id))).all()
    if limit is not None:
        noted = noted[:order.cut(noted, limit)]
    if not noted:
        return []
    last = max(n[2] for n in noted)
    placed = [(at, (name, key)) for name, key, at in noted if name in SYNCED]
    current, known = _load(s, [k for _at, k in placed])
    # Each deletion noted apart from its key takes its place in the order (``_gone``).
    wanted = [k for _at, k in sorted(placed + _gone(s, last, known))]
    gids = rows.GidCache(s)
    if limit is not None or through is not None:
        wanted = order.referred(s, gids, wanted, current) + wanted
    inserts = {k for k in wanted
               if k in current and (k not in known or goes_as_insert(known[k]))}
    wanted = order.notes_last(order.referents_first(wanted, current, inserts))
    pending: list[tuple[str, dict[str, Any] | None, SyncRow | None, bool]] = []
    with s.no_autoflush:
        for name, key in wanted:
            row = known.get((name, key))
            new = (name, key) in inserts
            if new and row is None:
                # A global id for every new row first: a row may refer to another new one.
                row = SyncRow(gid=new_id(ws), tbl=name, row_key=key, fields={},
                              conflicted=False)
                s.add(row)
            pending.append((name, current.get((name, key)), row, new))
    s.flush()
    with s.no_autoflush:
        changes = [c for c in (_change(gids, ws, *p) for p in pending) if c is not None]
    changes = _followed(s, ws, changes)
    s.execute(delete(SyncDirty).where(SyncDirty.id <= last))
    s.execute(delete(SyncGone).where(SyncGone.at <= last))
    # Revisions going out have their global ids now, and a signing changes where a revision
    # stands among its note's: their notes are numbered again (``numbering``). The changes
    # above carry the numbers the revisions were made or signed with.
    revisions = [int(key) for name, key in wanted
                 if name == numbering.TABLE and (name, key) in current]
    if numbering.renumber(s, revisions):  # a note's top revision may be another now
        note_state.settle(s, note_state.notes_of(s, {numbering.TABLE: set(revisions)}))
    return changes


def _gone(s: Session, last: int, known: dict[tuple[str, str], SyncRow]
          ) -> list[tuple[int, tuple[str, str]]]:
    """The records deleted here up to note ``last`` (``sync_gone``) whose key still names them:
    each is taken off its key (which may hold a new record, or nothing) and put in ``known``
    under a key of its own, a deletion to send, with its place in the order. Before, the
    record under a key decided what was sent, so a record deleted and another inserted under
    its key went out as an edit of the first (``storage.sync_capture``)."""
    found = s.execute(select(SyncGone.tbl, SyncGone.gid, SyncGone.at, SyncRow).join(
        SyncRow, (SyncRow.gid == SyncGone.gid) & (SyncRow.row_key == SyncGone.row_key))
        .where(SyncGone.at <= last)).all()
    out = []
    for name, gid, at, row in found:
        known.pop((name, row.row_key or ""), None)
        if not unsent(row):  # one that never travelled has nothing to delete elsewhere
            known[(name, _GONE + gid)] = row
            out.append((at, (name, _GONE + gid)))
        row.row_key = None  # a tombstone now: the key is free for the record under it
    s.flush()
    return out


# How a record deleted here stands among the collected keys, by its global id (no row key
# starts so).
_GONE = "gone:"


def _load(s: Session, wanted: list[tuple[str, str]]
          ) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[tuple[str, str], SyncRow]]:
    """The current rows and their sync records, read a few hundred keys per statement."""
    by_table: dict[str, list[str]] = {}
    for name, key in wanted:
        by_table.setdefault(name, []).append(key)
    current: dict[tuple[str, str], dict[str, Any]] = {}
    known: dict[tuple[str, str], SyncRow] = {}
    for name, keys in by_table.items():
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            for values in rows.read_rows(s, name, chunk):
                current[(name, rows.key_of(name, values))] = values
            for row in s.scalars(select(SyncRow).where(SyncRow.tbl == name,
                                                       SyncRow.row_key.in_(chunk))):
                known[(name, row.row_key or "")] = row
    return current, known


def _change(gids: rows.GidCache, ws: Workspace, name: str, current: dict[str, Any] | None,
            known: SyncRow | None, new: bool) -> dict[str, Any] | None:
    cid = new_id(ws)
    if current is None:
        if known is None or unsent(known):  # created and deleted between two syncs
            if known is not None:
                known.row_key = None  # a tombstone nobody else will ever ask about
            return None
        known.row_key = None  # a tombstone keeps the gid, and its values (``referred``)
        known.fields = rows.tombstone(name, known.fields)
        known.conflicted = False
        return {"id": cid, "op": "delete", "table": name, "gid": known.gid}
    assert known is not None
    values = rows.encode_row(gids, name, current)
    if new:  # inserted since the last sync, or restored (``locked``)
        if signed_ids.carries(name, current):
            values[signed_ids.FIELD] = signed_ids.signing_ids(gids, name, current)
        restores = rows.REVIVE in known.fields
        flag = {k: v for k, v in known.fields.items() if k == rows.APART}
        known.fields = {**flag, **{col: [[cid, v]] for col, v in values.items()}}
        return {"id": cid, "op": "insert", "table": name, "gid": known.gid, "fields": values,
                **({rows.RESTORES: True} if restores else {})}
    fields = dict(known.fields)
    # A value an admin kept for a flagged field (``conflicts.resolve``) goes out even when it
    # is the one shown: its head carries the kept values' change ids, which it supersedes.
    settled = {col for col, heads in fields.items() if any(len(h) > 2 for h in heads)}
    kept = rows.kept_here(name, current, fields)
    changed = {col: v for col, v in values.items()
               if col not in fields or col in settled
               or (winner(fields[col]) != v and not (col in kept and _kept(fields[col], v)))}
    # What a signed note here states, set aside by a pulled edit: sent as it is (``locked``).
    restoring = rows.restoring(fields) & values.keys()
    changed.update({col: values[col] for col in restoring})
    # The restore goes out now, whole; the fields it sends no longer show a value held here.
    fields = rows.unmark({k: v for k, v in fields.items() if k != rows.RESTORE}, rows.HELD,
                         restoring)
    if not changed:
        known.fields = fields
        return None
    if "signed_at" in changed and signed_ids.carries(name, current):  # signed here since
        if signed_ids.FIELD not in fields:  # the last sync
            changed[signed_ids.FIELD] = signed_ids.signing_ids(gids, name, current)
        if name == numbering.TABLE:
            # The revision whole as it was signed: a laptop where an edit of the draft came
            # meanwhile writes the signing, not what its heads would show (``numbering``).
            changed.update({col: v for col, v in values.items() if col != "number"})
            # The number the signature covers, sent even when unchanged: another laptop may
            # number the revision otherwise (``numbering``), and this one may have moved it
            # since it was signed, keeping that number in its record.
            kept = fields.get(signed_ids.NUMBER)
            changed["number"] = kept[0][1] if kept else values["number"]
    base = {col: sorted(_edited(fields.get(col, []))) for col in changed}
    for col, v in changed.items():
        # This edit saw, and supersedes, every head; the heads name the value the row has (the
        # number a signing sends may be another: the one it was signed with).
        fields[col] = [[cid, values.get(col, v)]]
    known.fields = fields
    known.conflicted = conflicted(name, fields)
    return {"id": cid, "op": "update", "table": name, "gid": known.gid, "fields": changed,
            "base": base, **({rows.RESTORES: True} if restoring else {})}


def _followed(s: Session, ws: Workspace, changes: list[dict[str, Any]]
              ) -> list[dict[str, Any]]:
    """``changes`` with each edit or deletion of a row that stands for records merged into it
    (one walk-in added on two laptops apart, ``merging``) sent to those records too: an edit
    under the same change id, after it (a laptop that merged them takes it once), a deletion
    before it. Before, an edit went to the standing record alone, and where that record was
    deleted on a laptop that had not merged them, the row went on as the other record without
    the edit, on every laptop; and a merged row deleted here was handed over to the other
    record on the laptops that pulled the deletion, while it was gone here, for good."""
    asked = [c["gid"] for c in changes
             if c["op"] != "insert" and not c.get(rows.RESTORES)]
    aliases = merging.alive(s, asked) if asked else {}
    if not aliases:
        return changes
    out: list[dict[str, Any]] = []
    for change in changes:
        followers = aliases.get(change["gid"], [])  # (never a restore's: not asked)
        if change["op"] == "delete":
            for alias in followers:
                alias.fields = {}  # no longer holds the row up (as where it is pulled)
                out.append({"id": new_id(ws), "op": "delete", "table": change["table"],
                            "gid": alias.gid})
        out.append(change)
        if change["op"] == "update":
            for alias in followers:
                heads = dict(alias.fields)
                base = {col: sorted(_edited(heads.get(col, []))) for col in change["fields"]}
                heads.update({col: [[change["id"], v]] for col, v in change["fields"].items()})
                alias.fields = heads
                out.append({**change, "gid": alias.gid, "base": base})
    return out


def _kept(heads: list[list[Any]], value: Any) -> bool:
    """Whether a row shows one of a flagged field's kept values (``rows.kept_here``)."""
    return len(heads) > 1 and any(h[1] == value for h in heads)


def _edited(heads: list[list[Any]]) -> list[str]:
    """The change ids an edit of a field supersedes: its heads, or what a settled head names."""
    return [cid for h in heads for cid in (h[2] if len(h) > 2 else [h[0]])]


def body(changes: list[dict[str, Any]], **extra: Any) -> bytes:
    return json.dumps({"v": BODY_VERSION, "changes": changes, **extra}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def seal(s: Session, ws: Workspace, identity: SyncIdentity,
         changes: list[dict[str, Any]], *, announce: dict[str, Any] | None = None,
         epoch: int | None = None, audit_events: list[dict[str, Any]] | None = None) -> int:
    """Pack changes into entries of this device's chain, into the outbox. Returns how many.

    ``announce`` (a new sync key's boxes, ``epochs``) goes alone in one entry sealed under
    ``epoch`` (the previous epoch: the others cannot read the new one yet); ``audit_events``
    (``audit_travel``) ride along. Everything else uses the newest epoch."""
    chunks = order.batches(changes)
    events = audit_events or []
    logs = [events[i:i + AUDIT_PER_ENTRY] for i in range(0, len(events), AUDIT_PER_ENTRY)]
    # Audit events ride in the change entries first, so a round usually seals one entry.
    bodies = []
    for n in range(max(len(chunks), len(logs))):
        chunk = chunks[n] if n < len(chunks) else []
        extra = {"audit": logs[n]} if n < len(logs) else {}
        bodies.append((body(chunk, **extra), len(chunk)))
    if announce is None and not bodies:
        return 0
    keys = sync_keys(s)
    if not keys:
        raise SyncProblem("This laptop holds no clinic sync key: set up sync on the first"
                          " laptop ('sync now' as an admin), and enrol the others.")
    newest = keys.newest
    sealed = [(epoch or newest, body([], epoch_key=announce), 0)] if announce else []
    sealed += [(newest, data, count) for data, count in bodies]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signer = Ed25519PrivateKey.from_private_bytes(identity.signing_key)
    device = uuid.UUID(identity.device_id)
    for entry_epoch, data, count in sealed:
        header = E.Header(device, identity.seq + 1, identity.head_hash, entry_epoch,
                          int(ws.clock.now().timestamp() * 1_000_000))
        entry = E.seal(signer, keys.writing(entry_epoch, identity.device_id), header, data)
        identity.seq, identity.head_hash = header.seq, entry.hash
        s.add(SyncOutbox(device_id=identity.device_id, seq=header.seq, raw=entry.encode(),
                         changes=count))
    s.flush()
    return len(sealed)
