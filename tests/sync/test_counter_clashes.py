"""Counters that clash (a note's revision number, a rotation slot, a topic's version): after
the laptops sync, every laptop numbers the clashing rows alike, whichever laptop saw which row
first (``services.sync.clashes``), signed revisions included, except two topic versions (the
documented rule: each laptop keeps its own at the number it had)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text, update

from facilitator.models.curriculum import CurriculumTopic, RotationEntry
from facilitator.models.sync import SyncRow
from facilitator.models.sync_security import SyncClash
from facilitator.services import console, notes
from facilitator.services.curriculum import authoring, library, planning
from facilitator.services.curriculum.dto import ModuleDraft, PlanEntry, TopicDraft
from facilitator.services.sync import clashes, conflicts, signed_ids
from facilitator.ui.notes.render import revision_title
from tests.conftest import PASSWORD
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Laptop
from tests.sync.test_clashes import meet, pair

__all__ = ["nc", "pair"]


def _rows(laptop: Laptop, table: str, column: str) -> dict[str, Any]:
    return {r["gid"]: r[column] for r in laptop.dump()[table]}


def _write(laptop: Laptop, nc: NotesClinic, text: str, login: str = "tara") -> notes.NoteView:
    writer = laptop.sign_in(login)
    note = notes.open_note(writer, nc.session_id, nc.people[0])
    notes.save_draft(writer, note.note_id, note.edit_seq, sections={
        "data": text, "assessment": "Engaged; no risk indicators today.",
        "plan": "Practise paced breathing twice daily."})
    return notes.open_note(writer, nc.session_id, nc.people[0])


def _numbers_as_sync_knows_them(laptop: Laptop) -> list[tuple[int, int]]:
    """(number, the number its sync record's heads name) of each note revision: equal, or
    the next round would send the difference as an edit."""
    from facilitator.services.sync.collect import winner

    with laptop.sign_in().read() as s:
        found = s.execute(text("SELECT id, number FROM note_revisions")).all()
        records = {int(r.row_key or 0): r.fields for r in s.scalars(select(SyncRow).where(
            SyncRow.tbl == "note_revisions", SyncRow.row_key.is_not(None)))}
        return [(number, winner(records[key]["number"])) for key, number in found]


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
    _numbered_by_sync(a)
    for laptop in (a, b):
        assert all(n == known for n, known in _numbers_as_sync_knows_them(laptop)), laptop.name
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


def _numbered_by_sync(laptop: Laptop) -> None:
    """The clash is kept as a trace, but a note's revisions are numbered alike on every laptop
    (``numbering``): nothing for an admin."""
    with laptop.sign_in().read() as s:
        assert s.scalar(select(SyncClash.id).where(SyncClash.tbl == "note_revisions"))
    assert not clashes.pending(laptop.sign_in())


def test_a_shipped_topic_version_added_on_two_laptops_is_one_version(
        pair: tuple[Laptop, Laptop]) -> None:
    """An update of the app ships a new version of a topic, and every laptop adds it at its
    first sign-in (``library.sync_shipped_library``), offline or not. Two laptops' identical
    versions are one record after sync: the same number everywhere, no clash for an admin,
    and the next shipped version still comes in. Before, one laptop's copy became version 3
    on the other laptop (and the reverse), and the next shipped version 3 was never added."""
    import dataclasses

    from facilitator.curriculum import default_library_path, load_library
    from facilitator.storage.integrity import check_guards

    a, b = pair
    shipped = load_library(default_library_path()).modules[0]
    first = shipped.topics[0]

    def release(version: int) -> list:
        topic = dataclasses.replace(first, version=version,
                                    title=f"{first.title} (release {version})")
        return [dataclasses.replace(shipped, topics=(topic,))]

    library.sync_shipped_library(a.sign_in(), release(1))
    meet(a, b)
    for laptop in (a, b):  # each laptop's first sign-in after the update, apart
        assert library.sync_shipped_library(laptop.sign_in(), release(2)).versions_added == 1
    meet(a, b)
    assert a.dump() == b.dump()
    for laptop in (a, b):
        history = library.topic_history(laptop.sign_in(), first.id)
        assert sorted(v.version for v in history) == [1, 2], laptop.name
        assert not clashes.pending(laptop.sign_in()), laptop.name
        with laptop.sign_in().read() as s:
            assert not s.scalar(select(SyncRow.gid).where(SyncRow.conflicted)), laptop.name
        # Who added it was written past the guard on a version's words, which is back.
        assert check_guards(laptop.sign_in().db) == [], laptop.name
    assert library.sync_shipped_library(b.sign_in(), release(3)).versions_added == 1
    meet(a, b)
    assert sorted(v.version for v in library.topic_history(a.sign_in(), first.id)) == [1, 2, 3]
    assert a.dump() == b.dump()


def test_a_shipped_module_new_in_an_update_is_one_module_on_every_laptop(
        pair: tuple[Laptop, Laptop]) -> None:
    """An update of the app ships a new module with a new topic, and two laptops add them at
    their first sign-in, apart. The library's ids name one module and one topic: after sync
    each is one record (with its one version), not a second copy under a suffixed key with a
    clash for an admin, as two modules a clinic names alike on two laptops stay (above)."""
    import dataclasses

    from facilitator.curriculum import default_library_path, load_library

    a, b = pair
    shipped = load_library(default_library_path()).modules[0]
    new = [dataclasses.replace(shipped, topics=shipped.topics[:1])]
    for laptop in (a, b):
        report = library.sync_shipped_library(laptop.sign_in(), new)
        assert (report.modules_added, report.topics_added, report.versions_added) == (1, 1, 1)
    meet(a, b)
    assert a.dump() == b.dump()
    for laptop in (a, b):
        keys = [m.key for m in library.list_modules(laptop.sign_in())]
        assert keys == [shipped.id], laptop.name
        history = library.topic_history(laptop.sign_in(), shipped.topics[0].id)
        assert [v.version for v in history] == [1], laptop.name
        assert not clashes.pending(laptop.sign_in()), laptop.name
        with laptop.sign_in().read() as s:
            assert not s.scalar(select(SyncRow.gid).where(SyncRow.conflicted)), laptop.name
    later = [dataclasses.replace(shipped, topics=shipped.topics[:2])]
    assert library.sync_shipped_library(a.sign_in(), later).topics_added == 1
    meet(a, b)
    assert len(library.search_topics(b.sign_in(), module_key=shipped.id)) == 2
    assert a.dump() == b.dump()


def _topic(title: str, duration: int = 45) -> TopicDraft:
    return TopicDraft(title, duration, objectives=("Plan an evening routine",),
                      key_points=("Screens off an hour before bed",), activity="Draft a plan.",
                      discussion_prompts=("What keeps you up?",))


def _numbers_and_signed(laptop: Laptop) -> dict[str, tuple[int, bool]]:
    return {r["gid"]: (r["number"], r["signed_at"] is not None)
            for r in laptop.dump()["note_revisions"]}


def _sign(laptop: Laptop, note: notes.NoteView, login: str = "tara") -> None:
    [signed] = notes.sign_notes(laptop.sign_in(login), [(note.note_id, note.edit_seq)],
                                PASSWORD)
    assert signed.signed, signed.message


def _signatures_hold(laptop: Laptop) -> list[Any]:
    with laptop.sign_in().read() as s:
        return notes.verify_signatures(s)[1]


def test_two_revisions_signed_apart_are_numbered_alike_and_both_verify(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """Both laptops signed revision 1 of one note before either synced (Uma wrote it on each,
    her notes wait for Sam's co-signature). Neither signature may turn into a mismatch, and
    every laptop numbers the two alike: the smaller global id keeps 1, the other is shown as 2
    and still verifies against the number it was signed with, which its sync record keeps
    (without it, the same row is a mismatch: nothing is guessed). Sam co-signs the moved one
    on A, and every signature holds on both laptops."""
    a, b = pair
    console.set_facilitators(a.sign_in("tara"), nc.session_id, [nc.uma.id])
    meet(a, b)
    for laptop in (a, b):
        _sign(laptop, _write(laptop, nc, f"Written and signed on {laptop.name}.", "uma"), "uma")
    meet(a, b)
    found = _numbers_and_signed(a)
    assert found == _numbers_and_signed(b)
    first, second = sorted(found)
    assert (found[first], found[second]) == ((1, True), (2, True))
    for laptop in (a, b):
        assert _signatures_hold(laptop) == [], laptop.name
    assert a.dump()["note_revisions"] == b.dump()["note_revisions"]
    _numbered_by_sync(a)

    sam = a.sign_in("sam")
    [waiting] = notes.review_queue(sam)
    [cosigned] = notes.cosign_notes(sam, [waiting.note_id], PASSWORD)
    assert cosigned.signed, cosigned.message
    meet(a, b)
    for laptop in (a, b):
        assert _signatures_hold(laptop) == [], laptop.name
        history = notes.open_note(laptop.sign_in("uma"), nc.session_id, nc.people[0]).history
        assert [(r.number, r.signed_as, len(r.signatures)) for r in history] == [
            (1, None, 1), (2, 1, 2)], laptop.name
        assert revision_title(history[1]) == (
            "Revision 2 (signed as revision 1; numbered anew by clinic sync)")
        with laptop.sign_in().read() as s:
            moved, note_id = s.execute(text(
                "SELECT r.id, r.note_id FROM note_revisions r JOIN sync_rows g ON"
                " g.tbl = 'note_revisions' AND g.row_key = r.id WHERE g.gid = :gid"),
                {"gid": second}).one()
        with laptop.sign_in().transaction() as s:
            record = s.get(SyncRow, second)
            assert record is not None and record.fields[signed_ids.NUMBER][0][1] == 1
            record.fields = {c: h for c, h in record.fields.items() if c != signed_ids.NUMBER}
        with laptop.sign_in().read() as s:
            assert {(p.note_id, p.what) for p in notes.verify_signatures(s)[1]} == {
                (note_id, "the signed note content no longer matches its signature")}
            assert s.scalar(text("SELECT count(*) FROM signatures WHERE revision_id = :r"),
                            {"r": moved}) == 2


@pytest.mark.parametrize("a_signs", [False, True], ids=["A's draft", "A's signed"])
def test_a_revision_signed_before_its_laptop_saw_it_moved(
        pair: tuple[Laptop, Laptop], nc: NotesClinic, a_signs: bool) -> None:
    """B's draft travelled and was moved to 2 on A (A's own revision has the smaller global id:
    A's clock runs an hour behind); B, not having pulled A's yet, signed its draft as revision
    1. Where A's revision is a draft, B's signature decides: on every laptop B's revision is 1
    and A's draft (which can still change) takes 2. Where A signed its own first, that one
    keeps 1 (the smaller global id) and B's stays at 2 on A and moves there on B. Either way
    the laptops agree and every signature verifies."""
    a, b = pair
    mine = _write(a, nc, "Written on A.")
    if a_signs:
        _sign(a, mine)
    _write(b, nc, "Written on B.")
    b.sync()
    nc.clock.advance(hours=-1)  # global ids are given when a round seals the changes
    a.sync()  # A's revision (the smaller global id) keeps 1 here; B's moves to 2
    nc.clock.advance(hours=1, minutes=5)
    _sign(b, notes.open_note(b.sign_in("tara"), nc.session_id, nc.people[0]))
    meet(a, b)
    found = _numbers_and_signed(a)
    assert found == _numbers_and_signed(b)
    first, second = sorted(found)  # A's, then B's
    assert (found[first], found[second]) == (((1, True), (2, True)) if a_signs else
                                              ((2, False), (1, True)))
    for laptop in (a, b):
        assert _signatures_hold(laptop) == [], laptop.name
    assert a.dump()["note_revisions"] == b.dump()["note_revisions"]


def test_a_returned_note_and_a_revision_signed_apart_are_numbered_alike(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """On A, Uma signed revision 1 and Sam returned it (a new draft, revision 2); on B, Tara
    signed her own revision 1 of the same note. Three revisions, two of them claiming 1 and
    the draft 2 on A: every laptop numbers them alike, the two signed ones first (the smaller
    global id keeps 1) and the draft on top, where its writer finds it."""
    a, b = pair
    console.set_facilitators(a.sign_in("tara"), nc.session_id, [nc.uma.id])
    meet(a, b)
    _sign(a, _write(a, nc, "Written and signed on A.", "uma"), "uma")
    returned = notes.open_note(a.sign_in("uma"), nc.session_id, nc.people[0])
    notes.return_note(a.sign_in("sam"), returned.note_id, "Name the skill practised.")
    _sign(b, _write(b, nc, "Written and signed on B."))
    meet(a, b)
    found = _numbers_and_signed(a)
    assert found == _numbers_and_signed(b)
    assert sorted(found.values()) == [(1, True), (2, True), (3, False)]
    for laptop in (a, b):
        assert _signatures_hold(laptop) == [], laptop.name
    assert a.dump()["note_revisions"] == b.dump()["note_revisions"]


@pytest.fixture
def trio_clinic(pg_cluster: Any, hub_db: str, tmp_path: Any, keyring_backend: Any,
                nc: NotesClinic) -> Any:
    """The clinic (to join more laptops) and three laptops, Uma co-facilitating the block."""
    from tests.sync.laptops import Clinic

    clinic = Clinic(pg_cluster, hub_db, tmp_path / "laptops", keyring_backend, nc.clock)
    a = clinic.adopt("A", nc.vault)
    console.set_facilitators(a.sign_in("tara"), nc.session_id, [nc.uma.id])
    a.sync()
    laptops = [a, clinic.join_from(a, "B"), clinic.join_from(a, "C")]
    for laptop in laptops[1:]:
        laptop.sync()
    yield clinic, laptops
    clinic.close()


@pytest.fixture
def trio(trio_clinic: Any) -> list[Laptop]:
    return list(trio_clinic[1])


def test_three_revisions_signed_apart_are_numbered_by_global_id_on_every_laptop(
        trio: list[Laptop], nc: NotesClinic) -> None:
    """Uma signed revision 1 of one note on each of three laptops before any synced, and the
    laptops sealed them in another order than the hub received them (B's clock an hour
    behind). Whichever order each laptop learns of the others, all three number the
    revisions by global id, and every signature holds everywhere."""
    a, b, c = trio
    for laptop in trio:
        _sign(laptop, _write(laptop, nc, f"Written and signed on {laptop.name}.", "uma"),
              "uma")
    a.sync()
    nc.clock.advance(hours=-1)
    b.sync()  # sealed after A's, with the smaller global id
    nc.clock.advance(hours=2)
    c.sync()  # learns of A's before B's
    a.sync()
    b.sync()
    found = _numbers_and_signed(a)
    for laptop in (b, c):
        assert _numbers_and_signed(laptop) == found, laptop.name
    assert [found[gid] for gid in sorted(found)] == [(1, True), (2, True), (3, True)]
    for laptop in trio:
        assert _signatures_hold(laptop) == [], laptop.name
    assert a.dump()["note_revisions"] == b.dump()["note_revisions"] == c.dump()[
        "note_revisions"]


def test_three_plans_for_one_cell_are_numbered_alike_on_every_laptop(
        trio: list[Laptop], nc: NotesClinic) -> None:
    """Each of three laptops saved the group's plan apart with its own topic in one cell. The
    laptops learn of the others' entries in different orders (C's first, then A's, then B's);
    every laptop numbers the cell's entries alike: by the slot each was saved in, then by
    global id."""
    a, b, c = trio
    module = authoring.add_module(a.sign_in(), ModuleDraft("Sleep and recovery")).key
    keys = [authoring.add_topic(a.sign_in(), module, _topic(title)).key
            for title in ("Wind-down routine", "Caffeine and sleep", "Naps and shift work")]
    for laptop in (a, b, c, a):
        laptop.sync()
    for laptop, key in zip(trio, keys, strict=True):
        planning.save_plan(laptop.sign_in(), nc.group.id, 4, [PlanEntry(0, 1, 0, key)])
        nc.clock.advance(minutes=1)
    for laptop in (c, a, b, c, a, b):
        laptop.sync()
    slots = _rows(a, "rotation_entries", "slot")
    for laptop in (b, c):
        assert _rows(laptop, "rotation_entries", "slot") == slots, laptop.name
    assert sorted(slots.values()) == [0, 1, 2]
    assert [slots[gid] for gid in sorted(slots)] == [0, 1, 2]  # the smaller global id first
    assert a.dump()["rotation_entries"] == b.dump()["rotation_entries"] == c.dump()[
        "rotation_entries"]


def test_an_entry_deleted_elsewhere_gives_its_slot_back_on_every_laptop(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """A and B each planned a topic in one slot apart; B, holding both, shows B's second.
    Then A saved its plan again empty (not having seen B's entry): on A, B's entry arrives to a
    free slot; on B, the deletion of A's entry gives the slot back to B's. Both laptops show
    B's entry in the slot it was saved in."""
    a, b = pair
    module = authoring.add_module(a.sign_in(), ModuleDraft("Sleep and recovery")).key
    keys = [authoring.add_topic(a.sign_in(), module, _topic(title)).key
            for title in ("Wind-down routine", "Caffeine and sleep")]
    meet(a, b)
    planning.save_plan(a.sign_in(), nc.group.id, 4, [PlanEntry(0, 1, 0, keys[0])])
    planning.save_plan(b.sign_in(), nc.group.id, 4, [PlanEntry(0, 1, 0, keys[1])])
    a.sync()
    nc.clock.advance(minutes=1)
    b.sync()  # B holds both: A's keeps slot 0 (the smaller global id), B's shows in 1
    assert sorted(_rows(b, "rotation_entries", "slot").values()) == [0, 1]
    planning.save_plan(a.sign_in(), nc.group.id, 4, [])
    meet(a, b)
    for laptop in (a, b):
        view = planning.get_plan(laptop.sign_in(), nc.group.id)
        assert [(c.week, c.slot, c.topic_key) for c in view.cells] == [(0, 0, keys[1])], (
            laptop.name)
    assert a.dump()["rotation_entries"] == b.dump()["rotation_entries"]


def test_a_pulled_deletion_of_an_entry_deleted_here_unsealed_changes_nothing(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """A slice seals this laptop's edits before a pulled change reaches them, except while a
    new sync key waits: then a deletion of an entry this laptop deleted too, not yet sealed,
    reaches a record whose row is gone. Applying it changes nothing and raises nothing."""
    from facilitator.services.sync.apply import apply_changes

    a, b = pair
    module = authoring.add_module(a.sign_in(), ModuleDraft("Sleep and recovery")).key
    key = authoring.add_topic(a.sign_in(), module, _topic("Wind-down routine")).key
    planning.save_plan(a.sign_in(), nc.group.id, 4, [PlanEntry(0, 1, 0, key)])
    meet(a, b)
    [gid] = _rows(b, "rotation_entries", "slot")
    planning.save_plan(b.sign_in(), nc.group.id, 4, [])  # deleted here, not sealed
    with b.sign_in().transaction() as s:
        _done, left = apply_changes(s, [{"id": "019c0000-0000-7000-8000-00000000ffff",
                                         "op": "delete", "table": "rotation_entries",
                                         "gid": gid}])
    assert left == [] and planning.get_plan(b.sign_in(), nc.group.id).cells == ()


def _monday_planned(a: Laptop, b: Laptop, nc: NotesClinic) -> tuple[list[str], str]:
    """Three topics made on A, the first planned for week 1's Monday, both laptops in step:
    the topics' keys and the plan entry's global id."""
    module = authoring.add_module(a.sign_in(), ModuleDraft("Sleep and recovery")).key
    keys = [authoring.add_topic(a.sign_in(), module, _topic(title)).key
            for title in ("Wind-down routine", "Caffeine and sleep", "Naps and shift work")]
    planning.save_plan(a.sign_in(), nc.group.id, 4, [PlanEntry(0, 1, 0, keys[0])])
    meet(a, b)
    [gid] = _rows(a, "rotation_entries", "slot")
    return keys, gid


def _both_in_week_two(a: Laptop, b: Laptop, nc: NotesClinic, keys: list[str]) -> set[str]:
    """Week 2's Monday holds the second and third topics on both laptops, in slots 0 and 1
    (the smaller global id in the slot both were saved in, ``cells``), and nothing else; the
    entries' global ids."""
    slots = {row["gid"]: row["slot"] for row in a.dump()["rotation_entries"]}
    assert slots[min(slots)] == 0 and sorted(slots.values()) == [0, 1]
    for laptop in (a, b):
        view = planning.get_plan(laptop.sign_in(), nc.group.id)
        assert sorted((c.week, c.topic_key) for c in view.cells) == [(1, keys[1]), (1, keys[2])]
        assert sorted(c.slot for c in view.cells) == [0, 1], laptop.name
    assert a.dump()["rotation_entries"] == b.dump()["rotation_entries"]
    return set(slots)


def test_a_plan_saved_again_on_both_laptops_keeps_what_each_save_changed(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """A moves week 1's Monday topic to week 2 while B plans week 2's Monday too. Saving a plan
    used to replace its entries, and SQLite gave a new entry the key of a deleted one that had
    the greatest: A's new entry travelled as an edit of its old one, which moved it into the
    slot B's entry held (a UNIQUE error that stopped B's sync, found by the interleavings
    property test), and B's save made its unchanged week-1 entry anew, so A's removal of it
    never reached B. Now a save keeps the entries of cells it keeps (``planning.save_plan``)
    and a record deleted is sent as a deletion (``storage.sync_capture``): week 1 is empty on
    both laptops and week 2's Monday holds both new entries, in slots 0 and 1."""
    a, b = pair
    keys, gid = _monday_planned(a, b, nc)
    planning.save_plan(a.sign_in(), nc.group.id, 4, [PlanEntry(1, 1, 0, keys[1])])
    planning.save_plan(b.sign_in(), nc.group.id, 4, [PlanEntry(0, 1, 0, keys[0]),
                                                    PlanEntry(1, 1, 0, keys[2])])
    b.sync()
    nc.clock.advance(minutes=1)
    meet(a, b)
    assert gid not in _both_in_week_two(a, b, nc, keys)


def test_one_cell_given_two_topics_apart_is_flagged_for_an_admin(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """A plan's entry keeps its record when the cell's topic changes: two laptops that change
    it apart edit one field, which waits for an admin with both topics named."""
    a, b = pair
    keys, gid = _monday_planned(a, b, nc)
    planning.save_plan(a.sign_in(), nc.group.id, 4, [PlanEntry(0, 1, 0, keys[1])])
    planning.save_plan(b.sign_in(), nc.group.id, 4, [PlanEntry(0, 1, 0, keys[2])])
    meet(a, b)
    for laptop in (a, b):
        [flag] = conflicts.flagged(laptop.sign_in())
        assert (flag.gid, flag.table, flag.field) == (gid, "rotation_entries", "topic_id")
        shown = sorted(c.text for c in flag.choices)
        assert shown == [f"\u201cCaffeine and sleep\u201d ({keys[1]})",
                         f"\u201cNaps and shift work\u201d ({keys[2]})"], shown
    conflicts.resolve(b.sign_in(), gid, "topic_id", next(
        c.value for c in conflicts.flagged(b.sign_in())[0].choices
        if keys[1] in c.text))
    meet(a, b)
    for laptop in (a, b):
        assert not conflicts.flagged(laptop.sign_in())
        [cell] = planning.get_plan(laptop.sign_in(), nc.group.id).cells
        assert cell.topic_key == keys[1]
    assert a.dump() == b.dump()


def test_a_reused_key_sent_as_an_edit_by_an_older_laptop_takes_a_free_slot(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """A laptop on a version from before migration 0013 noted only "(table, key)", and saving
    a plan replaced its entries: a new entry under the key of one it deleted went out as an
    edit moving that entry to another cell, here into the slot B's own entry holds. That
    stopped B's sync with a UNIQUE error; such an edit takes a free slot, as an insert does
    (``clashes.update_row``)."""
    a, b = pair
    keys, gid = _monday_planned(a, b, nc)
    with a.sign_in().transaction() as s:  # what such a laptop sent for a plan saved again
        topic = s.scalar(select(CurriculumTopic.id).where(CurriculumTopic.key == keys[1]))
        s.execute(update(RotationEntry).values(week=1, topic_id=topic))
    assert _rows(a, "rotation_entries", "week") == {gid: 1}
    planning.save_plan(b.sign_in(), nc.group.id, 4, [PlanEntry(0, 1, 0, keys[0]),
                                                    PlanEntry(1, 1, 0, keys[2])])
    b.sync()
    nc.clock.advance(minutes=1)
    meet(a, b)
    assert gid in _both_in_week_two(a, b, nc, keys)
