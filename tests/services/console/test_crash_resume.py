"""Kill a real child process mid-block (SIGKILL); every acknowledged action survives and the
running block is offered for resume with timers recomputed from stored times."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from facilitator.clock import FakeClock
from facilitator.services import auth
from facilitator.services import console as c

from .crash_child import PASSWORD, vault

CHILD = Path(__file__).with_name("crash_child.py")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_acknowledged_actions_survive_sigkill(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    child = subprocess.Popen([sys.executable, str(CHILD), str(data_dir)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(Path.cwd())})
    acked: list[tuple[int, str]] = []
    try:
        assert child.stdout is not None
        ready = child.stdout.readline().split()
        assert ready and ready[0] == "ready", child.stderr.read() if child.stderr else ""
        sid = int(ready[1])
        while len(acked) < 15:
            line = child.stdout.readline().split()
            assert line and line[0] == "ack"
            acked.append((int(line[1]), line[2]))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    clock = FakeClock(datetime(2026, 3, 2, 15, 45, tzinfo=UTC))  # 09:45 in Chicago
    ws = auth.sign_in(vault(data_dir), clock, "admin", PASSWORD)
    try:
        [running] = c.running_sessions(ws)
        assert running.id == sid
        logged = c.actions(ws, sid)
        kinds = [a.kind for a in logged]
        assert kinds[0] == "session.start"
        assert len(logged) - 1 >= len(acked)
        assert [(a.seq - 1, a.kind) for a in logged[1:len(acked) + 1]] == acked
        jots = {j.text for j in c.list_jots(ws, sid)}
        assert {f"jot {n}" for n, kind in acked if kind == "jot.added"} <= jots
        state = c.console_state(ws, sid)
        assert sum(a.arrived_at is not None for a in state.attendance) == 6
        assert state.current_segment is not None and state.current_segment.kind == "checkin"
        assert (state.segment_elapsed_s, state.overrun_s, state.session_elapsed_s) == (
            2700, 900, 2700)
        first = min(a.arrived_at for a in state.attendance if a.arrived_at)
        assert first == datetime(2026, 3, 2, 15, 0, 30, tzinfo=UTC)
    finally:
        ws.close()
