"""Laptops converge through a real hub: offline edits on each, then sync -> identical
canonical dumps; a note signed on A is co-signed on B; concurrent edits of one field are kept
and flagged; replays, re-served pulls and a crash between push and acknowledgement change
nothing twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy import func, select

from facilitator.models.notes import ProgressNote, Signature
from facilitator.models.sync import SyncOutbox, SyncState
from facilitator.services import roster
from facilitator.services.sync import run
from facilitator.storage.hub.client import HubClient
from tests.pg import Cluster
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Clinic, Laptop
from tests.sync.story import sign_on_a_cosign_on_b

__all__ = ["nc"]
@pytest.fixture
def clinic(pg_cluster: Cluster, hub_db: str, tmp_path: Path, keyring_backend: PlaintextKeyring,
           nc: NotesClinic) -> Clinic:
    c = Clinic(pg_cluster, hub_db, tmp_path / "laptops", keyring_backend, nc.clock)
    yield c
    c.close()


@pytest.fixture
def a(clinic: Clinic, nc: NotesClinic) -> Laptop:
    laptop = clinic.adopt("A", nc.vault)
    laptop.sync()  # the first laptop: makes the clinic key, sends the whole record
    return laptop


def _preferred(ws, pid: int, name: str) -> None:
    p = roster.get_participant(ws, pid)
    draft = roster.ParticipantDraft(
        chart_id=p.chart_id, legal_name=p.legal_name, preferred_name=name, pronouns=p.pronouns,
        date_of_birth=p.date_of_birth, admission_date=p.admission_date,
        discharge_date=p.discharge_date, status=p.status, level_of_care=p.level_of_care,
        program_id=p.program_id)
    roster.update_participant(ws, pid, draft)


def _pid(laptop: Laptop, chart: str) -> int:
    return next(p.id for p in roster.list_participants(laptop.sign_in()) if p.chart_id == chart)


def test_two_laptops_offline_edits_converge(clinic: Clinic, a: Laptop, nc: NotesClinic) -> None:
    b = clinic.join_from(a, "B")
    first = b.sync()
    assert first.applied == 0  # B holds everything A had sent
    # Offline on both.
    roster.add_participant(a.sign_in(), roster.ParticipantDraft(
        chart_id="N-9", legal_name="Eve Placeholder", admission_date=nc.clock.now().date()))
    _preferred(b.sign_in(), _pid(b, "N-2"), "Benny")
    roster.add_goal(b.sign_in(), _pid(b, "N-1"), "Call the sponsor twice a week")
    a.sync(), b.sync(), a.sync()
    assert a.dump() == b.dump()
    assert roster.get_participant(a.sign_in(), _pid(a, "N-2")).preferred_name == "Benny"
    assert "N-9" in {p.chart_id for p in roster.list_participants(b.sign_in())}
    for laptop in (a, b):
        st = run.status(laptop.sign_in())
        assert (st.pending_changes, st.conflicts, st.last_problem) == (0, 0, "")


def test_note_signed_on_a_is_cosigned_on_b_and_c_sees_both(
        clinic: Clinic, a: Laptop, nc: NotesClinic) -> None:
    c_laptop = clinic.join_from(a, "C")  # joins early, knows nothing of the note
    b = clinic.join_from(a, "B")
    sign_on_a_cosign_on_b(a, b, nc)
    c_laptop.sync()
    dumps = [x.dump() for x in (a, b, c_laptop)]
    assert dumps[0] == dumps[1] == dumps[2]
    for laptop in (a, b, c_laptop):
        ws = laptop.sign_in()
        with ws.read() as s:
            state = s.scalar(select(ProgressNote.state))
            meanings = sorted(s.scalars(select(Signature.meaning)))
        assert (state, meanings) == ("final", ["author", "co-signer"])
    # Each laptop still verifies its own record (signatures recomputed, guards in place).
    from facilitator.services import maintenance

    for laptop in (a, b, c_laptop):
        report = maintenance.verify(laptop.sign_in(), file_checked=False)
        assert report.ok, report.lines


def test_concurrent_edits_of_one_field_are_kept_and_flagged(
        clinic: Clinic, a: Laptop, nc: NotesClinic) -> None:
    b = clinic.join_from(a, "B")
    b.sync()
    pid_a, pid_b = _pid(a, "N-4"), _pid(b, "N-4")
    _preferred(a.sign_in(), pid_a, "Dee A")
    nc.clock.advance(seconds=60)
    _preferred(b.sign_in(), pid_b, "Dee B")
    a.sync(), b.sync(), a.sync()
    assert a.dump() == b.dump()
    shown = roster.get_participant(a.sign_in(), pid_a).preferred_name
    assert shown in ("Dee A", "Dee B")
    assert roster.get_participant(b.sign_in(), pid_b).preferred_name == shown
    assert run.status(a.sign_in()).conflicts == run.status(b.sign_in()).conflicts == 1
    from facilitator.services.sync import conflicts

    [record] = conflicts.flagged(a.sign_in())
    assert (record.table, record.field) == ("participants", "preferred_name")
    assert sorted(record.values) == ["Dee A", "Dee B"]
    from argparse import Namespace

    from facilitator import cli_hub

    lines = cli_hub.run_sync(Namespace(action="status"), lambda: b.sign_in())
    assert lines[4:] == ["Records needing an admin: 1", "Problem: none",
                         f"  participants record {pid_b}: preferred_name has 2 values"]
    # An admin settles it by saving a value: it supersedes both, everywhere.
    _preferred(a.sign_in(), pid_a, "Dee")
    a.sync(), b.sync()
    assert roster.get_participant(b.sign_in(), pid_b).preferred_name == "Dee"
    assert run.status(a.sign_in()).conflicts == run.status(b.sign_in()).conflicts == 0
    assert a.dump() == b.dump()


def test_crash_between_push_and_acknowledgement(clinic: Clinic, a: Laptop,
                                                nc: NotesClinic) -> None:
    b = clinic.join_from(a, "B")
    b.sync()
    _preferred(a.sign_in(), _pid(a, "N-1"), "Addie")
    ws = a.sign_in()
    # Seal and push as a round would, then "crash" before the outbox is cleared.
    from facilitator.services.sync.local import seal_local
    from facilitator.storage.install import install_binding

    with ws.transaction() as s:
        seal_local(s, ws, install_binding(ws.vault.data_dir))
    with ws.read() as s:
        raws = list(s.scalars(select(SyncOutbox.raw)))
    assert len(raws) == 1
    with HubClient(a.dsn) as hub:
        assert len(hub.push(raws).accepted) == 1
    report = a.sync()
    assert (report.pushed, report.pending) == (0, 0)  # the hub already had it: a duplicate
    assert b.sync().applied == 1
    assert b.sync().applied == 0
    assert a.dump() == b.dump()


def test_re_served_history_is_not_applied_twice(clinic: Clinic, a: Laptop,
                                                nc: NotesClinic) -> None:
    b = clinic.join_from(a, "B")
    roster.add_goal(a.sign_in(), _pid(a, "N-3"), "Sleep before midnight")
    a.sync()
    assert b.sync().applied == 1
    before = b.dump()
    ws = b.sign_in()
    with ws.transaction() as s:  # as if the hub served everything again from the start
        s.get(SyncState, 1).cursor = 0
    again = b.sync()
    assert again.pulled >= 2 and again.applied == 0
    assert b.dump() == before == a.dump()


def test_a_copied_laptop_gets_its_own_chain(clinic: Clinic, a: Laptop, nc: NotesClinic) -> None:
    b = clinic.join_from(a, "B")
    b.sync()
    with a.sign_in().read() as s:
        outbox = s.scalar(select(func.count()).select_from(SyncOutbox))
    assert outbox == 0
    from facilitator.services.sync.identity import current_identity

    assert current_identity(a.sign_in()).device_id != current_identity(b.sign_in()).device_id
    from facilitator.storage.hub import admin

    status = admin.status(clinic.cluster.dsn(clinic.hub_db))
    assert len(status.devices) == 2 and not any(d.frozen_at for d in status.devices)


def test_a_therapist_syncs_too_but_only_an_admin_starts_a_clinic_key(
        clinic: Clinic, nc: NotesClinic) -> None:
    laptop = clinic.adopt("A", nc.vault)
    from facilitator.services.errors import SyncProblem

    with pytest.raises(SyncProblem, match="no clinic sync key"):
        laptop.sync("tara")
    assert run.status(laptop.sign_in()).last_problem.startswith("This laptop holds no")
    assert laptop.sync("admin").pushed >= 1
    assert laptop.sync("tara").pushed == 0  # signing in changes only local columns
    assert run.status(laptop.sign_in()).last_problem == ""

