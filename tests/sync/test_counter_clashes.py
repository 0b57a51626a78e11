"""Counters that clash (a note's revision number, a rotation slot, a topic's version): after
the laptops sync, every laptop numbers the clashing rows alike, whichever laptop saw which row
first (``services.sync.clashes``), except where both rows can never change (the documented
rule: each laptop keeps its own at the number it had)."""

from __future__ import annotations

from typing import Any

from facilitator.services import notes
from facilitator.services.curriculum import authoring, library, planning
from facilitator.services.curriculum.dto import ModuleDraft, PlanEntry, TopicDraft
from facilitator.services.sync import clashes
from tests.conftest import PASSWORD
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Laptop
from tests.sync.test_clashes import meet, pair

__all__ = ["nc", "pair"]


def _rows(laptop: Laptop, table: str, column: str) -> dict[str, Any]:
    return {r["gid"]: r[column] for r in laptop.dump()[table]}


def _write(laptop: Laptop, nc: NotesClinic, text: str) -> notes.NoteView:
    tara = laptop.sign_in("tara")
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    notes.save_draft(tara, note.note_id, note.edit_seq, sections={
        "data": text, "assessment": "Engaged; no risk indicators today.",
        "plan": "Practise paced breathing twice daily."})
    return notes.open_note(tara, nc.session_id, nc.people[0])


def test_two_drafts_of_one_note_are_numbered_alike(pair: tuple[Laptop, Laptop],
                                                   nc: NotesClinic) -> None:
    """Each laptop opened the note offline (revision 1 twice): the smaller global id keeps 1
    on both laptops, and the newest draft is the same revision everywhere, so editing it on
    either laptop afterwards travels without meeting another number."""
    a, b = pair
    _write(a, nc, "Written on A.")
    _write(b, nc, "Written on B.")
    meet(a, b)
    numbers = _rows(a, "note_revisions", "number")
    assert numbers == _rows(b, "note_revisions", "number")
    first, second = sorted(numbers)
    assert (numbers[first], numbers[second]) == (1, 2)
    assert ("note_revisions", "note_id,number") in [
        (p.table, p.columns) for p in clashes.pending(a.sign_in())]
    newest = {laptop.name: _write(laptop, nc, f"Edited on {laptop.name}.").revision_number
              for laptop in (a, b)}
    assert newest == {"A": 2, "B": 2}
    meet(a, b)
    assert _rows(a, "note_revisions", "number") == _rows(b, "note_revisions", "number")
    assert a.dump()["note_revisions"] == b.dump()["note_revisions"]


def test_a_signed_revision_keeps_its_number(pair: tuple[Laptop, Laptop],
                                            nc: NotesClinic) -> None:
    """A revision signed on A before it travelled keeps its number (its signature covers it);
    the draft written meanwhile on B moves, on both laptops."""
    a, b = pair
    _write(b, nc, "Written on B.")
    note = _write(a, nc, "Written on A.")
    [signed] = notes.sign_notes(a.sign_in("tara"), [(note.note_id, note.edit_seq)], PASSWORD)
    assert signed.signed, signed.message
    meet(a, b)
    for laptop in (a, b):
        with laptop.sign_in().read() as s:
            from sqlalchemy import text

            found = s.execute(text("SELECT number, signed_at IS NOT NULL FROM note_revisions"
                                   " ORDER BY number")).all()
        assert [tuple(r) for r in found] == [(1, True), (2, False)], laptop.name
    assert a.dump()["note_revisions"] == b.dump()["note_revisions"]
    for laptop in (a, b):
        with laptop.sign_in().read() as s:
            assert notes.verify_signatures(s)[1] == [], laptop.name


def test_two_plans_for_one_cell_are_numbered_alike(pair: tuple[Laptop, Laptop],
                                                   nc: NotesClinic) -> None:
    a, b = pair
    module = authoring.add_module(a.sign_in(), ModuleDraft("Sleep and recovery")).key
    keys = [authoring.add_topic(a.sign_in(), module, _topic(title)).key
            for title in ("Wind-down routine", "Caffeine and sleep")]
    meet(a, b)
    for laptop, key in ((a, keys[0]), (b, keys[1])):
        planning.save_plan(laptop.sign_in(), nc.group.id, 4, [PlanEntry(0, 1, 0, key)])
    meet(a, b)
    slots = _rows(a, "rotation_entries", "slot")
    assert slots == _rows(b, "rotation_entries", "slot") and sorted(slots.values()) == [0, 1]
    assert a.dump()["rotation_entries"] == b.dump()["rotation_entries"]


def test_two_versions_of_one_topic_keep_their_numbers_where_they_were_made(
        pair: tuple[Laptop, Laptop]) -> None:
    """Topic versions never change (a signed note may name one by its number), so two made
    offline are the documented exception: each laptop keeps its own as version 2 and numbers
    the other's 3; the clash waits for an admin and nothing is lost."""
    a, b = pair
    module = authoring.add_module(a.sign_in(), ModuleDraft("Sleep and recovery")).key
    key = authoring.add_topic(a.sign_in(), module, _topic("Wind-down routine")).key
    meet(a, b)
    authoring.edit_topic(a.sign_in(), key, _topic("Wind-down routine", 50))
    authoring.edit_topic(b.sign_in(), key, _topic("Wind-down routine", 55))
    meet(a, b)
    for laptop, own in ((a, 50), (b, 55)):
        versions = {v.version: v.duration_min for v in library.topic_history(laptop.sign_in(),
                                                                             key)}
        assert versions == {1: 45, 2: own, 3: 105 - own}, laptop.name
        assert ("topic_versions", "topic_id,version") in [
            (p.table, p.columns) for p in clashes.pending(laptop.sign_in())]


def _topic(title: str, duration: int = 45) -> TopicDraft:
    return TopicDraft(title, duration, objectives=("Plan an evening routine",),
                      key_points=("Screens off an hour before bed",), activity="Draft a plan.",
                      discussion_prompts=("What keeps you up?",))
