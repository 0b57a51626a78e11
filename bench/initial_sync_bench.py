"""``initial_sync_5y_s``: a new laptop pulls the five-year clinic from a hub on this machine.

Prepared once and cached beside the dataset (``.bench-cache/<dataset>-hub-v1/``): the five-year
laptop runs its first sync round against a throw-away PostgreSQL 15 cluster, which pushes every
synced row (~700,000) as entries of its chain; the cluster's data directory, that laptop's folder
afterwards and a digest of its canonical dump are kept. Each measurement starts a cluster from a
copy of the kept data directory (fsync on).

The fresh laptop: enrolment (a one-time code from the login window) is being built separately,
so the laptop is made the way ``tests/sync/laptops.py`` makes a second laptop, from a backup of
the source laptop (its key slots and the clinic's sync key travel in it), restored into a new
folder (a new install, so a new device identity), and then its clinical record and sync
bookkeeping are emptied: what is left is what an enrolled laptop holds before its first pull
(the clinic's keys, no rows). Timed: one ``sync now`` of that laptop, pulling, checking and
applying every entry. Afterwards (not timed) its canonical dump must equal the source's.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from facilitator.services import maintenance
from facilitator.services.sync import dump, run
from facilitator.services.workspace import Workspace
from tests.sync.fresh import empty_the_record

from . import dataset

HUB_VERSION = "1"


def hub_cache_dir() -> Path:
    return dataset.cache_dir().with_name(f"{dataset.cache_dir().name}-hub-v{HUB_VERSION}")


def dump_digest(ws: Workspace) -> str:
    canonical = json.dumps(dump.canonical_dump(ws), sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def ensure_hub() -> Path:
    """The cached hub (generating it on first use: the source laptop's first round)."""
    from tests.pgcluster import temporary_cluster

    final = hub_cache_dir()
    if (final / "meta.json").exists():
        return final
    dataset.ensure_dataset()
    with tempfile.TemporaryDirectory(dir=dataset.CACHE) as tmp:
        work = Path(tmp) / "hub"
        laptop = dataset.working_copy(work / "laptop")
        with temporary_cluster(keep=work / "pgdata") as cluster:
            db = cluster.new_database()
            ws = dataset.sign_in(laptop)
            try:
                start = time.perf_counter()
                report = run.sync_now(ws, cluster.dsn(db, cluster.laptop_role(db)))
                seconds = time.perf_counter() - start
                meta = {"db": db, "pushed": report.pushed, "push_round_s": round(seconds, 1),
                        "digest": dump_digest(ws)}
            finally:
                ws.close()
        (work / "meta.json").write_text(json.dumps(meta))  # written last: the cache is whole
        shutil.move(work, final)
    return final


def fresh_laptop(source: Path, target: Path) -> Workspace:
    """A laptop holding the clinic's keys and no record yet (see the module docstring)."""
    from facilitator.clock import SystemClock
    from facilitator.services import auth

    ws = dataset.sign_in(source)
    try:
        maintenance.backup(ws, target.parent / "source.fbak")
    finally:
        ws.close()
    vault = dataset.open_vault(target)
    maintenance.restore(target.parent / "source.fbak", target, vault.device, SystemClock(),
                        "admin", dataset.PASSWORD)
    ws = auth.sign_in(vault, SystemClock(), "admin", dataset.PASSWORD)
    empty_the_record(ws)
    with ws.read() as s:
        assert s.scalar(text("SELECT count(*) FROM participants")) == 0
    return ws


def initial_sync_5y_s() -> float:
    from tests.pgcluster import temporary_cluster

    hub = ensure_hub()
    meta = json.loads((hub / "meta.json").read_text())
    with tempfile.TemporaryDirectory() as tmp, \
            temporary_cluster(durable=True, saved=hub / "pgdata") as cluster:
        ws = fresh_laptop(hub / "laptop", Path(tmp) / "fresh")
        try:
            dsn = cluster.dsn(meta["db"], cluster.laptop_role(meta["db"]))
            start = time.perf_counter()
            report = run.sync_now(ws, dsn)
            seconds = time.perf_counter() - start
            if dump_digest(ws) != meta["digest"]:
                raise AssertionError(f"the fresh laptop's record differs from the source's"
                                     f" after pulling {report.pulled} entries")
        finally:
            ws.close()
    return seconds

