"""A pull applies an entry in short write transactions (the live console waits for the write
lock), and a round cut off inside an entry applies the rest of it next time, nothing twice. A
laptop pulls a note signed with goal links, and a new laptop pulls the whole record."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from facilitator.models.roster import Participant
from facilitator.models.sync import SyncSeen, SyncState
from facilitator.services import notes, roster
from facilitator.services.sync import apply, gid_index, pull
from tests.conftest import PASSWORD
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Clinic, Laptop
from tests.sync.test_converge import clinic  # the laptops of the notes clinic, one hub

__all__ = ["clinic", "nc"]
NEW = 30


def _state(laptop: Laptop) -> tuple[int, int, int]:
    """(participants, entries seen, cursor) on ``laptop``."""
    with laptop.sign_in().read() as s:
        return (s.scalar(select(func.count()).select_from(Participant)) or 0,
                s.scalar(select(func.count()).select_from(SyncSeen)) or 0,
                s.get(SyncState, 1).cursor)


def new_people_for_b(clinic: Clinic, nc: NotesClinic, count: int) -> tuple[Laptop, Laptop]:
    """Laptops A and B in step; then A adds ``count`` participants and pushes them in one
    entry, which B has not pulled yet."""
    a, b = clinic.in_step(nc.vault)
    for i in range(count):
        roster.add_participant(a.sign_in(), roster.ParticipantDraft(
            chart_id=f"S-{i}", legal_name=f"Sam Placeholder {i}",
            admission_date=nc.clock.now().date()))
    assert a.sync().pushed == 1  # one entry: every new participant
    return a, b


def test_a_round_cut_off_inside_an_entry_resumes_it(clinic: Clinic, nc: NotesClinic,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = new_people_for_b(clinic, nc, NEW)
    before = _state(b)

    # One change per write transaction (no runs of inserts in one statement either); the
    # power goes at the tenth.
    monkeypatch.setattr(pull, "APPLY_SLICE_S", 0.0)
    monkeypatch.setattr(gid_index.GidIndex, "AHEAD", 1)
    real, calls = apply.apply_changes, []

    def cut_off(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 10:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(pull, "apply_changes", cut_off)
    with pytest.raises(RuntimeError, match="power cut"):
        b.sync()
    participants, seen, cursor = _state(b)
    assert participants == before[0] + 9  # nine slices committed, one change each
    assert (seen, cursor) == before[1:]  # the entry is not recorded: it comes again

    monkeypatch.setattr(pull, "apply_changes", real)
    report = b.sync()
    assert report.applied == NEW - 9
    assert _state(b)[0] == before[0] + NEW
    assert a.dump() == b.dump()


def test_a_note_signed_with_goal_links_and_a_whole_record_are_pulled(
        clinic: Clinic, nc: NotesClinic) -> None:
    a, b = clinic.in_step(nc.vault)
    # Written, linked to a goal and signed between two rounds: the entry brings the revision
    # signed, and the guard refuses new links of a signed revision.
    tara = a.sign_in("tara")
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    goal = note.goals[0]
    seq = notes.save_draft(tara, note.note_id, note.edit_seq, sections={
        "data": "Ada practised the breathing skill.", "assessment": "Engaged.",
        "plan": "Practise daily."}, goals=[notes.GoalEntry(
            goal.goal_id, goal.text, goal.status, True, "some", "Used it once.")])
    assert notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)[0].signed
    a.sync()
    b.sync()
    assert a.dump() == b.dump()
    assert a.dump()["note_goal_links"]
    # A new laptop pulls everything, the first admin (created by herself) included.
    fresh = clinic.fresh_from(a, "C")
    assert _state(fresh)[0] == 0
    assert fresh.sync().applied == sum(len(rows) for rows in a.dump().values())
    assert fresh.dump() == a.dump()
