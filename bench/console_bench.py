"""Live console figures: one console action to durable commit, one timer refresh, and resuming a
running block after a crash. Each function returns one float; ``bench/__main__.py`` prints them."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from facilitator.clock import SystemClock
from facilitator.services import auth
from facilitator.services import console as c
from facilitator.services.workspace import Workspace

from .dataset import open_vault

ACTIONS = 200
TICKS = 100
CHECKIN = {"mood": 6, "anxiety": 3, "craving": 2, "use": False, "safety": False,
           "goal": "Bench goal"}


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def running_block(ws: Workspace, participants: int = 15) -> int:
    """A running block today with (up to) ``participants`` on the roster: the running session
    if there is one, else today's planned session of the group with the biggest roster (or an
    ad hoc one now), started."""
    running = c.running_sessions(ws)
    if running:
        return running[0].id
    today = sorted(c.today_sessions(ws), key=lambda e: -e.roster_size)
    if today and today[0].roster_size:
        sid = c.open_today_session(ws, today[0].group_id).id
    else:
        from facilitator.services import programs

        group = max(programs.list_groups(ws), key=lambda g: g.capacity)
        now = ws.clock.now()
        sid = c.plan_ad_hoc_session(ws, group.id, now, now + timedelta(hours=3)).id
    c.start_session(ws, sid)
    return sid


def console_action_p99_ms(ws: Workspace) -> float:
    """Mark arrival / departure, record a check-in answer, add a jot: each to durable commit
    (WAL, synchronous=FULL, audited, undo-logged); 200 actions, p99 in ms."""
    sid = running_block(ws)
    people = [a.participant_id for a in c.roster(ws, sid)]
    if not people:
        raise RuntimeError("the benchmark block has nobody on its roster")
    here: set[int] = {a.participant_id for a in c.roster(ws, sid) if a.is_here}
    for a in c.roster(ws, sid):  # a check-in is only for someone who came (not timed)
        if a.arrived_at is None or a.status in ("expected", "absent", "excused"):
            c.mark_present(ws, sid, a.participant_id)
            here.add(a.participant_id)
    samples: list[float] = []

    def timed(action: Callable[[], object]) -> None:
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)

    for i in range(ACTIONS):
        pid = people[i % len(people)]
        kind = i % 3
        if kind == 0:
            if pid in here:
                timed(lambda pid=pid: c.mark_left(ws, sid, pid))
                here.discard(pid)
            else:
                timed(lambda pid=pid: c.mark_present(ws, sid, pid))
                here.add(pid)
        elif kind == 1:
            timed(lambda pid=pid: c.record_response(ws, sid, pid, "checkin", CHECKIN))
        else:
            timed(lambda pid=pid: c.add_jot(ws, sid, pid, "Bench observation."))
    return _p99(samples)


def console_tick_ms(ws: Workspace, session_id: int) -> float:
    """One ``console_state`` refresh (the UI's timer tick) of ``session_id``; median ms.
    Measure it on a block with 15 participants (``running_block`` gives one)."""
    c.console_state(ws, session_id)  # warm the connection pool and statement cache
    samples = []
    for _ in range(TICKS):
        start = time.perf_counter()
        c.console_state(ws, session_id)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def console_refresh_p99_ms_during_verify(ws: Workspace, session_id: int,
                                         minimum: int = 300, every_ms: float = 20.0) -> float:
    """``console_state`` refreshes of ``session_id`` while a full verify (page checks, the whole
    audit-chain walk, the note signatures) runs in another thread exactly as the audit and backup
    pages run it: ``verify_process.verify_isolated`` on a worker thread, the checks in a child
    process; p99 in ms over at least ``minimum`` refreshes due while a verify ran (verify
    is run again until there are enough).

    Refreshes are due every ``every_ms`` and each is timed from when it was *due*, so a refresh
    stuck behind a lock also counts the ticks queued behind it (timing only the calls that ran
    would hide a 3 s stall as one slow sample among hundreds). Before reads stopped taking the
    write lock, refreshes here waited for the whole chain walk; while verify ran on a thread,
    they waited seconds for Python's interpreter lock."""
    from facilitator.services import verify_process

    c.console_state(ws, session_id)  # warm the connection pool and statement cache
    samples: list[float] = []
    failures: list[BaseException] = []
    every = every_ms / 1000
    while len(samples) < minimum:
        def verify() -> None:
            try:
                verify_process.verify_isolated(ws)
            except BaseException as error:  # reported below, not lost in the thread
                failures.append(error)

        worker = threading.Thread(target=verify)
        worker.start()
        due = time.perf_counter()
        while worker.is_alive():
            time.sleep(max(0.0, due - time.perf_counter()))
            c.console_state(ws, session_id)
            done = time.perf_counter()
            while due <= done:  # every tick that fell due meanwhile waited until now
                samples.append((done - due) * 1000)
                due += every
        worker.join()
        if failures:
            raise failures[0]
    return _p99(samples)


def resume_after_crash_s(data_dir: Path, password: str, login: str = "admin") -> float:
    """After a restart with a block still running: from a completed sign-in (the password KDF
    is measured by ``unlock_s``) to the console state of the running block being ready,
    i.e. ``running_sessions`` + ``console_state`` on a fresh connection. Median of 3, seconds."""
    ws = auth.sign_in(open_vault(data_dir), SystemClock(), login, password)
    try:
        running_block(ws)
    finally:
        ws.close()
    runs = []
    for _ in range(3):
        ws = auth.sign_in(open_vault(data_dir), SystemClock(), login, password)
        try:
            start = time.perf_counter()
            running = c.running_sessions(ws)
            c.console_state(ws, running[0].id)
            runs.append(time.perf_counter() - start)
        finally:
            ws.close()
    return statistics.median(runs)
