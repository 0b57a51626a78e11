"""The audit chain: ids inside the hash, ids never reused, cuts and empty logs reported, a pinned
hash format, and the migration that rehashed older chains without laundering tampering."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import text

from facilitator.models.audit import GENESIS, event_digest
from facilitator.services import audit, auth, maintenance, roster
from facilitator.services.workspace import Workspace
from facilitator.storage import migrate
from facilitator.storage.guards import GUARDS
from tests.conftest import PASSWORD
from tests.services.test_roster import draft


def _raw(ws: Workspace, *statements: str) -> None:
    """What only someone holding the key could do: drop our triggers, rewrite the log and put
    the triggers back as they were."""
    with ws.db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_update")
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_delete")
        for statement in statements:
            conn.exec_driver_sql(statement)
        for guard in GUARDS:
            if guard.table == "audit_events":
                conn.exec_driver_sql(guard.sql())


def _last_id(ws: Workspace) -> int:
    with ws.db.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT max(id) FROM audit_events").scalar_one())


def test_event_digest_known_answer() -> None:
    # Pinned: a change of GENESIS, key order, separators, ensure_ascii or the field list makes
    # every stored chain look tampered, so it must be a deliberate migration, never an accident.
    at = datetime(2026, 3, 2, 15, 0, 0, 123456, tzinfo=UTC)
    details = {"zeta": [1, 2], "alpha": "Zoë", "nested": {"b": None, "a": True}}
    digest = event_digest(GENESIS, 7, at, 3, "admin", "participant.updated", "participant",
                          "42", details)
    # Computed by hand from the canonical JSON text:
    # ["<64 zeros>",7,"2026-03-02T15:00:00.123456+00:00",3,"admin","participant.updated",
    #  "participant","42",{"alpha":"Zoë","nested":{"a":true,"b":null},"zeta":[1,2]}]
    assert digest == "1aae8a03e92aae2589f475fc33a561a0b7d4eb864ca6e629cf8098d6629b4ba0"
    assert GENESIS == "0" * 64


def test_the_id_is_part_of_the_hash() -> None:
    at = datetime(2026, 3, 2, 15, tzinfo=UTC)
    one = event_digest(GENESIS, 1, at, None, "admin", "login", "", "", {})
    two = event_digest(GENESIS, 2, at, None, "admin", "login", "", "", {})
    assert one != two


def test_ids_run_from_one_without_gaps(ws: Workspace) -> None:
    for i in range(3):
        roster.add_participant(ws, draft(f"C-{i}", f"Person {i}"))
    ids = sorted(e.id for e in audit.list_events(ws))
    assert ids == list(range(1, len(ids) + 1))


def _events_then_cut(ws: Workspace) -> int:
    """Some events, then the newest two deleted; returns the id the log had reached."""
    for i in range(4):
        roster.add_participant(ws, draft(f"C-{i}", f"Person {i}"))
    last = _last_id(ws)
    _raw(ws, f"DELETE FROM audit_events WHERE id > {last - 2}")
    return last


def test_cut_tail_is_reported(ws: Workspace) -> None:
    last = _events_then_cut(ws)
    report = maintenance.verify(ws)
    assert not report.ok
    # The sentence names what is left and how far the log had reached.
    assert report.first_problem == (f"audit log cut: the events after {last - 2} (up to {last})"
                                    " were deleted")


def test_cut_tail_then_new_events_leave_a_gap(ws: Workspace) -> None:
    last = _events_then_cut(ws)
    # The next id is never one of the deleted ones: the gap stays visible.
    roster.add_participant(ws, draft("C-9", "After the cut"))
    assert _last_id(ws) == last + 1
    report = maintenance.verify(ws)
    assert report.first_problem == f"audit chain broken at event {last + 1}"


def test_renumbering_to_close_the_gap_breaks_the_hash(ws: Workspace) -> None:
    last = _events_then_cut(ws)
    roster.add_participant(ws, draft("C-9", "After the cut"))
    # Close the gap and reset the counter: only the id inside the hash still tells.
    _raw(ws, f"UPDATE audit_events SET id = {last - 1} WHERE id = {last + 1}",
         f"UPDATE sqlite_sequence SET seq = {last - 1} WHERE name = 'audit_events'")
    report = maintenance.verify(ws)
    assert report.first_problem == f"audit chain broken at event {last - 1}"


def test_empty_log_of_an_existing_clinic_is_not_intact(ws: Workspace) -> None:
    _raw(ws, "DELETE FROM audit_events", "DELETE FROM sqlite_sequence")
    with ws.transaction() as s:
        chain = audit.verify_chain(s)
    assert not chain.ok
    assert (chain.events, chain.first_bad_id, chain.head_hash, chain.problem) == (
        0, None, GENESIS, "audit log empty although the clinic exists")
    # What a clinic would write on paper for it: no events, the chain's starting value.
    assert audit.chain_head(ws) == audit.ChainHead(0, GENESIS)


def _downgrade_then_sign_in(clinic, vault, clock, *tamper: str) -> Workspace:
    ws = clinic[0]
    with ws.db.engine.begin() as conn:
        command.downgrade(migrate._config(conn), "0005")
    if tamper:
        _raw(ws, *tamper)
    ws.close()
    return auth.sign_in(vault, clock, "admin", PASSWORD)


def test_migration_rehashes_an_older_chain(clinic, vault, clock) -> None:
    for i in range(3):
        roster.add_participant(clinic[0], draft(f"C-{i}", f"Person {i}"))
    with clinic[0].db.engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM audit_events").scalar_one()
    ws = _downgrade_then_sign_in(clinic, vault, clock)
    try:
        report = maintenance.verify(ws)
        assert report.ok, report.lines
        rehashed = [e for e in audit.list_events(ws) if e.action == "audit.rehashed"]
        assert len(rehashed) == 1 and rehashed[0].details["events"] == count
        # The triggers are back after the rebuild.
        with pytest.raises(Exception, match="append-only"), ws.db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events"))
    finally:
        ws.close()


def test_migration_does_not_launder_a_tampered_chain(clinic, vault, clock) -> None:
    for i in range(3):
        roster.add_participant(clinic[0], draft(f"C-{i}", f"Person {i}"))
    ws = _downgrade_then_sign_in(clinic, vault, clock,
                                 "UPDATE audit_events SET login = 'mallory' WHERE id = 4")
    try:
        assert maintenance.verify(ws).first_problem == "audit chain broken at event 4"
    finally:
        ws.close()
