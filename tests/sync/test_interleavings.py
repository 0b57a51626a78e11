"""Property: whatever three laptops do offline and in whatever order they sync (with replayed
pushes and re-served pulls thrown in), after everyone has synced twice their records are equal
and the same records are flagged everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy import select

from facilitator.models.sync import SyncState
from facilitator.services import roster
from facilitator.services.sync import run
from facilitator.storage.hub.client import HubClient
from facilitator.sync import entry as E
from tests.pg import Cluster
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Clinic, Laptop

__all__ = ["nc"]

LAPTOP = st.integers(0, 2)
OPS = st.one_of(
    st.tuples(st.just("edit"), LAPTOP, st.integers(0, 3), st.sampled_from(["Al", "Bo", "Cy"])),
    st.tuples(st.just("goal"), LAPTOP, st.integers(0, 3)),
    st.tuples(st.just("sync"), LAPTOP),
    st.tuples(st.just("replay"), LAPTOP),
    st.tuples(st.just("reserve"), LAPTOP),
)


@pytest.fixture
def three(pg_cluster: Cluster, hub_db: str, tmp_path: Path, keyring_backend: PlaintextKeyring,
          nc: NotesClinic) -> list[Laptop]:
    clinic = Clinic(pg_cluster, hub_db, tmp_path / "laptops", keyring_backend, nc.clock)
    a = clinic.adopt("A", nc.vault)
    a.sync()
    laptops = [a, clinic.join_from(a, "B"), clinic.join_from(a, "C")]
    yield laptops
    clinic.close()


def _participant(laptop: Laptop, index: int) -> roster.ParticipantView:
    return sorted(roster.list_participants(laptop.sign_in()), key=lambda p: p.chart_id)[index]


def _do(laptops: list[Laptop], op: tuple, n: int) -> None:
    kind, laptop = op[0], laptops[op[1]]
    if kind == "edit":
        p = _participant(laptop, op[2])
        roster.update_participant(laptop.sign_in(), p.id, roster.ParticipantDraft(
            chart_id=p.chart_id, legal_name=p.legal_name, preferred_name=op[3],
            pronouns=p.pronouns, date_of_birth=p.date_of_birth,
            admission_date=p.admission_date, discharge_date=p.discharge_date,
            status=p.status, level_of_care=p.level_of_care, program_id=p.program_id))
    elif kind == "goal":
        roster.add_goal(laptop.sign_in(), _participant(laptop, op[2]).id, f"Goal {n}")
    elif kind == "sync":
        laptop.sync()
    elif kind == "replay":  # push this device's whole chain again: every entry a duplicate
        me = run.status(laptop.sign_in()).device_id
        with HubClient(laptop.dsn) as hub:
            mine = [r for _, r in hub.pull(0, 5000) if str(E.decode(r).header.device_id) == me]
            result = hub.push(mine)
        assert not result.accepted and result.equivocation is None
    else:  # the hub serves everything again from the start
        ws = laptop.sign_in()
        with ws.transaction() as s:
            s.scalars(select(SyncState)).one().cursor = 0


@settings(max_examples=8, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=1, max_size=10))
def test_any_interleaving_converges(three: list[Laptop], nc: NotesClinic, ops: list) -> None:
    for n, op in enumerate(ops):
        nc.clock.advance(seconds=1)
        _do(three, op, n)
    for laptop in three + three:
        laptop.sync()
    dumps = [laptop.dump() for laptop in three]
    assert dumps[0] == dumps[1] == dumps[2]
    flagged = [run.status(laptop.sign_in()).conflicts for laptop in three]
    assert flagged[0] == flagged[1] == flagged[2]
    event(f"records flagged: {flagged[0]}")
