"""Edits made on a laptop while its round pulls (the live console's): a slice seals them before
a pulled change reaches their records, so two edits of one field still become a conflict; an
edit no pulled change reaches is sealed once, after the last slice, and leaves with the round.
The console waiting for a slice then never waits for a seal it did not need."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from facilitator.models.sync import SyncDirty, SyncRow
from facilitator.services import console as c
from facilitator.services import notes, roster
from facilitator.services.sync import collect, conflicts, local, pull, rows, unsealed
from facilitator.services.workspace import Workspace
from facilitator.storage.turns import WriteTurns
from tests.conftest import PASSWORD
from tests.services.notes.conftest import NotesClinic, nc, run_block
from tests.sync.laptops import Clinic, Laptop
from tests.sync.test_converge import _pid, _preferred, clinic

__all__ = ["clinic", "nc"]


def _edit_once_the_pull_waits(monkeypatch: pytest.MonkeyPatch, ws: Workspace,
                              edit: Any) -> tuple[list[int], list[int]]:
    """``edit()`` runs on another thread (the console's) when the pull begins applying its
    first batch: after the round sealed, before any slice. Returns the slices begun (one 1
    each) and their count at each seal from then on."""
    real_batch, edits = pull._apply_batch, []

    def applying(*args: Any, **kwargs: Any) -> Any:
        if not edits:
            console = threading.Thread(target=lambda: edits.append(edit()))
            console.start()
            console.join()
            assert edits, "the edit failed"
        return real_batch(*args, **kwargs)

    monkeypatch.setattr(pull, "_apply_batch", applying)
    monkeypatch.setattr(pull, "APPLY_SLICE_S", 0.0)  # a slice per step: many of them
    monkeypatch.setattr(pull, "BUSY_APPLY_S", 0.0)
    slices, seals = [], []
    real_slice, real_seal = pull._slice, local.seal_local
    monkeypatch.setattr(pull, "_slice", lambda *a: slices.append(1) or real_slice(*a))

    def sealing(*args: Any, **kwargs: Any) -> Any:
        if edits:  # not the round's own seal before it pulled
            seals.append(len(slices))
        return real_seal(*args, **kwargs)

    monkeypatch.setattr(pull, "seal_local", sealing)  # a slice's
    monkeypatch.setattr(local, "seal_local", sealing)  # the steps after the last slice
    return slices, seals


def _renamed_on_a(a: Laptop, nc: NotesClinic, charts: list[str], name: str) -> None:
    for chart in charts:
        _preferred(a.sign_in(), _pid(a, chart), name)
    a.sync()
    nc.clock.advance(seconds=60)


def test_an_edit_no_pulled_change_reaches_is_sealed_once_after_the_last_slice(
        clinic: Clinic, nc: NotesClinic, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = clinic.in_step(nc.vault)
    _renamed_on_a(a, nc, ["N-1", "N-2", "N-3"], "Dee A")
    ws = b.sign_in()
    slices, seals = _edit_once_the_pull_waits(
        monkeypatch, ws, lambda: _preferred(ws, _pid(b, "N-4"), "Dee B"))
    report = b.sync()
    assert report.applied == 3
    assert len(slices) >= 4  # a check, then a change per slice
    assert seals == [len(slices)]  # one seal, after the last slice
    assert report.pushed == 1  # the edit left with this very round
    monkeypatch.undo()
    a.sync()
    assert roster.get_participant(a.sign_in(), _pid(a, "N-4")).preferred_name == "Dee B"
    assert a.dump() == b.dump()


@pytest.mark.parametrize("caught_by", ["the entry's check", "the slice's last check"])
def test_an_edit_a_pulled_change_reaches_is_sealed_first_and_both_values_are_kept(
        clinic: Clinic, nc: NotesClinic, monkeypatch: pytest.MonkeyPatch,
        caught_by: str) -> None:
    a, b = clinic.in_step(nc.vault)
    _renamed_on_a(a, nc, ["N-4"], "Dee A")
    ws = b.sign_in()
    slices, seals = _edit_once_the_pull_waits(
        monkeypatch, ws, lambda: _preferred(ws, _pid(b, "N-4"), "Dee B"))
    if caught_by == "the slice's last check":
        # The entry's check misses it: the slice that wrote the record is rolled back and
        # applied again after a seal.
        monkeypatch.setattr(unsealed.Unsealed, "touched_by", lambda self, changes: False)
    assert b.sync().applied == 1
    assert seals[0] < len(slices)  # first by a slice, before the change
    monkeypatch.undo()
    a.sync(), b.sync()
    assert a.dump() == b.dump()
    [record] = conflicts.flagged(a.sign_in())
    assert (record.table, record.field) == ("participants", "preferred_name")
    assert sorted(record.values) == ["Dee A", "Dee B"]


def test_many_edits_made_meanwhile_are_sealed_a_few_records_per_step(
        clinic: Clinic, nc: NotesClinic, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = clinic.in_step(nc.vault)
    _renamed_on_a(a, nc, ["N-1"], "Dee A")
    ws = b.sign_in()
    new = 2 * local.SEAL_STEP + 3

    def admit() -> None:
        for i in range(new):
            roster.add_participant(ws, roster.ParticipantDraft(
                chart_id=f"B-{i}", legal_name=f"Bo Placeholder {i}",
                admission_date=nc.clock.now().date()))

    slices, seals = _edit_once_the_pull_waits(monkeypatch, ws, admit)
    # The console stays busy (acting all along, as in a running block), without making the
    # steps wait for its next action (``WriteTurns.pace``, tested on its own).
    monkeypatch.setattr(local, "BUSY_S", 3600.0)
    monkeypatch.setattr(ws.db.turns, "pace", lambda longest: None)
    sealed: list[int] = []
    real_collect = local.collect
    monkeypatch.setattr(local, "collect", lambda *args: sealed.append(
        len(changes := real_collect(*args))) or changes)
    report = b.sync()
    del sealed[0]  # the round's own seal before it pulled, of nothing
    # After the last slice, three steps, each its own transaction and entry: 8, 8 and 3 new
    # people.
    assert seals == [len(slices)] * 3
    assert sealed == [local.SEAL_STEP, local.SEAL_STEP, new - 2 * local.SEAL_STEP]
    assert report.pushed == 3
    monkeypatch.undo()
    a.sync()
    assert a.dump() == b.dump()
    assert sum(p.chart_id.startswith("B-") for p in roster.list_participants(a.sign_in())) == new


def test_a_part_of_the_notes_never_parts_a_signed_revision_from_its_goal_links(
        clinic: Clinic, nc: NotesClinic) -> None:
    a, _b = clinic.in_step(nc.vault)
    tara = a.sign_in("tara")
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    goals = [notes.GoalEntry(g.goal_id, g.text, g.status, True, "some", "Used it.")
             for g in note.goals]
    seq = notes.save_draft(tara, note.note_id, note.edit_seq, sections={
        "data": "Ada practised the breathing skill.", "assessment": "Engaged.",
        "plan": "Practise daily."}, goals=goals)
    assert notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)[0].signed
    ws = a.sign_in()
    with ws.transaction() as s:
        noted = s.scalar(select(func.count()).select_from(SyncDirty)) or 0
        assert noted > 3
        for limit in range(1, noted + 1):
            with s.begin_nested() as part:  # each limit on the same notes
                changes = collect.collect(s, ws, limit)
                part.rollback()
            tables = [c["table"] for c in changes]
            assert len(changes) >= min(limit, noted)
            if "note_revisions" in tables or "note_goal_links" in tables:
                assert tables.count("note_goal_links") == len(goals)
                assert "note_revisions" in tables


def test_with_the_console_idle_the_edits_are_sealed_at_once(
        clinic: Clinic, nc: NotesClinic, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = clinic.in_step(nc.vault)
    _renamed_on_a(a, nc, ["N-1"], "Dee A")
    ws = b.sign_in()
    for i in range(local.SEAL_STEP + 3):  # before the round, on this thread: no console ran
        _preferred(ws, _pid(b, "N-4"), f"Dee {i}")
        roster.add_participant(ws, roster.ParticipantDraft(
            chart_id=f"B-{i}", legal_name=f"Bo Placeholder {i}",
            admission_date=nc.clock.now().date()))
    assert b.sync().pushed == 1  # one step, one entry
    a.sync()
    assert a.dump() == b.dump()


def test_a_round_ends_while_the_console_keeps_editing(
        clinic: Clinic, nc: NotesClinic) -> None:
    """The steps seal what was noted when the seal began: a console that notes a record
    between every two steps does not keep the round sealing forever."""
    a, b = clinic.in_step(nc.vault)
    _renamed_on_a(a, nc, ["N-1"], "Dee A")
    ws = b.sign_in()
    pid = _pid(b, "N-4")
    for i in range(3 * local.SEAL_STEP):  # noted before the round: steps of 8 once it is busy
        roster.add_participant(ws, roster.ParticipantDraft(
            chart_id=f"B-{i}", legal_name=f"Bo Placeholder {i}",
            admission_date=nc.clock.now().date()))
    round_over, acted = threading.Event(), []

    def console() -> None:
        while not round_over.is_set() and len(acted) < 2000:
            _preferred(ws, pid, f"Dee {len(acted)}")  # a record noted again and again
            acted.append(1)

    worker = threading.Thread(target=console)
    worker.start()
    try:
        report = b.sync()
    finally:
        round_over.set()
        worker.join()
    assert len(acted) < 2000  # the round ended while the console still acted
    assert report.pushed >= 1
    b.sync(), a.sync()
    assert a.dump() == b.dump()


def test_with_nothing_edited_meanwhile_the_pull_seals_nothing(
        clinic: Clinic, nc: NotesClinic, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = clinic.in_step(nc.vault)
    _renamed_on_a(a, nc, ["N-1"], "Dee A")
    ws = b.sign_in()
    _slices, seals = _edit_once_the_pull_waits(monkeypatch, ws, lambda: None)
    assert b.sync().applied == 1
    assert seals == []  # not even an empty transaction after the last slice


def test_a_part_of_the_notes_carries_the_new_records_its_records_refer_to(
        clinic: Clinic, nc: NotesClinic) -> None:
    """Notes are taken oldest last-touched first, so a record made before another that refers
    to it can come after it: a block's attendance row, updated at its end, after the step-out
    that names it. A part cut between them still carries the attendance row (a global id
    first, its insert before the step-out), or the step-out would name a record with no global
    id, and another laptop would meet a reference to a record it does not have."""
    a, _b = clinic.in_step(nc.vault)
    run_block(a.sign_in("tara"), nc, nc.group.id, date(2026, 3, 4))
    ws = a.sign_in()
    with ws.transaction() as s:
        noted = len(s.execute(select(SyncDirty.tbl, SyncDirty.row_key).distinct()).all())
        assert noted > 10
        sent = set(s.scalars(select(SyncRow.gid)))
        for limit in range(1, noted + 1):
            with s.begin_nested() as part:  # each limit on the same notes
                changes = collect.collect(s, ws, limit)
                part.rollback()
            assert len(changes) >= limit
            before = set(sent)
            for change in changes:
                for column, target in rows.refs(change["table"]).items():
                    gid = change.get("fields", {}).get(column)
                    assert gid is None or gid in before, (limit, change["table"], target)
                before.add(change["gid"])


def test_a_block_run_since_the_last_round_travels_in_small_steps(
        clinic: Clinic, nc: NotesClinic, monkeypatch: pytest.MonkeyPatch) -> None:
    """The round seals a busy console's edits a few records per step: a whole block made since
    the last round (its session updated last of all) still seals, and the other laptop
    applies every step's entry."""
    a, b = clinic.in_step(nc.vault)
    run_block(b.sign_in("tara"), nc, nc.group.id, date(2026, 3, 4))
    monkeypatch.setattr(local, "SEAL_STEP", 3)
    monkeypatch.setattr(WriteTurns, "busy", lambda self, within: True)
    monkeypatch.setattr(WriteTurns, "pace", lambda self, longest: None)
    assert b.sync().pushed > 5  # many small entries
    monkeypatch.undo()
    assert a.sync().applied > 5
    assert a.dump() == b.dump()


def test_records_removed_and_restored_travel_in_small_steps(
        clinic: Clinic, nc: NotesClinic, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deletes and re-inserts in steps of one record: marking someone absent removes her
    step-out, undo puts it back (the same row), marking her absent again removes it again;
    every step's entry applies on the other laptop in its order."""
    a, b = clinic.in_step(nc.vault)
    tara = b.sign_in("tara")
    sid = run_block(tara, nc, nc.group.id, date(2026, 3, 4))
    b.sync(), a.sync()
    dee = nc.people[3]
    c.mark_absent(tara, sid, dee)  # her step-out goes
    c.undo_last(tara, sid)  # and comes back
    c.mark_absent(tara, sid, dee)
    c.add_jot(tara, sid, None, "A jot of the whole group.")
    monkeypatch.setattr(local, "SEAL_STEP", 1)
    monkeypatch.setattr(WriteTurns, "busy", lambda self, within: True)
    monkeypatch.setattr(WriteTurns, "pace", lambda self, longest: None)
    assert b.sync().pushed >= 3
    monkeypatch.undo()
    assert a.sync().applied >= 3
    assert a.dump() == b.dump()
