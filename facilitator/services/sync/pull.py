"""Pulling: entries after this laptop's cursor, checked and applied in write slices.

Each entry is checked (``facilitator.sync.chain``: signature, epoch, place in its device's
chain) and applied in slices, each its own write transaction that runs through entries for up
to ``APPLY_SLICE_S`` and ends early when a console action waits for the write lock. An entry
that would reach a record edited here since the round's seal waits for a slice that seals
this laptop's newest edits first (``local.seal_local``, ``Unsealed``); the other edits are
sealed once the last slice is done. An entry fully applied is recorded as seen and the cursor
moves past it in the same transaction. Applying is
idempotent, so a round cut off inside an entry applies that entry again next time. A failed
check stops the round with nothing of that entry applied (the entries before it are kept).

Entries this laptop's own database sealed (under its current or an earlier identity, up to the
seq it knows) are checked but not applied again: their changes are already in it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ...models.sync import SyncPeer, SyncSeen
from ...storage.engine import json_value
from ...storage.install import InstallBinding
from ...storage.sync_capture import uncaptured
from ...sync import chain as C
from ...sync import entry as E
from ..errors import Cancelled, ServiceError, SyncProblem
from ..workspace import Workspace
from . import audit_travel, devices, epochs, note_state
from .apply import apply_changes
from .gid_index import new_index
from .identity import sync_keys
from .local import BUSY_S, QUIET_WAIT_S, seal_in_steps, seal_local, settle, sync_state
from .unsealed import Unsealed

if TYPE_CHECKING:  # the hub client loads psycopg (and its libpq): only when a round runs
    from ...storage.hub.client import HubClient

PULL_BATCH = 200
# Notes worked out per write step after a pull's last entry (``note_state``): a step of 500
# takes ~40 ms; while the console is busy, a few.
NOTES_STEP = 500
BUSY_NOTES_STEP = 20
# How long one write transaction of a pull applies changes at most before it commits. It
# commits earlier as soon as another write transaction of this process (a console action)
# waits for its turn (``storage.turns``), so the console waits for one change and a commit,
# not for the slice; longer slices mean fewer durable commits (a new laptop's first pull
# applies ~700,000 rows).
APPLY_SLICE_S = 0.5
# While the console is busy (an action less than ``local.BUSY_S`` ago), a slice commits after
# this long at most: the commit a waiting action then waits for writes the pages of a few
# milliseconds of applying (~0.5 ms), not of a half-second slice's (2-3 ms on tmpfs).
BUSY_APPLY_S = 0.01
# ...and reads the global ids of this many changes at a time (``gid_index.GidIndex.AHEAD`` else).
BUSY_AHEAD = 8
# A slice begins once the console has been quiet a moment (``storage.turns``), or after
# ``QUIET_WAIT_S`` anyway; a slice that began so ignores other threads' reads and writes that
# need no turn for this long, so that a long one elsewhere (an export on a worker thread) slows
# a round down (to a third at worst) but never stalls it.
BUSY_SLICE_S = 0.1
# The log is copied into the database file after a slice once this many changes were applied
# since the last copy (a few megabytes of pages), and after the last slice. Copying after
# every slice instead (a slice cut short by a console action may apply a handful) made the
# console's own commits wait behind the copy's writes and its fsync.
CHECKPOINT_EVERY = 2000


def pull(ws: Workspace, hub: HubClient, binding: InstallBinding, keys_on_hub: dict[str, bytes],
         cursor: int, should_stop: Callable[[], bool] | None = None) -> tuple[int, int, int]:
    """Pull and apply every entry after ``cursor``: (entries pulled, changes applied, entries
    sealed meanwhile from this laptop's own new edits). An entry sealed under a sync key this
    laptop cannot open yet (``epochs``) stops the round before it; the cursor stays there.
    ``should_stop`` is asked before each entry: True ends the round there (``Cancelled``), the
    entries before it kept."""
    counts = _Counts()
    try:
        # The slices checkpoint the log themselves, after their write turn (``_apply_batch``),
        # and step aside for the console (``storage.turns``).
        with _few_collections(), ws.db.checkpoints.by_hand(), ws.db.turns.background():
            with ws.read() as s:
                counts.unsettled = note_state.left_unsettled(s)
            while True:
                batch = hub.pull(cursor, PULL_BATCH)
                if not batch:
                    break
                _apply_batch(ws, binding, keys_on_hub, deque(batch), counts, should_stop)
                cursor = batch[-1][0]
                if len(batch) < PULL_BATCH:
                    break
            _settle_notes(ws, counts)
            # The edits made here meanwhile (a slice seals only those an entry reached), so
            # that the round pushes them.
            counts.sealed += seal_in_steps(ws, binding)
    finally:
        # The round stopped: the notes it brought, as far as it can; not when it was cancelled
        # (a join given up on throws the folder away). Else ``UNSETTLED`` stays for the next.
        if counts.unsettled and not (should_stop is not None and should_stop()):
            with contextlib.suppress(ServiceError):
                _settle_notes(ws, counts)
        if counts.applied > counts.copied:
            ws.db.checkpoint_soon()  # what the last slices wrote, at the console's next pause
        if counts.pulled or counts.sealed:
            with contextlib.suppress(ServiceError):  # e.g. a full disk: the push settles too
                settle(ws)
    return counts.pulled, counts.applied, counts.sealed


@dataclass
class _Counts:
    pulled: int = 0
    applied: int = 0
    sealed: int = 0
    copied: int = 0  # ``applied`` when the log was last copied into the database file
    # The notes whose records came, worked out after the last entry (``note_state``).
    unsettled: set[int] = dataclasses.field(default_factory=set)

    def restore(self, earlier: _Counts) -> None:
        """The counts as they were before a slice that was rolled back (the notes it brought
        stay: working out one more note changes nothing)."""
        for f in dataclasses.fields(self):
            if f.name != "unsettled":
                setattr(self, f.name, getattr(earlier, f.name))


@dataclass
class _Taking:
    """A checked entry being applied, and what of it is left to apply."""

    entry: E.Entry
    changes: list[dict[str, Any]]
    data: dict[str, Any] | None


def _apply_batch(ws: Workspace, binding: InstallBinding, keys_on_hub: dict[str, bytes],
                 queue: deque[tuple[int, bytes]], counts: _Counts,
                 should_stop: Callable[[], bool] | None = None) -> None:
    """Check and apply a pulled batch in slices, each its own write transaction: a slice runs
    through as many entries as fit in ``APPLY_SLICE_S`` (a new laptop's first pull: a commit
    per half second, not per entry) and ends sooner when a console action waits, possibly
    inside an entry, whose rest the next slice applies. The hub is never read while a slice
    holds the write lock. An entry that fails its check ends the round; the entries before it
    are committed, nothing of it is.

    This laptop's edits made meanwhile (the console's) are sealed by a slice only when an
    entry would touch one of their records (``Unsealed``); the others wait for the round's
    last seal (``pull``), so a console action that follows another never waits for a seal."""
    taking: _Taking | None = None
    seal_first = gave_way = False
    while queue:
        quiet = ws.db.turns.wait_for_quiet(QUIET_WAIT_S)
        before = (taking, taking.changes if taking else None, dataclasses.replace(counts))
        try:
            # A slice may give way before its first step only when the one before did not:
            # a console that keeps acting just after each quiet moment cannot stall the round.
            taking, seal_first, gave_way = _apply_slice(
                ws, binding, keys_on_hub, queue, counts, should_stop, taking, seal_first,
                quiet, may_give_way=quiet and not gave_way)
        except _SealFirst as untouched:
            # Rolled back whole: the slice again, sealing first. (Never so far: ``touched_by``
            # ends a slice before an entry reaches an edit; this only keeps that promise.)
            taking = before[0]
            counts.restore(before[2])
            if taking is not None:
                taking.changes = before[1] or []
            queue.extendleft(reversed(untouched.taken))
            seal_first = True
            continue
        # After the commit and the write turn: a console action goes ahead beside the copy,
        # and none of its commits copies the slice's pages (``storage.checkpoints``). Not
        # while the console is busy: on a disk its commits would wait behind the copy's writes
        # (the round's end owes the copy to the console's next pause instead).
        if counts.applied - counts.copied >= CHECKPOINT_EVERY and not ws.db.turns.busy(
                ws.db.checkpoints.QUIET_S):
            ws.db.checkpoint()
            counts.copied = counts.applied


def _apply_slice(ws: Workspace, binding: InstallBinding, keys_on_hub: dict[str, bytes],
                 queue: deque[tuple[int, bytes]], counts: _Counts,
                 should_stop: Callable[[], bool] | None, taking: _Taking | None,
                 seal_first: bool, quiet: bool, *, may_give_way: bool = False
                 ) -> tuple[_Taking | None, bool, bool]:
    """One write slice of ``_apply_batch``: the entry being taken when it ended, whether the
    next must seal this laptop's edits first, and whether it gave way before its first step
    (``may_give_way``: a console action asked while it began)."""
    refused: tuple[Exception, str | None] | None = None
    taken: list[tuple[int, bytes]] = []
    # Relaxed (no fsync per commit): what a slice applies the hub keeps, and the console
    # waiting behind a slice then waits for no disk flush but its own. What it writes is not
    # noted for sending (``uncaptured``): it is the hub's already.
    with ws.transaction(durable=False) as s, uncaptured(s.connection()):
        collected = not epochs.waiting_epochs(s)
        stop, ended = _slice(ws, quiet), False
        # While a new sync key waits, edits are not sealed (``seal_local``) and stay noted.
        unsealed = Unsealed.read(s) if collected else None
        if seal_first:
            if unsealed is not None:
                counts.sealed += seal_local(s, ws, binding)[1]
                # While the console asks again, the seal is this slice's progress and the
                # entries are the next slice's.
                ended = stop()
            unsealed, seal_first = None, False
        # While the console is busy, the first change of a slice (which runs before any check)
        # reads the global ids of a few changes, not of a hundred (~1-2 ms).
        index = new_index(s, BUSY_AHEAD if ws.db.turns.busy(BUSY_S) else None)
        # Its opening reads (~2 ms) are no step: a console action that asked meanwhile goes
        # first rather than wait for an entry's check too (2-4 ms).
        gave_way = may_give_way and not ended and stop()
        ended = ended or gave_way
        while queue and not ended:
            position, raw = queue[0]
            if taking is None and should_stop is not None and should_stop():
                refused = (Cancelled("The sync round was cancelled."), None)
                break  # between entries: the cursor stands before this one
            if taking is None:
                device: str | None = None  # bytes that are no entry name no device
                try:
                    entry = E.decode(raw)
                    device = str(entry.header.device_id)
                    taking = _Taking(entry, *_check(s, entry, keys_on_hub))
                except (E.EntryError, SyncProblem) as error:
                    refused = (error, device)
                    break
                if stop():
                    break  # checked (2-4 ms); applying or recording it is the next slice's
            if unsealed is not None and unsealed.touched_by(taking.changes):
                seal_first = True
                break  # the entry reaches an edit made here: sealed first, in the next slice
            if taking.changes:
                done, taking.changes = apply_changes(s, taking.changes, stop, index)
                counts.applied += done
                if taking.changes or (done and stop()):
                    # The slice ended inside this entry, or with its last change: recording
                    # it (its audit events, its place in its chain) is the next slice's
                    # first step, so a console action waiting now waits for neither.
                    break
            _record(s, ws, taking.entry, keys_on_hub, taking.data)
            sync_state(s).cursor = position
            counts.pulled += 1
            taken.append(queue.popleft())
            taking = None
            if stop():
                break
        counts.unsettled |= note_state.take_touched(s, index)  # worked out at the end
        # The capture triggers noted nothing this slice applied (``uncaptured``) but a record
        # with an edit of this laptop noted already, whose note then moved: local edits were
        # noted before this transaction (none can come in while it holds the lock) and stay
        # for a later seal, unless a pulled change reached one.
        if unsealed is not None and not unsealed.intact(s):
            raise _SealFirst(taken)
    if refused is not None:
        error, device = refused
        if isinstance(error, E.EntryError) and device is not None:
            devices.note_failure(ws, device, str(error), fork=isinstance(error, C.Equivocation))
        raise error
    return taking, seal_first, gave_way


def _settle_notes(ws: Workspace, counts: _Counts) -> None:
    """Work out the workflow fields of the notes the pull brought records of (``note_state``),
    in write steps of ``NOTES_STEP`` notes (``BUSY_NOTES_STEP`` while the console is busy),
    each begun once the console is quiet, like the slices."""
    turns = ws.db.turns
    while counts.unsettled:
        turns.pace(BUSY_S)
        turns.wait_for_quiet(QUIET_WAIT_S)
        step = BUSY_NOTES_STEP if turns.busy(BUSY_S) else NOTES_STEP
        # Not noted for sending (``uncaptured``): every laptop works them out itself.
        with ws.transaction(durable=False) as s, uncaptured(s.connection()):
            note_state.settle_part(s, counts.unsettled, step)


class _SealFirst(Exception):
    """A slice wrote a record this laptop edited and had not sealed: it is rolled back."""

    def __init__(self, taken: list[tuple[int, bytes]]) -> None:
        super().__init__("a pulled change reached an unsealed edit")
        self.taken = taken


@contextlib.contextmanager
def _few_collections() -> Iterator[None]:
    """Python's cyclic garbage collector, calmer while a pull runs: a first pull allocates
    millions of short-lived objects, and each full collection walked the whole long-lived heap
    again (an eighth of the pull). What exists now is set aside for the round (``freeze``),
    and young objects are collected every 50,000 allocations instead of 700."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(before[0], 50_000), before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def _slice(ws: Workspace, quiet: bool) -> Callable[[], bool]:
    """When a slice of applying should end: another write waits for its turn, another thread
    runs a unit of work (in a slice begun without a quiet moment, only after ``BUSY_SLICE_S``),
    or its time is up (shorter while the console is busy)."""
    start, turns = time.perf_counter(), ws.db.turns
    until = start + (BUSY_APPLY_S if turns.busy(BUSY_S) else APPLY_SLICE_S)
    patient = start + (0.0 if quiet else BUSY_SLICE_S)
    return lambda: turns.queued or (turns.wanted and time.perf_counter() >= patient) or (
        time.perf_counter() >= until)


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
    try:
        checked = C.check_entry(entry, public_key=peer.public_key, sync_keys=keys,
                                head=C.Head(peer.head_seq, peer.head_hash),
                                known_hash=known.hash if known else None,
                                acknowledged=devices.acknowledged(s, device))
    except E.UnreadableEntry:
        # Another laptop's key of an epoch this one also holds a key of (both rotated while
        # apart), announced here but not opened yet: it waits like a newer epoch would.
        if epochs.announced_unopened(s, epoch):
            raise epochs.KeyWaiting(epochs.key_waiting_message(epoch)) from None
        raise
    if checked.verdict is C.Verdict.DUPLICATE:
        return [], None
    assert checked.body is not None
    data = json_value(checked.body)  # orjson: years of entries on a first pull
    if data.get("v") != 1:
        raise SyncProblem(f"{entry.header.label()} was written by a newer Facilitator; update"
                          " this laptop to apply it.")
    if _mine(s, device, seq):
        return [], data  # sealed from this very database: already applied
    return list(data["changes"]), data


def _mine(s: Session, device: str, seq: int) -> bool:
    # The driver's own statement, after the flush the ORM's query would make: twice per
    # pulled entry, inside the write slice a console action may wait for (the ORM's query,
    # which loaded the whole identity, took ~0.6 ms).
    s.flush()
    sealed = s.connection().exec_driver_sql(_MINE_SQL, (device,)).scalar()
    return sealed is not None and seq <= sealed


_MINE_SQL = "SELECT seq FROM sync_identity WHERE device_id = ?"


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
