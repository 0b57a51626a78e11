"""One sync round (``sync_now``): seal local changes, push, pull, check, apply, push again.

1. In one write transaction: collect this laptop's changes and seal them into the outbox.
2. Register this device (idempotent) and push the outbox; entries the hub accepted or already
   had are removed from it. A crash between the push and that removal only means the next round
   pushes the same bytes again, which the hub answers with "duplicate".
3. Compare the hub's head of every device with the head this laptop remembers (a hub that lost
   or rewrote history is refused before anything is pulled).
4. Pull in batches after the stored cursor; check each entry (``facilitator.sync.chain``) and
   apply it in slices, each its own write transaction that ends early when a console action
   waits for the write lock (``APPLY_SLICE_S``). Each starts by sealing this laptop's newest
   edits (so a pulled change can never silently overwrite an edit not yet collected); the last
   one of an entry records it as seen and moves the cursor past it. Applying is idempotent, so
   a round cut off inside an entry applies that entry again next time. A failed check stops
   the round with nothing of that entry applied.
5. Push what step 4 sealed.

Entries this laptop's own database sealed (under its current or an earlier identity, up to the
seq it knows) are checked but not applied again: their changes are already in it.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from ...models.sync import (
    SyncDirty,
    SyncIdentity,
    SyncOutbox,
    SyncPeer,
    SyncRow,
    SyncSeen,
    SyncState,
)
from ...storage.install import InstallBinding, install_binding
from ...storage.sync_capture import baseline_sql
from ...sync import chain as C
from ...sync import entry as E
from .. import audit
from ..errors import Cancelled, ServiceError, StorageProblem, SyncProblem
from ..workspace import Workspace
from . import audit_travel, devices, epochs
from .apply import apply_changes
from .collect import collect, seal
from .identity import create_first_key, identity_row, sync_keys

if TYPE_CHECKING:  # the hub client loads psycopg (and its libpq): only when a round runs
    from ...storage.hub.client import HubClient, HubHead

PULL_BATCH = 200
PUSH_BATCH = 100
# How long one write transaction of a pull applies changes at most before it commits. It
# commits earlier as soon as another write transaction of this process (a console action)
# waits for its turn (``storage.turns``), so the console waits for one change and a commit,
# not for the slice; longer slices mean fewer durable commits (a new laptop's first pull
# applies ~700,000 rows).
APPLY_SLICE_S = 0.5


@dataclass(frozen=True)
class SyncReport:
    pushed: int
    pulled: int
    applied: int
    pending: int
    conflicts: int


@dataclass(frozen=True)
class SyncStatus:
    hub: str
    device_id: str
    last_sync_at: datetime | None
    pending_changes: int  # records changed here and not yet on the hub (an upper bound)
    conflicts: int
    last_problem: str


def _state(s: Session) -> SyncState:
    state = s.get(SyncState, 1)
    if state is None:
        # Setting sync up: from this row on the capture triggers note every change, and every
        # record that exists already is noted now, so the first round sends them all.
        state = SyncState(id=1, hub_dsn="", hub_id="", cursor=0, last_sync_at=None,
                          last_problem="")
        s.add(state)
        s.flush()
        for statement in baseline_sql():
            s.execute(text(statement))
    return state


sync_state = _state  # for the services that set a hub address up (``enrol``, ``join``)


def _seal_local(s: Session, ws: Workspace, binding: InstallBinding) -> tuple[SyncIdentity, int]:
    """This device's identity, and how many entries were sealed now."""
    me = identity_row(s, ws, binding)
    if epochs.waiting_epochs(s):
        return me, 0  # new changes wait for the new sync key (see ``epochs``)
    changes = _reissue(s, ws, me) + collect(s, ws)
    sealed = seal(s, ws, me, changes,
                  audit_events=audit_travel.outgoing(s, with_changes=bool(changes)))
    return me, sealed


def _reissue(s: Session, ws: Workspace, me: SyncIdentity) -> list[dict[str, Any]]:
    """Entries a previous identity of this database sealed but never got acknowledged (this
    folder is a restore or copy of another install): their changes go out again in this
    device's chain, with the same change ids, so whichever copy reaches the others first, each
    change is applied once."""
    stale = list(s.scalars(select(SyncOutbox).where(SyncOutbox.device_id != me.device_id)
                           .order_by(SyncOutbox.device_id, SyncOutbox.seq)))
    if not stale:
        return []
    keys = sync_keys(s)
    changes = []
    for row in stale:
        entry = E.decode(row.raw)
        key = keys.get(entry.header.epoch)
        if key is not None:
            changes.extend(json.loads(E.open_body(entry, key))["changes"])
        s.delete(row)
    s.flush()
    return changes


