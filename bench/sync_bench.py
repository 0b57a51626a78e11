"""Clinic sync figures, against a throw-away PostgreSQL cluster on this machine (fsync on).

``sync_push_entries_per_s``: sealed entries of ~1 KB pushed to the hub by one laptop in
batches of 500 (the hub's SECURITY DEFINER function checks each one's place in the chain).
``sync_note_roundtrip_ms``: on the demo clinic (not the five-year dataset, whose first sync is
a different figure), a supervisor co-signs a note on laptop A (the password check is not
timed); then A syncs and B syncs, and the note shows as final in B's review queue. Median of
five rounds.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from facilitator.clock import SystemClock
from facilitator.services import auth, maintenance, notes
from facilitator.services.demo import create_demo
from facilitator.services.sync import run
from facilitator.storage.device import NoDeviceSecrets
from facilitator.storage.hub.client import HubClient
from facilitator.storage.keys import KdfParams
from facilitator.storage.vault import Vault
from facilitator.sync import entry as E
from facilitator.sync.ids import uuid7
from tests.pgcluster import Cluster, temporary_cluster

PASSWORD = "bench password 1"
FAST = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)  # the KDF is not measured


def push_entries_per_s(cluster: Cluster, count: int = 4000, batch: int = 500) -> float:
    db = cluster.new_database()
    signer = Ed25519PrivateKey.generate()
    device = uuid7(int(time.time() * 1000))
    key = bytes(32)
    entries, prev = [], E.GENESIS
    for seq in range(1, count + 1):
        entry = E.seal(signer, key, E.Header(device, seq, prev, 1, seq), bytes(1024))
        entries.append(entry.encode())
        prev = entry.hash
    with HubClient(cluster.dsn(db, cluster.laptop_role(db))) as hub:
        hub.register(device, E.public_bytes(signer))
        start = time.perf_counter()
        for i in range(0, count, batch):
            assert len(hub.push(entries[i:i + batch]).accepted) == len(entries[i:i + batch])
        return count / (time.perf_counter() - start)


def note_roundtrip_ms(cluster: Cluster, rounds: int = 5) -> float:
    db = cluster.new_database()
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as tmp:
        a_vault = Vault(Path(tmp) / "a", device=NoDeviceSecrets(), kdf=FAST)
        ws, _ = create_demo(a_vault, clock, PASSWORD)
        ws.close()
        a = auth.sign_in(a_vault, clock, "admin", PASSWORD)
        run.sync_now(a, cluster.dsn(db, cluster.laptop_role(db)))
        maintenance.backup(a, Path(tmp) / "a.fbak")
        b_vault = Vault(Path(tmp) / "b", device=NoDeviceSecrets(), kdf=FAST)
        maintenance.restore(Path(tmp) / "a.fbak", b_vault.data_dir, b_vault.device, clock,
                            "admin", PASSWORD)
        b = auth.sign_in(b_vault, clock, "supervisor", PASSWORD)
        run.sync_now(b, cluster.dsn(db, cluster.laptop_role(db)))
        sup_a = auth.sign_in(a_vault, clock, "supervisor", PASSWORD)
        timings = []
        for _ in range(rounds):
            waiting = notes.review_queue(sup_a)[0]
            before = len(notes.review_queue(b))
            [done] = notes.cosign_notes(sup_a, [waiting.note_id], PASSWORD)
            assert done.signed
            start = time.perf_counter()
            run.sync_now(sup_a)
            run.sync_now(b)
            left = len(notes.review_queue(b))
            timings.append((time.perf_counter() - start) * 1000)
            assert left == before - 1, (before, left)
        for opened in (a, b, sup_a):
            opened.close()
    return statistics.median(timings)


FIGURES = (("sync_push_entries_per_s", "entries/s", ">= 2000", push_entries_per_s),
           ("sync_note_roundtrip_ms", "ms", "<= 500", note_roundtrip_ms))


def _initial_sync_5y_s() -> float:
    from .initial_sync_bench import initial_sync_5y_s

    return initial_sync_5y_s()


def _console_during_sync() -> float:
    from .sync_console_bench import console_action_p99_ms_during_sync

    return console_action_p99_ms_during_sync()


def _console_alone() -> float:
    from .sync_console_bench import console_action_p99_ms_spaced_no_sync

    return console_action_p99_ms_spaced_no_sync()


# On the five-year clinic and a cached hub of its own (bench/initial_sync_bench.py). The
# console alone is measured by the run of the figure before it (or runs it when named alone).
FIVE_YEAR = (("initial_sync_5y_s", "s", "<= 120", _initial_sync_5y_s),
             ("console_action_p99_ms_during_sync", "ms", "<= 10", _console_during_sync),
             ("console_action_p99_ms_spaced_no_sync", "ms", "<= 10", _console_alone))


def run_all(emit, only: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    """Every sync figure, or those named in ``only``."""
    wanted = [f for f in FIGURES if not only or f[0] in only]
    if wanted:
        with temporary_cluster(durable=True) as cluster:
            for name, unit, target, measure in wanted:
                emit(name, unit, target, lambda m=measure: m(cluster))
    for name, unit, target, measure in FIVE_YEAR:
        if not only or name in only:
            emit(name, unit, target, measure)


if __name__ == "__main__":  # only the sync figures: python -m bench.sync_bench [name ...]
    import sys

    from .__main__ import emit as _emit

    run_all(_emit, tuple(sys.argv[1:]))
