"""What a laptop does when the hub (or someone with its superuser) misbehaves: nothing is
applied, the round stops with a sentence, and the problem is remembered for the status bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from keyrings.alt.file import PlaintextKeyring

from facilitator.services import roster
from facilitator.services.errors import SyncProblem
from facilitator.services.sync import run
from facilitator.storage.hub.client import HubClient
from facilitator.sync import entry as E
from tests.pg import Cluster
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Clinic, Laptop

__all__ = ["nc"]


@pytest.fixture
def pair(pg_cluster: Cluster, hub_db: str, tmp_path: Path, keyring_backend: PlaintextKeyring,
         nc: NotesClinic) -> tuple[Clinic, Laptop, Laptop]:
    clinic = Clinic(pg_cluster, hub_db, tmp_path / "laptops", keyring_backend, nc.clock)
    a, b = clinic.in_step(nc.vault)
    yield clinic, a, b
    clinic.close()


def _goal(laptop: Laptop, text: str) -> None:
    ws = laptop.sign_in()
    pid = roster.list_participants(ws)[0].id
    roster.add_goal(ws, pid, text)


def _goals(laptop: Laptop) -> list[str]:
    ws = laptop.sign_in()
    return sorted(g.text for p in roster.list_participants(ws) for g in roster.goals(ws, p.id))


def _alter_newest_entry(clinic: Clinic) -> None:
    """Flip one bit of the hub's newest entry, as its superuser could."""
    with clinic.cluster.admin(clinic.hub_db) as conn:
        conn.execute("""UPDATE facilitator_hub.entries SET raw = set_byte(raw, 160,
                          get_byte(raw, 160) # 1)
                        WHERE cursor = (SELECT max(cursor) FROM facilitator_hub.entries)""")


def test_an_entry_altered_on_the_hub_is_refused_and_reported(
        pair: tuple[Clinic, Laptop, Laptop]) -> None:
    clinic, a, b = pair
    _goal(a, "Attend two meetings a week")
    a.sync()
    before = _goals(b)
    _alter_newest_entry(clinic)
    with pytest.raises(SyncProblem, match="forged or altered"):
        b.sync()
    assert _goals(b) == before
    assert "forged or altered" in run.status(b.sign_in()).last_problem


def test_entries_before_an_altered_one_are_kept_and_the_round_resumes_at_it(
        pair: tuple[Clinic, Laptop, Laptop]) -> None:
    """One write transaction runs through several entries: the good ones before the altered
    entry are committed with the cursor past them; nothing of the altered one is applied."""
    clinic, a, b = pair
    for text in ("Call a sponsor daily", "Keep a sleep diary", "Cook dinner twice a week"):
        _goal(a, text)
        a.sync()
    _alter_newest_entry(clinic)
    with pytest.raises(SyncProblem, match="forged or altered"):
        b.sync()
    goals = _goals(b)
    assert "Call a sponsor daily" in goals and "Keep a sleep diary" in goals
    assert "Cook dinner twice a week" not in goals
    with pytest.raises(SyncProblem, match="forged or altered"):  # it stops at the same entry
        b.sync()
    assert _goals(b) == goals


def test_a_forged_entry_pushed_with_stolen_hub_credentials_is_refused(
        pair: tuple[Clinic, Laptop, Laptop]) -> None:
    """Someone with A's hub password (not A's signing key) pushes as A's device."""
    _clinic, a, b = pair
    me = run.status(a.sign_in()).device_id
    with HubClient(a.dsn) as hub:
        [head] = [h for h in hub.heads() if str(h.device_id) == me]
        forged = E.seal(Ed25519PrivateKey.generate(), bytes(32),
                        E.Header(head.device_id, head.seq + 1, head.hash, 1, 0), b"{}")
        assert hub.push([forged.encode()]).accepted == (head.seq + 1,)
    with pytest.raises(SyncProblem, match="does not carry that device's signature"):
        b.sync()