def sync_now(ws: Workspace, dsn: str | None = None,
             should_stop: Callable[[], bool] | None = None) -> SyncReport:
    """Run one sync round with the hub at ``dsn`` (remembered for later rounds). Raises
    ``SyncProblem`` with a sentence for the status bar; the laptop keeps working either way.
    ``should_stop`` is asked before each pulled entry; True ends the round with ``Cancelled``."""
    binding = install_binding(ws.vault.data_dir)
    with ws.read() as s:
        state = s.get(SyncState, 1)
        known_dsn, known_hub = (state.hub_dsn, state.hub_id) if state else ("", "")
    dsn = dsn or known_dsn
    if not dsn:
        raise SyncProblem("No clinic hub is set up on this laptop yet.")
    from ...storage.hub.client import HubClient, HubError

    try:
        with ws.transaction() as s:
            cursor = _state(s).cursor
            if not sync_keys(s) and ws.actor.is_admin and not s.scalar(
                    select(func.count()).select_from(SyncPeer)):
                # The first laptop of a clinic makes the clinic's key (the others get it by
                # enrolment, or came from a backup of an enrolled laptop).
                create_first_key(s, ws)
            epochs.open_in(s, ws)
            from .slots import plain_copies

            plain_copies(s, ws)  # users' slots for the other laptops, where no password is needed
            me, _sealed = _seal_local(s, ws, binding)
            device, public = uuid.UUID(me.device_id), me.public_key
        with HubClient(dsn) as hub:
            hub_id = hub.hub_id()
            if known_hub and hub_id != known_hub:
                raise SyncProblem(f"The hub at {hub.where} is not the hub this laptop syncs"
                                  " with (another clinic's, or a new one): nothing was sent or"
                                  " pulled. Check the hub address with your administrator.")
            heads = hub.heads()
            keys = {str(h.device_id): h.public_key for h in heads}
            if str(device) not in keys:
                hub.register(device, public)
                keys[str(device)] = public
            _check_heads(ws, heads)
            devices.note_heads(ws, [(str(h.device_id), h.seq, h.frozen) for h in heads])
            pushed = _push(ws, hub, str(device))
            pulled, applied, sealed = _pull(ws, hub, binding, keys, cursor, should_stop)
            if sealed:
                pushed += _push(ws, hub, str(device))
        with ws.read() as s:
            waiting = epochs.waiting_epochs(s)
        if waiting:
            raise epochs.KeyWaiting(epochs.key_waiting_message(waiting[0]))
    except (HubError, E.EntryError, SyncProblem) as error:
        _remember_problem(ws, str(error))
        raise SyncProblem(str(error)) from None
    except StorageProblem as error:  # e.g. a full disk while applying a pulled batch
        message = (f"{error} Nothing of the batch being pulled was applied; sync resumes from"
                   " there once the laptop can write again.")
        with contextlib.suppress(ServiceError):
            _remember_problem(ws, message)
        raise SyncProblem(message) from None
    with ws.transaction() as s:
        state = _state(s)
        state.hub_id, state.hub_dsn = hub_id, dsn  # remembered once it worked
        state.last_sync_at = ws.clock.now()
        state.last_problem = ""
        pending = s.scalar(select(func.count()).select_from(SyncOutbox)) or 0
        conflicts = s.scalar(select(func.count()).select_from(SyncRow)
                             .where(SyncRow.conflicted)) or 0
        audit.record(s, ws, "sync.round", "sync", "", pushed=pushed, pulled=pulled,
                     applied=applied, conflicts=conflicts)
    from .slots import reconcile  # users' key slots from the other laptops (enrolment)

    try:
        reconcile(ws)
    except SyncProblem as error:
        _remember_problem(ws, str(error))
        raise
    return SyncReport(pushed, pulled, applied, pending, conflicts)


def _remember_problem(ws: Workspace, message: str) -> None:
    with ws.transaction() as s:
        _state(s).last_problem = message


