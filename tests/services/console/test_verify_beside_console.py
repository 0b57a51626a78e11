"""Verify runs its long checks in a process of its own (``verify_process``), on a deferred read
transaction: while it is stopped in the middle of the audit-chain walk, the console's refresh
and a console write both complete, and the report and its audit event come out as before.

The child waits for each progress line to be taken, so the test holds it at a known point (no
sleeping, no timing)."""

from __future__ import annotations

import multiprocessing
import os

from facilitator.services import audit, maintenance, verify_process
from facilitator.services import console as c

from .conftest import Clinic
from .test_bad_input import started


def test_the_console_reads_and_writes_while_verify_is_held_mid_walk(cl: Clinic) -> None:
    sid = started(cl)
    cl.at(9, 5)
    seen: list[str] = []
    during: dict[str, object] = {}

    def progress(line: str) -> None:
        seen.append(line)
        if line.startswith("Checking the audit chain… ") and not during:
            # The child holds its read transaction open here, mid-walk, until we return.
            children = [p for p in multiprocessing.active_children()
                        if p.name == "facilitator-verify"]
            during["child"] = [(p.pid != os.getpid(), p.is_alive()) for p in children]
            during["state"] = c.console_state(cl.ws, sid)
            c.mark_present(cl.ws, sid, cl.people[0])  # a write: BEGIN IMMEDIATE
            during["after"] = c.console_state(cl.ws, sid)

    report = verify_process.verify_isolated(cl.ws, progress=progress)

    assert during["child"] == [(True, True)]
    assert during["state"].session.id == sid
    here = {a.participant_id for a in during["after"].attendance if a.is_here}
    assert cl.people[0] in here
    assert seen[:2] == ["Checking every page of the database file…",
                        "Checking the audit chain…"]
    assert "Checking note signatures…" in seen
    assert report.ok, report.lines
    assert any(line.startswith("Audit chain: intact (") for line in report.lines)
    event = audit.list_events(cl.ws, action_prefix="integrity.verified", limit=1)[0]
    assert (event.login, event.details) == (cl.ws.actor.login, {"ok": True})
    assert not [p for p in multiprocessing.active_children() if p.name == "facilitator-verify"]


def test_the_isolated_report_says_what_the_in_process_one_says(cl: Clinic) -> None:
    started(cl)
    isolated = verify_process.verify_isolated(cl.ws)
    here = maintenance.verify(cl.ws)

    def stable(lines: list[str]) -> list[str]:  # each run adds an event and moves the anchor
        return [x for x in lines if not x.startswith(("Audit chain:", "Anchor"))]

    assert isolated.ok and here.ok
    assert stable(isolated.lines) == stable(here.lines)
