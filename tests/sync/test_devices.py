"""Audit events travel between laptops, and ``verify`` reports on every device of the clinic:
chain length and head, its entries' checks, its audit chain, forks and frozen devices."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from facilitator import cli
from facilitator.models.sync import SyncIdentity
from facilitator.services import audit, maintenance, roster
from facilitator.services.errors import SyncProblem
from facilitator.services.sync import audit_travel, run
from facilitator.services.sync.identity import sync_keys
from facilitator.storage.hub.client import HubClient
from facilitator.sync import entry as E
from tests.services.notes.conftest import nc
from tests.sync.laptops import Clinic, Laptop
from tests.sync.test_attacks import pair

__all__ = ["nc", "pair"]  # fixtures


def _goal(laptop: Laptop, text_: str) -> None:
    ws = laptop.sign_in()
    roster.add_goal(ws, roster.list_participants(ws)[0].id, text_)


def _device(laptop: Laptop) -> str:
    return run.status(laptop.sign_in()).device_id


def _verify_lines(laptop: Laptop) -> tuple[bool, list[str]]:
    report = maintenance.verify(laptop.sign_in())
    return report.ok, report.lines


def test_audit_events_of_one_laptop_reach_the_other_with_their_device(
        pair: tuple[Clinic, Laptop, Laptop]) -> None:
    _clinic, a, b = pair
    _goal(a, "Call a sponsor on Sundays")
    a.sync()
    b.sync()
    a_device = _device(a)
    on_a = audit.list_events(a.sign_in(), action_prefix="goal.created")[0]
    seen = audit_travel.clinic_events(b.sign_in(), action_prefix="goal.created")
    travelled = [r for r in seen if r.device == a_device]
    assert [(r.id, r.at, r.login, r.entity_id) for r in travelled][:1] == [
        (on_a.id, on_a.at, on_a.login, on_a.entity_id)]
    # B's own log and its chain are untouched: the event is not in it.
    assert not any(r.device == "" and r.at == on_a.at for r in seen)
    with b.sign_in().read() as s:
        assert audit.verify_chain(s).ok
        chain = audit_travel.check_chain(s, a_device)
    assert chain.problem is None and chain.events >= on_a.id - chain.first_id + 1
    # Applying the same entries again (a replay) adds nothing.
    count = len(audit_travel.clinic_events(b.sign_in()))
    b.sync()
    assert len(audit_travel.clinic_events(b.sign_in())) - count <= 2  # B's own round events


def test_verify_reports_every_device_and_an_altered_travelled_event(
        pair: tuple[Clinic, Laptop, Laptop]) -> None:
    _clinic, a, b = pair
    _goal(a, "Sleep before midnight")
    a.sync()
    b.sync()
    a_device, b_device = _device(a), _device(b)
    ok, lines = _verify_lines(b)
    assert ok, lines
    section = lines[lines.index("Clinic sync devices: 2"):]
    a_line = next(line for line in section if a_device in line)
    assert "signatures and chain hold" in a_line and "not frozen" in a_line
    assert any(b_device in line and "(this laptop)" in line for line in section)
    assert any("(chain intact)" in line for line in section)
    # Someone with B's key and a SQL shell drops the guard and edits one of A's travelled
    # events in B's database.
    with b.sign_in().transaction() as s:
        s.execute(text("DROP TRIGGER peer_audit_events_no_update"))
        s.execute(text("UPDATE peer_audit_events SET login = 'mallory' WHERE device_id = :d"
                       " AND id = (SELECT max(id) FROM peer_audit_events WHERE device_id = :d)"),
                  {"d": a_device})
    ok, lines = _verify_lines(b)
    assert not ok
    assert any(line.startswith(f"Problem: device {a_device}: audit chain broken at event")
               for line in lines)
    assert any("peer_audit_events_no_update" in line for line in lines)


def test_travelled_audit_events_cannot_be_edited(pair: tuple[Clinic, Laptop, Laptop]) -> None:
    _clinic, a, b = pair
    _goal(a, "Stretch every morning")
    a.sync()
    b.sync()
    for statement in ("UPDATE peer_audit_events SET login = 'mallory'",
                      "DELETE FROM peer_audit_events"):
        with pytest.raises(Exception, match="append-only"), \
                b.sign_in().transaction() as s:
            s.execute(text(statement))


def test_verify_names_refused_entries_and_frozen_devices(
        pair: tuple[Clinic, Laptop, Laptop]) -> None:
    clinic, a, b = pair
    a_device = _device(a)
    with HubClient(a.dsn) as hub:  # a forged entry, pushed with A's hub password
        [head] = [h for h in hub.heads() if str(h.device_id) == a_device]
        forged = E.seal(Ed25519PrivateKey.generate(), bytes(32),
                        E.Header(head.device_id, head.seq + 1, head.hash, 1, 0), b"{}")
        hub.push([forged.encode()])
    with pytest.raises(SyncProblem):
        b.sync()
    with clinic.cluster.admin(clinic.hub_db) as conn:  # the hub freezes A
        conn.execute("UPDATE facilitator_hub.devices SET frozen_at = now(),"
                     " frozen_reason = 'test' WHERE device_id::text = %s", (a_device,))
    with pytest.raises(SyncProblem):
        b.sync()
    ok, lines = _verify_lines(b)
    assert not ok
    a_lines = [line for line in lines if a_device in line]
    assert any("FROZEN on the hub" in line for line in a_lines)
    assert any("entries refused: 2; last:" in line and "signature" in line for line in lines)
    assert f"Problem: device {a_device}: 2 entry(ies) refused" in lines


def test_a_frozen_laptop_keeps_its_work_and_pushes_it_once_unfrozen(
        pair: tuple[Clinic, Laptop, Laptop], capsys: pytest.CaptureFixture[str]) -> None:
    clinic, a, b = pair
    a_device = _device(a)
    ws = a.sign_in()
    with ws.read() as s:
        me = s.scalars(select(SyncIdentity).where(SyncIdentity.device_id == a_device)).one()
        signer = Ed25519PrivateKey.from_private_bytes(me.signing_key)
        [key] = sync_keys(s)[1]
    with HubClient(a.dsn) as hub:  # a clone of A writes another entry at A's last seq
        mine = [E.decode(r) for _, r in hub.pull(0, 5000)
                if str(E.decode(r).header.device_id) == a_device]
        fork = E.seal(signer, key, mine[-1].header, b'{"v":1,"changes":[]}')
        assert hub.push([fork.encode()]).equivocation == mine[-1].header.seq
    _goal(a, "Drink water at every break")
    with pytest.raises(SyncProblem) as refused:
        a.sync()
    assert "frozen" in str(refused.value) and "hub unfreeze" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert run.status(a.sign_in()).pending_changes >= 1
    admin_dsn = clinic.cluster.dsn(clinic.hub_db)
    assert cli.main(["hub", "unfreeze", "--dsn", admin_dsn, "--device", a_device]) == cli.OK
    assert "may push again" in capsys.readouterr().out
    a.sync()
    b.sync()
    ws_b = b.sign_in()
    goals = {g.text for p in roster.list_participants(ws_b) for g in roster.goals(ws_b, p.id)}
    assert "Drink water at every break" in goals
