"""Rows created on two laptops that collide on a unique key: nothing is lost, names people type
are never merged (the later row gets a suffix, the same on both laptops), counters take the
next number, rows made of references only become one record with both values kept."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy import text

from facilitator.services import programs, roster, users
from facilitator.services.curriculum import authoring
from facilitator.services.curriculum.dto import ModuleDraft, TopicDraft
from facilitator.services.notes import drafts
from facilitator.services.sync import clashes
from tests.pg import Cluster
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Clinic, Laptop

__all__ = ["nc"]


@pytest.fixture
def pair(pg_cluster: Cluster, hub_db: str, tmp_path: Path, keyring_backend: PlaintextKeyring,
         nc: NotesClinic) -> tuple[Laptop, Laptop]:
    clinic = Clinic(pg_cluster, hub_db, tmp_path / "laptops", keyring_backend, nc.clock)
    a, b = clinic.in_step(nc.vault)
    yield a, b
    clinic.close()


def meet(a: Laptop, b: Laptop) -> None:
    """Rounds until each laptop has the other's changes and the settlements of both."""
    a.sync()
    b.sync()
    a.sync()


def _pending(laptop: Laptop) -> list[tuple[str, str]]:
    return [(p.table, p.columns) for p in clashes.pending(laptop.sign_in())]


def test_two_charts_with_one_chart_number_stay_two_charts(pair: tuple[Laptop, Laptop]) -> None:
    a, b = pair
    program = programs.list_programs(a.sign_in())[0].id
    for laptop, name in ((a, "Pat Example"), (b, "Lee Sample")):
        roster.add_participant(laptop.sign_in(), roster.ParticipantDraft(
            chart_id="C-100", legal_name=name, admission_date=date(2026, 2, 1),
            program_id=program))
    meet(a, b)
    for laptop in (a, b):
        charts = {p.legal_name: p.chart_id for p in roster.list_participants(laptop.sign_in())
                  if p.chart_id.startswith("C-100")}
        assert set(charts) == {"Pat Example", "Lee Sample"}
        assert "C-100" in charts.values() and len(set(charts.values())) == 2
        assert _pending(laptop) == [("participants", "chart_id")]
    assert a.dump() == b.dump()


def test_two_accounts_with_one_login_stay_two_accounts(pair: tuple[Laptop, Laptop]) -> None:
    a, b = pair
    for laptop, name in ((a, "Robin Example"), (b, "Robin Sample")):
        users.add_user(laptop.sign_in(), users.UserDraft("robin", name, "LPC", "therapist"),
                       "a long enough password 1")
    meet(a, b)
    for laptop in (a, b):
        robins = {u.display_name: u.login for u in users.list_users(laptop.sign_in())
                  if u.login.startswith("robin")}
        assert set(robins) == {"Robin Example", "Robin Sample"}
        assert sorted(robins.values())[0] == "robin" and len(set(robins.values())) == 2
        assert _pending(laptop) == [("users", "login")]
    assert a.dump() == b.dump()


def test_curriculum_keys_and_topic_versions(pair: tuple[Laptop, Laptop]) -> None:
    a, b = pair
    for laptop in (a, b):  # the same title makes the same key on each laptop
        authoring.add_module(laptop.sign_in(), ModuleDraft("Sleep and recovery"))
    meet(a, b)
    for laptop in (a, b):
        modules = [m for m in authoring_modules(laptop) if m.title == "Sleep and recovery"]
        assert len(modules) == 2 and len({m.key for m in modules}) == 2
    assert a.dump() == b.dump()
    key = sorted(m.key for m in authoring_modules(a) if m.title == "Sleep and recovery")[0]
    topic = authoring.add_topic(a.sign_in(), key, _topic(45))
    meet(a, b)
    authoring.edit_topic(a.sign_in(), topic.key, _topic(50))
    authoring.edit_topic(b.sign_in(), topic.key, _topic(55))
    meet(a, b)
    for laptop in (a, b):
        assert ("topic_versions", "topic_id,version") in _pending(laptop)
        assert ("curriculum_modules", "key") in _pending(laptop)
        with laptop.sign_in().read() as s:
            from sqlalchemy import text

            versions = s.execute(text(
                "SELECT v.version, v.duration_min FROM topic_versions v JOIN curriculum_topics t"
                " ON t.id = v.topic_id WHERE t.key = :k ORDER BY v.version"),
                {"k": topic.key}).all()
        assert sorted(d for _v, d in versions) == [45, 50, 55]  # nothing lost
        assert [v for v, _d in versions] == [1, 2, 3]


