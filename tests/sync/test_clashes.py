"""Rows created on two laptops that collide on a unique key: nothing is lost, names people type
are never merged (the later row gets a suffix, the same on both laptops), counters take the
next number, rows made of references only become one record with both values kept."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, time
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy import select, text

from facilitator.models.audit import AuditEvent
from facilitator.models.sync_security import SyncClash
from facilitator.services import programs, roster, users
from facilitator.services.curriculum import authoring, library
from facilitator.services.curriculum.dto import ModuleDraft, TopicDraft
from facilitator.services.errors import Conflict, PermissionDenied
from facilitator.services.notes import drafts
from facilitator.services.sync import clashes, conflicts, made_twice, run
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


def one_chart_number_on_both(a: Laptop, b: Laptop, chart: str) -> None:
    """Pat Example on A and Lee Sample on B are given one chart number apart; they meet."""
    program = programs.list_programs(a.sign_in())[0].id
    for laptop, name in ((a, "Pat Example"), (b, "Lee Sample")):
        roster.add_participant(laptop.sign_in(), roster.ParticipantDraft(
            chart_id=chart, legal_name=name, admission_date=date(2026, 2, 1),
            program_id=program))
    meet(a, b)


def test_two_charts_with_one_chart_number_stay_two_charts(pair: tuple[Laptop, Laptop]) -> None:
    a, b = pair
    one_chart_number_on_both(a, b, "C-100")
    for laptop in (a, b):
        charts = {p.legal_name: p.chart_id for p in roster.list_participants(laptop.sign_in())
                  if p.chart_id.startswith("C-100")}
        assert set(charts) == {"Pat Example", "Lee Sample"}
        assert "C-100" in charts.values() and len(set(charts.values())) == 2
        assert _pending(laptop) == [("participants", "chart_id")]
    assert a.dump() == b.dump()


def _entries(laptop: Laptop, login: str = "admin") -> list[conflicts.Flagged]:
    return [f for f in conflicts.flagged(laptop.sign_in(login)) if f.field == conflicts.CLASH]


def _words(entry: conflicts.Flagged) -> tuple[str, ...]:
    return entry.kind, entry.label, entry.field_name, entry.note


def test_a_chart_given_its_right_number_on_one_laptop_clears_the_clash_on_both(
        pair: tuple[Laptop, Laptop]) -> None:
    """The admin learns of the second chart in words on the Sync conflicts page, and the edit
    that gives it its right number closes the entry on every laptop it reaches."""
    a, b = pair
    one_chart_number_on_both(a, b, "C-100")
    [entry] = _entries(a)
    [on_b] = _entries(b)
    assert _words(on_b) == _words(entry)  # the same words on both laptops
    [renamed] = [p for p in roster.list_participants(a.sign_in()) if p.chart_id != "C-100"
                 and p.chart_id.startswith("C-100")]
    assert (entry.kind, entry.field_name, entry.row_key) == ("participant", "chart number",
                                                             str(renamed.id))
    assert entry.label.endswith(f"chart {renamed.chart_id}")
    [kept] = [p.legal_name for p in roster.list_participants(a.sign_in())
              if p.chart_id == "C-100"]
    assert f"chart number \u201cC-100\u201d to two people: {kept}" in entry.note
    assert f"shows \u201c{renamed.chart_id}\u201d" in entry.note
    assert entry.can_resolve and not entry.free_text
    [sam_sees] = _entries(b, "sam")  # a supervisor: a chart is clinical
    assert _words(sam_sees) == _words(entry) and sam_sees.can_resolve
    assert run.status(a.sign_in()).conflicts == run.status(b.sign_in()).conflicts == 1
    on_b = next(p for p in roster.list_participants(b.sign_in())
                if p.legal_name == renamed.legal_name)
    roster.update_participant(b.sign_in(), on_b.id, dataclasses.replace(
        roster.ParticipantDraft(on_b.chart_id, on_b.legal_name, on_b.admission_date),
        program_id=on_b.program_id, chart_id="C-101"))
    assert _entries(b) == [] and run.status(b.sign_in()).conflicts == 0
    assert len(_entries(a)) == 1  # until the edit gets there
    meet(a, b)
    for laptop in (a, b):
        assert _entries(laptop) == [] and _pending(laptop) == []
        assert run.status(laptop.sign_in()).conflicts == 0
        with laptop.sign_in().read() as s:  # and its record says so, after a round
            assert s.scalar(select(SyncClash.resolved_at).where(
                SyncClash.tbl == "participants")) is not None
    assert a.dump() == b.dump()


def test_a_login_clash_is_acknowledged_on_each_laptop_for_itself(
        pair: tuple[Laptop, Laptop]) -> None:
    a, b = pair
    for laptop, name in ((a, "Robin Example"), (b, "Robin Sample")):
        users.add_user(laptop.sign_in(), users.UserDraft("robin", name, "LPC", "therapist"),
                       "a long enough password 1")
    meet(a, b)
    [entry] = _entries(a)
    renamed = next(u for u in users.list_users(a.sign_in()) if u.login.startswith("robin-"))
    assert (entry.kind, entry.field_name) == ("user", "login")
    assert entry.label == f"{renamed.display_name} ({renamed.login})"
    assert f"signs in as \u201c{renamed.login}\u201d" in entry.note
    [sam_sees] = _entries(a, "sam")  # listed for a supervisor, settled by an admin
    assert not sam_sees.can_resolve and sam_sees.why_not == conflicts.ADMINS_ONLY
    with pytest.raises(PermissionDenied, match="Only an admin settles a user's values"):
        conflicts.resolve(a.sign_in("sam"), entry.gid, entry.field, entry.values[0])
    done = conflicts.resolve(a.sign_in(), entry.gid, entry.field, entry.values[0])
    assert done.here_only and (done.kind, done.label) == ("user", entry.label)
    assert _entries(a) == [] and run.status(a.sign_in()).conflicts == 0
    with pytest.raises(Conflict, match="settled meanwhile"):
        conflicts.resolve(a.sign_in(), entry.gid, entry.field, entry.values[0])
    with a.sign_in().read() as s:
        event = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "sync.clash_acknowledged")).one()
    assert event.details["fields"] == ["login"] and "robin" not in json.dumps(event.details)
    meet(a, b)
    assert len(_entries(b)) == 1  # B met the clash itself: it acknowledges it there


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
            versions = s.execute(text(
                "SELECT v.version, v.duration_min FROM topic_versions v JOIN curriculum_topics t"
                " ON t.id = v.topic_id WHERE t.key = :k ORDER BY v.version"),
                {"k": topic.key}).all()
        assert sorted(d for _v, d in versions) == [45, 50, 55]  # nothing lost
        assert [v for v, _d in versions] == [1, 2, 3]
        # Each keeps its own text as version 2 and lists the other's, numbered 3 here.
        assert dict(versions)[2] == {"A": 50, "B": 55}[laptop.name]
        [entry] = [f for f in _entries(laptop) if f.table == "topic_versions"]
        assert entry.label == "Wind-down routine, version 3"
        assert "both as version 2" in entry.note and "numbers this one 3" in entry.note
        # Each teaches the text it took in last, the other's: the entry says so.
        assert library.get_topic(laptop.sign_in(), topic.key).duration_min == {
            "A": 55, "B": 50}[laptop.name]
        assert made_twice.CURRENT_APART in entry.note
    authoring.edit_topic(a.sign_in(), topic.key, _topic(60))  # what the entry advises
    meet(a, b)
    for laptop in (a, b):
        assert library.get_topic(laptop.sign_in(), topic.key).duration_min == 60
        [entry] = [f for f in _entries(laptop) if f.table == "topic_versions"]
        assert made_twice.CURRENT_APART not in entry.note


def _topic(duration: int) -> TopicDraft:
    return TopicDraft("Wind-down routine", duration, objectives=("Plan an evening routine",),
                      key_points=("Screens off an hour before bed",), activity="Draft a plan.",
                      discussion_prompts=("What keeps you up?",))


def authoring_modules(laptop: Laptop) -> list:  # type: ignore[type-arg]
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
        with laptop.sign_in().read() as s:
            recorded = {(c.tbl, c.columns) for c in s.scalars(select(SyncClash))}
        assert {("progress_notes", "(merged)"), ("note_revisions", "note_id,number")} <= recorded
        # Made one note, its revisions numbered alike everywhere: nothing for an admin.
        assert _pending(laptop) == []
        with laptop.sign_in().read() as s:
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


def test_a_chart_number_changed_to_one_another_laptop_gave_a_new_chart(
        pair: tuple[Laptop, Laptop]) -> None:
    """Ada's chart number corrected to C-9 on A while B admits Lee Sample as C-9. B's pull of
    the correction failed ("UNIQUE constraint failed: participants.chart_id") in every round;
    now the two charts settle as two made apart do: the later record takes the suffix, alike
    on both laptops, and each lists it for an admin."""
    a, b = pair
    ada = next(p for p in roster.list_participants(a.sign_in()) if p.chart_id == "N-1")
    roster.update_participant(a.sign_in(), ada.id, dataclasses.replace(
        roster.ParticipantDraft(ada.chart_id, ada.legal_name, ada.admission_date),
        program_id=ada.program_id, chart_id="C-9"))
    program = programs.list_programs(b.sign_in())[0].id
    b.clock.advance(minutes=1)  # Lee's global id, given at B's next round, is the later one
    roster.add_participant(b.sign_in(), roster.ParticipantDraft(
        chart_id="C-9", legal_name="Lee Sample", admission_date=date(2026, 2, 1),
        program_id=program))
    meet(a, b)
    meet(a, b)
    for laptop in (a, b):
        charts = {p.legal_name: p.chart_id for p in roster.list_participants(laptop.sign_in())}
        assert charts[ada.legal_name] == "C-9", laptop.name  # the earlier record keeps it
        assert charts["Lee Sample"].startswith("C-9-"), laptop.name
        [entry] = _entries(laptop)
        assert entry.field_name == "chart number" and "Lee Sample" in entry.label
    assert a.dump() == b.dump()