def _push(ws: Workspace, hub: HubClient, device_id: str) -> int:
    """Push the outbox, ``PUSH_BATCH`` entries per call (a first round of a big clinic seals
    hundreds of megabytes, more than one call may carry); each acknowledged batch leaves the
    outbox at once."""
    from ...storage.hub.client import DeviceFrozen

    with ws.read() as s:
        seqs = list(s.scalars(select(SyncOutbox.seq).where(SyncOutbox.device_id == device_id)
                              .order_by(SyncOutbox.seq)))
    pushed = 0
    for start in range(0, len(seqs), PUSH_BATCH):
        chunk = seqs[start:start + PUSH_BATCH]
        with ws.read() as s:
            raws = list(s.scalars(select(SyncOutbox.raw).where(
                SyncOutbox.device_id == device_id, SyncOutbox.seq.in_(chunk))
                .order_by(SyncOutbox.seq)))
        try:
            result = hub.push(raws)
        except DeviceFrozen as frozen:
            raise SyncProblem(f"{frozen} This laptop's changes stay on it and go out once an"
                              " administrator has unfrozen it ('hub unfreeze').") from None
        done = set(result.accepted) | set(result.duplicates)
        with ws.transaction() as s:
            s.execute(delete(SyncOutbox).where(SyncOutbox.device_id == device_id,
                                               SyncOutbox.seq.in_(done)))
        if result.equivocation is not None:
            raise SyncProblem(f"The hub holds a different entry {result.equivocation} for"
                              " this laptop and froze it: this data folder was probably copied"
                              " or restored on another machine. Tell your administrator.")
        pushed += len(result.accepted)
    return pushed


def _check_heads(ws: Workspace, heads: list[HubHead]) -> None:
    with ws.read() as s:
        peers = {p.device_id: p for p in s.scalars(select(SyncPeer))}
    for head in heads:
        peer = peers.get(str(head.device_id))
        if peer is None:
            continue
        if peer.public_key != head.public_key:
            raise SyncProblem(f"The hub now shows another key for device {head.device_id}"
                              " than the one this laptop pinned: nothing was pulled.")
        C.check_head(C.Head(peer.head_seq, peer.head_hash), head.seq,
                     head.hash if head.seq == peer.head_seq else None, str(head.device_id))
    listed = {str(h.device_id) for h in heads}
    for device_id, peer in peers.items():
        if peer.head_seq and device_id not in listed:
            raise C.ChainBroken(f"The hub no longer lists device {device_id}, whose entries"
                                " this laptop applied: the hub lost history.")


def _pull(ws: Workspace, hub: HubClient, binding: InstallBinding, keys_on_hub: dict[str, bytes],
          cursor: int, should_stop: Callable[[], bool] | None = None) -> tuple[int, int, int]:
    """Pull and apply every entry after ``cursor``: (entries pulled, changes applied, entries
    sealed meanwhile from this laptop's own new edits). An entry sealed under a sync key this
    laptop cannot open yet (``epochs``) stops the round before it; the cursor stays there."""
    pulled = applied = sealed = 0
    while True:
        batch = hub.pull(cursor, PULL_BATCH)
        if not batch:
            return pulled, applied, sealed
        for position, raw in batch:
            if should_stop is not None and should_stop():  # the cursor stands between entries
                raise Cancelled("The sync round was cancelled.")
            failed: str | None = None  # bytes that are no entry name no device
            try:
                entry = E.decode(raw)
                failed = str(entry.header.device_id)
                done, new = _take(ws, binding, entry, keys_on_hub, position)
            except E.EntryError as error:
                if failed is not None:
                    devices.note_failure(ws, failed, str(error),
                                         fork=isinstance(error, C.Equivocation))
                raise
            applied += done
            sealed += new
            pulled += 1
        cursor = batch[-1][0]
        if len(batch) < PULL_BATCH:
            return pulled, applied, sealed


def _take(ws: Workspace, binding: InstallBinding, entry: E.Entry,
          keys_on_hub: dict[str, bytes], position: int) -> tuple[int, int]:
    """Check and apply one entry, a slice per write transaction: (changes applied, entries
    sealed from local edits meanwhile)."""
    changes: list[dict[str, Any]] | None = None
    data: dict[str, Any] | None = None
    applied = sealed = 0
    while True:
        with ws.transaction() as s:
            collected = not epochs.waiting_epochs(s)
            sealed += _seal_local(s, ws, binding)[1]
            if changes is None:
                changes, data = _check(s, entry, keys_on_hub)
            if changes:
                done, changes = apply_changes(s, changes, _slice(ws))
                applied += done
            if not changes:
                _record(s, ws, entry, keys_on_hub, data)
                _state(s).cursor = position
            if collected:
                # The capture triggers noted the rows just applied; local edits were collected
                # at the start of this transaction and none can come in while it holds the
                # lock. (Edits held back while a new sync key waits stay noted.)
                s.execute(delete(SyncDirty))
        if not changes:
            return applied, sealed


