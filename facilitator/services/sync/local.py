"""This laptop's side of a sync round: its sync state row, and its own edits sealed into entries.

The round (``run``) seals this laptop's edits before it pulls, and a pull (``pull``) seals
the edits made meanwhile before any pulled change reaches their records, so a pulled change can
never silently overwrite an edit not yet collected, and after its last slice.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ...models.sync import SyncDirty, SyncIdentity, SyncOutbox, SyncState
from ...storage.install import InstallBinding
from ...storage.sync_capture import baseline_sql
from ...sync import entry as E
from ...sync.chain import open_with
from ..workspace import Workspace
from . import audit_travel, epochs
from .collect import collect, seal
from .identity import identity_row, sync_keys


def sync_state(s: Session) -> SyncState:
    """The one sync state row (hub, cursor, last round), made on first use."""
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


# Records sealed per write transaction by ``seal_in_steps`` while the console is busy (about a
# millisecond each, besides ~3 ms per seal); how long a step waits for the console to be quiet,
# and how long after the console's last action it still counts as busy.
SEAL_STEP = 8
QUIET_WAIT_S = 0.2
BUSY_S = 0.25


def seal_local(s: Session, ws: Workspace, binding: InstallBinding, *,
               limit: int | None = None, through: int | None = None
               ) -> tuple[SyncIdentity, int]:
    """This device's identity, and how many entries were sealed now (from about ``limit`` of
    the noted records noted up to ``through``, when given: ``collect``)."""
    me = identity_row(s, ws, binding)
    if epochs.waiting_epochs(s):
        return me, 0  # new changes wait for the new sync key (see ``epochs``)
    changes = _reissue(s, ws, me) + collect(s, ws, limit, through)
    sealed = seal(s, ws, me, changes,
                  audit_events=audit_travel.outgoing(s, with_changes=bool(changes)))
    return me, sealed


def seal_in_steps(ws: Workspace, binding: InstallBinding, *, reissue: bool = False) -> int:
    """Seal every noted edit in relaxed write transactions, each begun once the console is
    quiet (``storage.turns``). While the console is busy, ``SEAL_STEP`` records per transaction
    and one transaction per gap between its actions (``pace``): an action then waits for no
    seal, where the ~30 records a busy block touches during a round held it 17 ms in one.
    Otherwise (a first round's whole record, an idle console) everything at once. Only what
    was noted when it began: a console acting all along notes more between two steps, which
    the next seal takes. ``reissue``: seal once even with nothing noted (entries of an earlier
    identity, audit events: a round's first seal). Returns the entries sealed; their durable
    commit is the caller's (``settle``, before a push)."""
    sealed, turns = 0, ws.db.turns
    with ws.read() as s:
        through = s.scalar(select(func.max(SyncDirty.id))) or 0
    if not through and not reissue:
        return 0
    with turns.background():
        while True:
            # The first step too: begun at any moment of a gap between two actions, it could
            # run into the next one (a step measured 13-14 ms, begun 2-5 ms before an action
            # fell due, in the console-during-sync bench).
            turns.pace(BUSY_S)
            turns.wait_for_quiet(QUIET_WAIT_S)
            busy = turns.busy(BUSY_S)
            with ws.transaction(durable=False) as s:
                if epochs.waiting_epochs(s):
                    return sealed
                sealed += seal_local(s, ws, binding, limit=SEAL_STEP if busy else None,
                                     through=through)[1]
                if s.execute(select(SyncDirty.id).where(SyncDirty.id <= through).limit(1)
                             ).first() is None:
                    return sealed


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
        held = keys.get(entry.header.epoch)
        if held:
            changes.extend(json.loads(open_with(entry, held))["changes"])
        s.delete(row)
    s.flush()
    return changes


def settle(ws: Workspace) -> None:
    """One durable commit, which puts every relaxed one before it on disk (the WAL is written
    in order). Before anything a pull's relaxed slice sealed can reach the hub: a laptop that
    lost in a power cut an entry the hub holds would seal a different one at that seq, and the
    hub would freeze it as a fork."""
    with ws.transaction() as s:
        s.execute(text("UPDATE sync_state SET cursor = cursor"))  # a write, so the commit syncs
