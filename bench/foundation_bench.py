"""Foundation figures: unlock time, durable audited write latency, the cost of encryption,
start-up time against a bare Qt window, and memory with the roster open."""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from facilitator.clock import SystemClock
from facilitator.models.users import Clinic, User
from facilitator.services import key_rotation, roster
from facilitator.services.workspace import Actor, Workspace
from facilitator.storage import migrate
from facilitator.storage.engine import Database
from facilitator.storage.keys import new_data_key

from .dataset import PASSWORD, open_vault, sign_in


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def unlock_s(data: Path) -> float:
    """Password → open, migrated, audited workspace, with the production Argon2id cost."""
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        ws = sign_in(data)
        runs.append(time.perf_counter() - start)
        ws.close()
    return statistics.median(runs)


def rekey_s(data: Path) -> float:
    """Rotating the data key of the five-year clinic (a copy of it): the key file written
    twice, every page re-encrypted by ``PRAGMA rekey``, the audit event and the anchor."""
    with tempfile.TemporaryDirectory(dir=data.parent) as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data, copy)
        ws = sign_in(copy)
        try:
            start = time.perf_counter()
            # The cached dataset may predate format-2 slots: its other users would need a reset.
            key_rotation.rotate_data_key(ws, accept_resets=True)
            return time.perf_counter() - start
        finally:
            ws.close()


def _roster_writes(ws: Workspace, n: int) -> list[float]:
    people = roster.list_participants(ws, status="active")[:50] or roster.list_participants(ws)
    samples = []
    for i in range(n):
        p = people[i % len(people)]
        draft = roster.ParticipantDraft(**{
            f: getattr(p, f) for f in roster.ParticipantDraft.__dataclass_fields__})
        start = time.perf_counter()
        roster.update_participant(ws, p.id, replace(draft, pronouns=("they/them", "")[i % 2]))
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def write_commit_p99_ms(data: Path) -> float:
    ws = sign_in(data)
    try:
        return p99(_roster_writes(ws, 300))
    finally:
        ws.close()


def _plain_connect(path: Path, key: bytes) -> sqlite3.Connection:
    return sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)


def _workload(db: Database) -> float:
    """Same services, same schema, same pragmas; only the page cipher differs."""
    migrate.upgrade(db)
    clock = SystemClock()
    session = db.session()
    with session.begin():
        session.add(Clinic(name="Bench", timezone="America/Chicago", created_at=clock.now()))
        session.add(User(login="admin", display_name="Admin", role="admin",
                         created_at=clock.now()))
    admin = session.scalar(select(User))
    session.close()
    assert admin is not None
    ws = Workspace(open_vault(db.path.parent), db, clock,
                   Actor(admin.id, "admin", "Admin", "", "admin"), ZoneInfo("America/Chicago"))
    start = time.perf_counter()
    for i in range(400):
        roster.add_participant(ws, roster.ParticipantDraft(
            f"C-{i}", f"Person {i}", admission_date=clock.now().date()))
    _roster_writes(ws, 200)
    for _ in range(30):
        roster.list_participants(ws)
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed


def encrypted_over_plain_ratio() -> float:
    ratios = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            enc = _workload(Database(Path(a) / "facilitator.db", new_data_key()))
            plain = _workload(Database(Path(b) / "facilitator.db", b"",
                                       connect=_plain_connect, module=sqlite3))
            ratios.append(enc / plain)
    return statistics.median(ratios)


def _probe(mode: str, data: Path) -> tuple[float, float]:
    """(seconds from process start to first window shown, RSS in MB at that point)."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "FACILITATOR_PASSWORD": PASSWORD}
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "bench.startup_probe", mode, str(data)],
                         capture_output=True, text=True, env=env, timeout=300,
                         cwd=Path(__file__).resolve().parents[1])
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"probe {mode} failed: {out.stderr.strip()[-500:]}")
    rss = float(out.stdout.strip().splitlines()[-1])
    return elapsed, rss


def startup_to_login_ratio(data: Path) -> float:
    ratios = []
    for _ in range(3):
        bare, _ = _probe("bare", data)
        ours, _ = _probe("login", data)
        ratios.append(ours / bare)
    return statistics.median(ratios)


def rss_mb_roster(data: Path) -> float:
    return _probe("roster", data)[1]