def _slice(ws: Workspace) -> Callable[[], bool]:
    """When a slice of applying should end: someone waits to write, or its time is up."""
    until = time.perf_counter() + APPLY_SLICE_S
    return lambda: ws.db.turns.wanted or time.perf_counter() >= until


def _peer(s: Session, entry: E.Entry, keys_on_hub: dict[str, bytes]) -> SyncPeer:
    device = str(entry.header.device_id)
    peer = s.get(SyncPeer, device)
    if peer is None:
        public = keys_on_hub.get(device)
        if public is None:
            raise C.UnknownKey(f"{entry.header.label()} comes from a device the hub does not"
                               " list; it was not applied.")
        peer = SyncPeer(device_id=device, public_key=public, head_seq=0, head_hash=E.GENESIS)
        s.add(peer)  # pinned on first sight; a later change of key is refused
    return peer


def _check(s: Session, entry: E.Entry, keys_on_hub: dict[str, bytes]
           ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The entry's changes to apply once its signature, epoch and place in its chain hold, and
    its opened body (None for a duplicate; no changes for an entry sealed from this very
    database). Records nothing."""
    device, seq = str(entry.header.device_id), entry.header.seq
    with s.no_autoflush:
        peer = _peer(s, entry, keys_on_hub)
    keys = sync_keys(s)
    epoch = entry.header.epoch
    if seq > peer.head_seq and epoch not in keys and epoch in epochs.waiting_epochs(s):
        raise epochs.KeyWaiting(epochs.key_waiting_message(epoch))
    known = s.get(SyncSeen, (device, seq))
    checked = C.check_entry(entry, public_key=peer.public_key, sync_keys=keys,
                            head=C.Head(peer.head_seq, peer.head_hash),
                            known_hash=known.hash if known else None,
                            acknowledged=devices.acknowledged(s, device))
    if checked.verdict is C.Verdict.DUPLICATE:
        return [], None
    assert checked.body is not None
    data = json.loads(checked.body)
    if data.get("v") != 1:
        raise SyncProblem(f"{entry.header.label()} was written by a newer Facilitator; update"
                          " this laptop to apply it.")
    if _mine(s, device, seq):
        return [], data  # sealed from this very database: already applied
    return list(data["changes"]), data


def _mine(s: Session, device: str, seq: int) -> bool:
    mine = s.scalars(select(SyncIdentity).where(SyncIdentity.device_id == device)).first()
    return mine is not None and seq <= mine.seq


def _record(s: Session, ws: Workspace, entry: E.Entry, keys_on_hub: dict[str, bytes],
            data: dict[str, Any] | None) -> None:
    """The entry is applied: it is seen, its device's head moves to it, a sync key it
    announces is taken, and the audit events it carries are kept."""
    device, seq = str(entry.header.device_id), entry.header.seq
    if data is None or s.get(SyncSeen, (device, seq)) is not None:
        return  # a duplicate: already recorded
    peer = _peer(s, entry, keys_on_hub)
    acknowledged = devices.acknowledged(s, device)
    s.add(SyncSeen(device_id=device, seq=seq, hash=entry.hash))
    peer.head_seq, peer.head_hash = seq, entry.hash
    announced = (epochs.take_announcement(s, ws, device, data["epoch_key"])
                 if data.get("epoch_key") else 0)
    devices.device(s, device).epoch = C.acknowledged_after(acknowledged, entry.header.epoch,
                                                           announced)
    if data.get("audit") and not _mine(s, device, seq):
        audit_travel.store(s, device, data["audit"])


def status(ws: Workspace) -> SyncStatus:
    """What the status bar shows: hub, last sync, entries waiting, records flagged."""
    with ws.read() as s:
        state = s.get(SyncState, 1)
        me = s.scalars(select(SyncIdentity).where(SyncIdentity.retired_at.is_(None))).first()
        sealed = s.scalar(select(func.coalesce(func.sum(SyncOutbox.changes), 0))) or 0
        noted = s.scalar(select(func.count()).select_from(
            select(SyncDirty.tbl, SyncDirty.row_key).distinct().subquery())) or 0
        conflicts = s.scalar(select(func.count()).select_from(SyncRow)
                             .where(SyncRow.conflicted)) or 0
    where = ""
    if state and state.hub_dsn:
        from ...storage.hub.client import hub_label

        where = hub_label(state.hub_dsn)
    return SyncStatus(where,
                      me.device_id if me else "", state.last_sync_at if state else None,
                      sealed + noted, conflicts, state.last_problem if state else "")