def test_a_hub_that_lost_history_is_noticed(pair: tuple[Clinic, Laptop, Laptop]) -> None:
    clinic, a, b = pair
    _goal(a, "Walk every morning")
    a.sync()
    b.sync()
    with clinic.cluster.admin(clinic.hub_db) as conn:  # e.g. restored from an older backup
        conn.execute("""DELETE FROM facilitator_hub.entries e USING facilitator_hub.devices d
                        WHERE e.device_id = d.device_id AND e.seq = d.head_seq
                          AND d.role_name = %s""", (a.dsn.rsplit("user=", 1)[1],))
        conn.execute("""UPDATE facilitator_hub.devices SET head_seq = head_seq - 1
                        WHERE role_name = %s""", (a.dsn.rsplit("user=", 1)[1],))
    with pytest.raises(SyncProblem, match="lost or rolled back"):
        b.sync()


def test_a_restored_copy_pushing_the_old_identity_freezes_it(
        pair: tuple[Clinic, Laptop, Laptop]) -> None:
    """Two installs writing one chain: the second entry at one seq is evidence; the device is
    frozen and its laptop is told why, while the other laptops carry on."""
    _clinic, a, b = pair
    me = run.status(a.sign_in()).device_id
    with HubClient(a.dsn) as hub:
        [head] = [h for h in hub.heads() if str(h.device_id) == me]
        pulled = hub.pull(0, 5000)
    mine = [E.decode(r) for _, r in pulled if str(E.decode(r).header.device_id) == me]
    # Rewrite A's last entry with another body, as a clone with A's key would.
    from facilitator.models.sync import SyncIdentity

    ws = a.sign_in()
    with ws.read() as s:
        key = Ed25519PrivateKey.from_private_bytes(s.get(SyncIdentity, 1).signing_key)
        from facilitator.services.sync.identity import sync_keys

        [sync_key] = sync_keys(s)[1]
    last = mine[-1]
    fork = E.seal(key, sync_key, last.header, b'{"v":1,"changes":[]}')
    with HubClient(a.dsn) as hub:
        assert hub.push([fork.encode()]).equivocation == head.seq
    _goal(a, "Something after the fork")
    with pytest.raises(SyncProblem, match="frozen"):
        a.sync()
    b.sync()  # B is not affected


def test_a_hub_of_another_clinic_is_refused_before_anything_moves(
        pair: tuple[Clinic, Laptop, Laptop]) -> None:
    clinic, a, _b = pair
    from facilitator.storage.hub import admin

    other = clinic.cluster.new_database("template0")
    admin.init(clinic.cluster.dsn(other))  # another hub, with its own id
    elsewhere = clinic.cluster.dsn(other, clinic.cluster.laptop_role(other))
    _goal(a, "Not for the other hub")
    with pytest.raises(SyncProblem, match="not the hub this laptop syncs with"):
        run.sync_now(a.sign_in(), elsewhere)
    with HubClient(elsewhere) as hub:
        assert hub.heads() == [] and hub.pull(0) == []
    assert a.sync().pushed == 1  # the remembered hub still works


def test_a_restored_laptop_reissues_what_its_source_never_pushed(
        pair: tuple[Clinic, Laptop, Laptop]) -> None:
    """A's last edits were sealed but not pushed when the backup was taken; A is then lost.
    The restored copy sends them in its own chain; B gets them once."""
    from facilitator.services.sync.local import seal_local
    from facilitator.storage.install import install_binding

    clinic, a, b = pair
    _goal(a, "Sealed but never pushed")
    ws = a.sign_in()
    with ws.transaction() as s:
        seal_local(s, ws, install_binding(ws.vault.data_dir))
    restored = clinic.join_from(a, "A2")
    report = restored.sync()
    assert report.pushed == 1 and report.pending == 0
    b.sync()
    assert "Sealed but never pushed" in _goals(b)
    a.sync()  # A was not lost after all: its own push of the same change is a no-op elsewhere
    b.sync()
    assert _goals(b).count("Sealed but never pushed") == 1
    assert a.dump() == b.dump() == restored.dump()