def _topic(duration: int) -> TopicDraft:
    return TopicDraft("Wind-down routine", duration, objectives=("Plan an evening routine",),
                      key_points=("Screens off an hour before bed",), activity="Draft a plan.",
                      discussion_prompts=("What keeps you up?",))


def authoring_modules(laptop: Laptop) -> list:  # type: ignore[type-arg]
    from facilitator.services.curriculum import library

    return list(library.list_modules(laptop.sign_in()))


def test_one_note_for_one_participant_and_session_written_on_two_laptops(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    a, b = pair
    pid = nc.people[0]
    drafts.open_note(a.sign_in("tara"), nc.session_id, pid)
    drafts.open_note(b.sign_in("tara"), nc.session_id, pid)
    meet(a, b)
    for laptop in (a, b):
        notes = drafts.session_notes(laptop.sign_in("tara"), nc.session_id)
        mine = [n for n in notes.rows if n.participant_id == pid]
        assert len(mine) == 1, "one note per participant and session"
        pending = _pending(laptop)
        assert ("progress_notes", "(merged)") in pending
        assert ("note_revisions", "note_id,number") in pending
        with laptop.sign_in().read() as s:
            from sqlalchemy import text

            authors = s.execute(text(
                "SELECT count(*) FROM note_revisions r JOIN progress_notes n ON n.id = r.note_id"
                " WHERE n.session_id = :s AND n.participant_id = :p"),
                {"s": nc.session_id, "p": pid}).scalar()
        assert authors == 2  # both laptops' revisions are kept


def test_the_same_facilitator_added_on_two_laptops_is_one_link(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    a, b = pair
    for laptop in (a, b):
        programs.update_group(laptop.sign_in(), nc.group.id, programs.GroupDraft(
            "Morning group", nc.program.id, (1, 3), time(9), time(12), location="Room 1",
            facilitator_ids=(nc.tara.id, nc.uma.id, nc.sam.id)))
    meet(a, b)
    for laptop in (a, b):
        group = next(g for g in programs.list_groups(laptop.sign_in()) if g.id == nc.group.id)
        assert sorted(group.facilitator_ids) == sorted((nc.tara.id, nc.uma.id, nc.sam.id))
    assert a.dump() == b.dump()


def test_a_run_of_pulled_rows_is_cut_at_its_first_clash(nc: NotesClinic) -> None:
    """A first pull inserts runs of new rows in one statement: the run ends before the first
    row that meets a row here on a unique key (one or several columns), which is then settled
    on its own; NULLs never clash."""
    ws = nc.admin
    taken = roster.list_participants(ws)[0]
    with ws.read() as s:
        attended = s.execute(text("SELECT session_id, participant_id FROM attendance")).first()
        assert attended is not None
        free = {"session_id": attended[0], "participant_id": -1}
        assert clashes.first_clash(s, "participants", [
            {"chart_id": "NEW-1"}, {"chart_id": "NEW-2"}]) == 2
        assert clashes.first_clash(s, "participants", [
            {"chart_id": "NEW-1"}, {"chart_id": None}, {"chart_id": taken.chart_id},
            {"chart_id": "NEW-3"}]) == 2
        assert clashes.first_clash(s, "attendance", [
            free, {"session_id": attended[0], "participant_id": attended[1]}, free]) == 1
        assert clashes.first_clash(s, "attendance", [  # both columns must meet
            free, {"session_id": attended[0] + 1000, "participant_id": attended[1]}]) == 2
