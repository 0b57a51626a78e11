"""The audit log as the supervisor and the records admin read it (issue 14): filters at their
boundaries, who may read it, what is stored for each event, and verify's event count.

These assert behaviour only (no digest values): the hash format itself is pinned by the audit
hash known-answer test of the security work (issue 11).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert

from facilitator.clock import FakeClock
from facilitator.models.audit import AuditEvent
from facilitator.services import audit, auth
from facilitator.services.errors import PermissionDenied
from facilitator.services.users import UserDraft, add_user
from facilitator.services.workspace import Workspace
from facilitator.storage.vault import Vault

T = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


def _add(ws: Workspace, at: datetime, action: str, login: str = "avery", **details: object
         ) -> int:
    with ws.transaction() as s:
        return audit.append(s, at=at, user_id=None, login=login, action=action,
                            entity="test", entity_id=7, details=details).id


def _actions(rows: list[audit.AuditRow]) -> list[str]:
    return [r.action for r in rows]


@pytest.fixture
def three(ws: Workspace) -> Workspace:
    """Three events one hour apart after the set-up events."""
    _add(ws, T, "t.one", login="Avery")
    _add(ws, T + timedelta(hours=1), "t.two", login="blake")
    _add(ws, T + timedelta(hours=2), "t.three", login="avery2")
    return ws


def test_since_is_inclusive_and_until_exclusive(three: Workspace) -> None:
    hour = timedelta(hours=1)
    assert _actions(audit.list_events(three, since=T + hour)) == ["t.three", "t.two"]
    assert _actions(audit.list_events(three, since=T + hour + timedelta(microseconds=1))) == [
        "t.three"]
    assert _actions(audit.list_events(three, since=T, until=T + hour)) == ["t.one"]
    assert _actions(audit.list_events(three, since=T, until=T + hour + timedelta(microseconds=1))
                    ) == ["t.two", "t.one"]
    assert audit.list_events(three, since=T + 3 * hour) == []


def test_login_filter_is_exact_and_ignores_case(three: Workspace) -> None:
    assert _actions(audit.list_events(three, login="AVERY")) == ["t.one"]
    assert _actions(audit.list_events(three, login="blake")) == ["t.two"]
    assert audit.list_events(three, login="nobody") == []
    everyone = audit.list_events(three, login="")
    assert {"t.one", "t.two", "t.three"} <= set(_actions(everyone))
    # This laptop's own events name no device (the audit page shows "this laptop").
    assert {e.device for e in everyone} == {""}


def test_action_prefix_and_limit(three: Workspace) -> None:
    assert _actions(audit.list_events(three, action_prefix="t.t")) == ["t.three", "t.two"]
    assert _actions(audit.list_events(three, action_prefix="t.")) == ["t.three", "t.two", "t.one"]
    assert _actions(audit.list_events(three, limit=2)) == ["t.three", "t.two"]
    total = len(audit.list_events(three))
    assert total > 3 and audit.list_events(three)[-1].action == "clinic.created"


def test_rows_carry_what_was_recorded(ws: Workspace, clock: FakeClock) -> None:
    clock.advance(minutes=3)
    with ws.transaction() as s:
        audit.record(s, ws, "t.record", "participant", 42, when=date(2026, 3, 1),
                     nested={1: (T, "x")}, count=3)
    row = audit.list_events(ws)[0]
    assert row == audit.AuditRow(
        row.id, clock.now(), ws.actor.login, "t.record", "participant", "42",
        {"when": "2026-03-01", "nested": {"1": ["2026-03-03T12:00:00+00:00", "x"]}, "count": 3},
    )
    assert row.id == max(r.id for r in audit.list_events(ws))


def test_times_are_stored_in_utc_and_naive_ones_refused(ws: Workspace) -> None:
    chicago = timezone(timedelta(hours=-6))
    _add(ws, datetime(2026, 3, 3, 6, 0, tzinfo=chicago), "t.zoned")
    row = audit.list_events(ws)[0]
    assert row.at == T and row.at.utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match=r"^naive datetime given to the audit log$"), \
            ws.transaction() as s:
        audit.append(s, at=datetime(2026, 3, 3, 12, 0), user_id=None, login="x", action="t.x")
    assert audit.list_events(ws)[0].action == "t.zoned"
    with ws.read() as s:
        assert audit.verify_chain(s).ok


def test_supervisor_and_admin_read_the_log_a_therapist_does_not(
    ws: Workspace, vault: Vault, clock: FakeClock
) -> None:
    add_user(ws, UserDraft("sam", "Sam Supervisor", "LCSW", "supervisor"), "supervisor pass 1")
    add_user(ws, UserDraft("terry", "Terry T", "LPC", "therapist"), "therapist pass 1")
    assert audit.list_events(ws)
    supervisor = auth.sign_in(vault, clock, "sam", "supervisor pass 1")
    try:
        assert "user.created" in _actions(audit.list_events(supervisor))
        # The head to write on paper, too (the supervisor's Audit page shows it).
        assert audit.chain_head(supervisor) == audit.chain_head(ws)
    finally:
        supervisor.close()
    therapist = auth.sign_in(vault, clock, "terry", "therapist pass 1")
    try:
        with pytest.raises(PermissionDenied):
            audit.list_events(therapist)
        with pytest.raises(PermissionDenied):
            audit.chain_head(therapist)
    finally:
        therapist.close()


def test_verify_counts_every_event_across_batches(ws: Workspace) -> None:
    for n in range(5):
        _add(ws, T + timedelta(minutes=n), f"t.{n}")
    expected = len(audit.list_events(ws, limit=100_000))
    for batch in (1, 2, 3, 5000):
        with ws.read() as s:
            report = audit.verify_chain(s, batch=batch)
        assert (report.events, report.first_bad_id, report.ok, report.problem) == (
            expected, None, True, None)
        assert report.head_hash == audit.chain_head(ws).head_hash


def test_verify_names_the_first_broken_event(ws: Workspace) -> None:
    # Whether the chain is intact is whether a problem was found, not whether an event is named:
    # a log whose newest events were deleted names none.
    assert audit.ChainReport(0, None).ok
    assert not audit.ChainReport(3, 4, problem="audit chain broken at event 4").ok
    assert not audit.ChainReport(3, None, problem="audit log cut").ok
    ids = [_add(ws, T + timedelta(minutes=n), f"t.{n}") for n in range(3)]
    with ws.db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        conn.exec_driver_sql(
            f"UPDATE audit_events SET prev_hash = hash WHERE id = {ids[1]}")
    with ws.read() as s:
        report = audit.verify_chain(s, batch=2)
    earlier = [r for r in audit.list_events(ws, limit=100_000) if r.id < ids[1]]
    with ws.read() as s:
        last_good = s.get(AuditEvent, ids[0])
        assert last_good is not None
        last_good_hash = last_good.hash
    assert (report.events, report.first_bad_id, report.ok, report.head_hash, report.problem) == (
        len(earlier), ids[1], False, last_good_hash, f"audit chain broken at event {ids[1]}")


def test_defaults_of_an_event(ws: Workspace) -> None:
    with ws.transaction() as s:
        audit.append(s, at=T, user_id=None, login="x", action="t.bare")
        audit.record(s, ws, "t.recorded")
    recorded, bare = audit.list_events(ws)[:2]
    assert (bare.entity, bare.entity_id, bare.details) == ("", "", {})
    assert (recorded.entity, recorded.entity_id, recorded.details) == ("", "", {})
    with ws.read() as s:
        assert audit.verify_chain(s).ok


def test_rows_and_reports_are_immutable_values(three: Workspace) -> None:
    row = audit.list_events(three)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.login = "mallory"  # type: ignore[misc]
    report = audit.ChainReport(3, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.first_bad_id = 2  # type: ignore[misc]
    assert {report, audit.ChainReport(3, None)} == {report}
    head = audit.chain_head(three)
    with pytest.raises(dataclasses.FrozenInstanceError):
        head.events = 1  # type: ignore[misc]


def test_the_default_view_is_the_newest_2000(ws: Workspace) -> None:
    # Rows written in one bulk insert (chain left aside): this test is about the view only.
    rows = [dict(at=T, user_id=None, login="x", action=f"t.{n}", entity="", entity_id="",
                 details={}, prev_hash="", hash="") for n in range(2001)]
    with ws.transaction() as s:
        s.execute(insert(AuditEvent), rows)
    shown = audit.list_events(ws)
    assert len(shown) == 2000 and shown[0].action == "t.2000" and shown[-1].action == "t.1"
