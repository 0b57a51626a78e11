"""One sync round (``sync_now``): seal local changes, push, pull, check, apply, push again.

1. Collect this laptop's changes and seal them into the outbox (``local.seal_in_steps``: at
   once, or a few records per write transaction while the console is busy).
2. Register this device (idempotent) and push the outbox; entries the hub accepted or already
   had are removed from it. A crash between the push and that removal only means the next round
   pushes the same bytes again, which the hub answers with "duplicate".
3. Compare the hub's head of every device with the head this laptop remembers (a hub that lost
   or rewrote history is refused before anything is pulled).
4. Pull and apply every entry after the stored cursor (``pull``: checked, applied in write
   slices that give way to the console).
5. Push what step 4 sealed.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select

from ...models.sync import SyncDirty, SyncIdentity, SyncOutbox, SyncPeer, SyncState
from ...storage.install import install_binding
from ...sync import chain as C
from ...sync import entry as E
from .. import audit
from ..errors import ServiceError, StorageProblem, SyncProblem
from ..workspace import Workspace
from . import clashes, devices, epochs
from .conflicts import needing_admin
from .identity import create_first_key, identity_row, sync_keys
from .local import seal_in_steps, settle, sync_state
from .pull import pull

if TYPE_CHECKING:  # the hub client loads psycopg (and its libpq): only when a round runs
    from ...storage.hub.client import HubClient, HubHead

PUSH_BATCH = 100


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


def sync_now(ws: Workspace, dsn: str | None = None,
             should_stop: Callable[[], bool] | None = None) -> SyncReport:
    """Run one sync round with the hub at ``dsn`` (remembered for later rounds). Raises
    ``SyncProblem`` with a sentence for the status bar; the laptop keeps working either way.
    ``should_stop`` is asked before each pulled entry; True ends the round with ``Cancelled``.

    The round is a background job of the write turns (``storage.turns``): the console's units
    of work come first, and its seals and slices pace themselves by them."""
    with ws.db.turns.background():
        return _round(ws, dsn, should_stop)


def _round(ws: Workspace, dsn: str | None, should_stop: Callable[[], bool] | None
           ) -> SyncReport:
    binding = install_binding(ws.vault.data_dir)
    with ws.read() as s:
        state = s.get(SyncState, 1)
        known_dsn, known_hub = (state.hub_dsn, state.hub_id) if state else ("", "")
    dsn = dsn or known_dsn
    if not dsn:
        raise SyncProblem("No clinic hub is set up on this laptop yet.")
    from ...storage.hub.client import HubClient, HubError

    try:
        with ws.read() as s:
            first = not sync_keys(s) and ws.actor.is_admin and not s.scalar(
                select(func.count()).select_from(SyncPeer))
        if first:
            _refuse_a_clinic_already_there(dsn)
        with ws.transaction() as s:
            cursor = sync_state(s).cursor
            if first and not sync_keys(s):
                # The first laptop of a clinic makes the clinic's key (the others get it by
                # enrolment, or came from a backup of an enrolled laptop).
                create_first_key(s, ws)
            epochs.open_in(s, ws)
            from .slots import plain_copies

            plain_copies(s, ws)  # users' slots for the other laptops, where no password is needed
            me = identity_row(s, ws, binding)
            device, public = uuid.UUID(me.device_id), me.public_key
        # A key opened since the last round may be sealed to someone who has left: nothing
        # more goes out under it (and again after the pull, which may bring such a key).
        epochs.rotate_if_exposed(ws)
        seal_in_steps(ws, binding, reissue=True)
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
            pulled, applied, sealed = pull(ws, hub, binding, keys, cursor, should_stop)
            if sealed:
                pushed += _push(ws, hub, str(device))
            if epochs.rotate_if_exposed(ws) is not None:
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
        state = sync_state(s)
        state.hub_id, state.hub_dsn = hub_id, dsn  # remembered once it worked
        state.last_sync_at = ws.clock.now()
        state.last_problem = ""
        pending = s.scalar(select(func.count()).select_from(SyncOutbox)) or 0
        clashes.close_renamed(s, state.last_sync_at)
        conflicts = needing_admin(s)
        audit.record(s, ws, "sync.round", "sync", "", pushed=pushed, pulled=pulled,
                     applied=applied, conflicts=conflicts)
    from .slots import reconcile  # users' key slots from the other laptops (enrolment)

    try:
        reconcile(ws)
    except SyncProblem as error:
        _remember_problem(ws, str(error))
        raise
    return SyncReport(pushed, pulled, applied, pending, conflicts)


def _refuse_a_clinic_already_there(dsn: str) -> None:
    """A laptop about to make the clinic's first sync key: refused when the hub already holds
    other laptops' chains (a copy of a laptop taken before it first synced, or another clinic's
    hub). Its own key would open none of their entries, and theirs none of its own: the
    laptops would stop syncing for good. Nothing is made or sent."""
    from ...storage.hub.client import HubClient

    with HubClient(dsn) as hub:
        if hub.heads():
            raise SyncProblem(
                f"The hub at {hub.where} already serves a clinic, and this laptop holds none of"
                " its keys: nothing was made or sent. Join that clinic with an enrolment code"
                " from an admin on one of its laptops (Settings > Clinic hub), or check the hub"
                " address.")


def _remember_problem(ws: Workspace, message: str) -> None:
    with ws.transaction() as s:
        sync_state(s).last_problem = message


def _push(ws: Workspace, hub: HubClient, device_id: str) -> int:
    """Push the outbox, ``PUSH_BATCH`` entries per call (a first round of a big clinic seals
    hundreds of megabytes, more than one call may carry); each acknowledged batch leaves the
    outbox at once."""
    from ...storage.hub.client import DeviceFrozen

    with ws.read() as s:
        seqs = list(s.scalars(select(SyncOutbox.seq).where(SyncOutbox.device_id == device_id)
                              .order_by(SyncOutbox.seq)))
    if seqs:
        settle(ws)  # entries a pull's relaxed slice sealed are on disk before the hub has them
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


def status(ws: Workspace) -> SyncStatus:
    """What the status bar shows: hub, last sync, entries waiting, records flagged."""
    with ws.read() as s:
        state = s.get(SyncState, 1)
        me = s.scalars(select(SyncIdentity).where(SyncIdentity.retired_at.is_(None))).first()
        sealed = s.scalar(select(func.coalesce(func.sum(SyncOutbox.changes), 0))) or 0
        noted = s.scalar(select(func.count()).select_from(
            select(SyncDirty.tbl, SyncDirty.row_key).distinct().subquery())) or 0
        conflicts = needing_admin(s)
    where = ""
    if state and state.hub_dsn:
        from ...storage.hub.client import hub_label

        where = hub_label(state.hub_dsn)
    return SyncStatus(where,
                      me.device_id if me else "", state.last_sync_at if state else None,
                      sealed + noted, conflicts, state.last_problem if state else "")
