"""Property: whatever three laptops do offline and in whatever order they sync (with replayed
pushes and re-served pulls thrown in), after everyone has synced twice their records are equal
and the same records are flagged everywhere. The laptops edit participants, add goals and save
the group's rotation plan (a topic in one cell, so that plans saved apart meet in a slot)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy import select

from facilitator.models.sync import SyncState
from facilitator.services import programs, roster
from facilitator.services.curriculum import authoring, planning
from facilitator.services.curriculum.dto import ModuleDraft, PlanEntry, TopicDraft
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
    st.tuples(st.just("plan"), LAPTOP, st.integers(0, 1), st.integers(0, 2)),
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


def _do(laptops: list[Laptop], op: tuple, n: int, topics: list[str]) -> None:
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
    elif kind == "plan":  # the whole plan saved again: one topic, in week 1 or 2's Monday
        ws = laptop.sign_in()
        group = programs.list_groups(ws)[0].id
        planning.save_plan(ws, group, 4, [PlanEntry(op[2], 1, 0, topics[op[3]])])
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


def _topics(laptops: list[Laptop]) -> list[str]:
    """The keys of the topics plans name, and the group's plan (empty), made on A and on
    every laptop before the steps. (A plan made on two laptops apart becomes one record whose
    rows keep their own creation times until an admin settles them: ``clashes``.)"""
    a = laptops[0]
    module = authoring.add_module(a.sign_in(), ModuleDraft("Sleep and recovery")).key
    keys = [authoring.add_topic(a.sign_in(), module, TopicDraft(
        title, 45, objectives=("Plan an evening routine",), key_points=("Screens off",),
        activity="Draft a plan.", discussion_prompts=("What keeps you up?",))).key
        for title in ("Wind-down routine", "Caffeine and sleep", "Naps and shift work")]
    planning.save_plan(a.sign_in(), programs.list_groups(a.sign_in())[0].id, 4, [])
    for laptop in laptops:
        laptop.sync()
    return keys


@settings(max_examples=8, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=1, max_size=10))
def test_any_interleaving_converges(three: list[Laptop], nc: NotesClinic, ops: list) -> None:
    topics = _topics(three) if any(op[0] == "plan" for op in ops) else []
    for n, op in enumerate(ops):
        nc.clock.advance(seconds=1)
        _do(three, op, n, topics)
    for laptop in three + three:
        laptop.sync()
    dumps = [laptop.dump() for laptop in three]
    assert dumps[0] == dumps[1] == dumps[2]
    flagged = [run.status(laptop.sign_in()).conflicts for laptop in three]
    assert flagged[0] == flagged[1] == flagged[2]
    event(f"records flagged: {flagged[0]}")
