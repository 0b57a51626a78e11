"""A record deleted and another made under its local key before the next round.

SQLite gives a new row the key of a deleted one that had the greatest. Sync noted only
"(table, key)", so the new record travelled as an edit of the deleted one: an undone walk-in
and another walk-in moved the first one's record onto the second participant, and where the
other laptop had added that participant too, its pull failed ("UNIQUE constraint failed") in
every round. The deletion is now noted by global id (``storage.sync_capture``, ``sync_gone``)."""

from __future__ import annotations

from datetime import date, time

import pytest

from facilitator.services import console, programs, roster
from facilitator.services.sync import conflicts
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Laptop
from tests.sync.test_clashes import meet, pair
from tests.sync.test_pull_seals import _edit_once_the_pull_waits

__all__ = ["nc", "pair"]

WEDNESDAY = date(2026, 3, 4)


def _board(laptop: Laptop, sid: int) -> dict[str, str]:
    board = console.console_state(laptop.sign_in("tara"), sid)
    return {a.short_name: (a.status, a.walk_in) for a in board.attendance}


def _evening_people(nc: NotesClinic) -> list[int]:
    group = programs.add_group(nc.admin, programs.GroupDraft(
        "Evening group", nc.program.id, (1, 3), time(18), time(21), location="Room 2",
        facilitator_ids=(nc.tara.id,)))
    people = []
    for n, name in enumerate(("Eve Fiction", "Fay Madeup")):
        p = roster.add_participant(nc.admin, roster.ParticipantDraft(
            chart_id=f"E-{n + 1}", legal_name=name, admission_date=date(2026, 2, 1),
            program_id=nc.program.id))
        roster.enroll(nc.admin, p.id, group.id, date(2026, 2, 2))
        people.append(p.id)
    return people


def _gids(laptop: Laptop, table: str) -> set[str]:
    return {row["gid"] for row in laptop.dump()[table]}


def test_a_walk_in_added_again_after_an_undo_meets_the_same_walk_in_made_apart(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    eve, fay = _evening_people(nc)
    a, b = pair
    nc.at(8, 55, WEDNESDAY)
    sid = console.start_today_session(a.sign_in("tara"), nc.group.id).id
    meet(a, b)
    before = _gids(a, "attendance")
    console.add_walk_in(a.sign_in("tara"), sid, eve)
    meet(a, b)
    [eves] = _gids(b, "attendance") - before
    nc.at(9, 5, WEDNESDAY)
    console.undo_last(a.sign_in("tara"), sid)  # Eve was a slip
    console.add_walk_in(a.sign_in("tara"), sid, fay)  # Fay's row takes the key Eve's had
    sid_b = console.start_today_session(b.sign_in("tara"), nc.group.id).id
    console.add_walk_in(b.sign_in("uma"), sid_b, fay)  # Uma adds Fay on B meanwhile
    meet(a, b)
    meet(a, b)
    for laptop, session in ((a, sid), (b, sid_b)):
        board = _board(laptop, session)
        assert "Eve Fiction" not in board, laptop.name
        assert board["Fay Madeup"] == ("late", True), laptop.name
        assert laptop.sync().pending == 0
    # Eve's record is deleted everywhere, not turned into Fay's.
    assert eves not in _gids(a, "attendance") | _gids(b, "attendance")
    # Fay's walk-in, added on both laptops, is one record: who added it differs, for an admin.
    [flag] = [f for f in conflicts.flagged(a.sign_in()) if f.table == "attendance"]
    assert flag.field == "created_by_id"
    conflicts.resolve(a.sign_in(), flag.gid, flag.field, flag.choices[0].value)
    meet(a, b)
    assert not conflicts.flagged(b.sign_in())
    assert a.dump() == b.dump()


def test_an_undone_removal_keeps_the_record_it_put_back(pair: tuple[Laptop, Laptop],
                                                        nc: NotesClinic) -> None:
    """Marking Dee absent removes her time out of the room; the undo puts the row back as it
    was: the same record on every laptop, not a deletion and a new record."""
    a, b = pair
    dee = nc.people[3]
    gaps = _gids(a, "out_of_room")
    assert gaps and gaps == _gids(b, "out_of_room")
    nc.at(12, 30)
    console.mark_absent(a.sign_in("tara"), nc.session_id, dee)
    console.undo_last(a.sign_in("tara"), nc.session_id)
    meet(a, b)
    assert _gids(a, "out_of_room") == _gids(b, "out_of_room") == gaps
    assert a.dump() == b.dump()


def test_a_removal_synced_before_its_undo_comes_back_as_a_new_record(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    a, b = pair
    dee = nc.people[3]
    gaps = _gids(a, "out_of_room")
    nc.at(12, 30)
    console.mark_absent(a.sign_in("tara"), nc.session_id, dee)
    meet(a, b)
    assert not _gids(b, "out_of_room") & gaps
    console.undo_last(a.sign_in("tara"), nc.session_id)
    meet(a, b)
    back = _gids(b, "out_of_room")
    assert len(back) == len(gaps) and not back & gaps
    assert a.dump() == b.dump()


def test_a_key_freed_while_a_round_pulls_is_sealed_before_a_pulled_row_takes_it(
        pair: tuple[Laptop, Laptop], nc: NotesClinic, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tara undoes a jot on B while B's round pulls a jot Uma wrote on A: the pulled jot takes
    the freed key, so the deletion is sealed first. Before, writing the pulled jot's sync
    record failed ("UNIQUE constraint failed: sync_rows…") and the round ended with an error."""
    a, b = pair
    ada = nc.people[0]
    tara = b.sign_in("tara")
    console.add_jot(tara, nc.session_id, ada, "Jotted on B, then undone.")
    meet(b, a)
    console.add_jot(a.sign_in("uma"), nc.session_id, ada, "Jotted on A.")
    a.sync()
    _edit_once_the_pull_waits(monkeypatch, tara,
                              lambda: console.undo_last(tara, nc.session_id))
    b.sync()
    monkeypatch.undo()
    meet(a, b)
    for laptop in (a, b):
        jots = [j["text"] for j in laptop.dump()["jots"]]
        assert "Jotted on A." in jots and "Jotted on B, then undone." not in jots
    assert a.dump() == b.dump()


def test_a_row_put_back_after_another_took_its_key_is_a_new_record(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """Dee's step-out is undone (its record deleted), she steps out again (a new record under
    the same key), is marked absent (that one deleted) and the absence undone: the row put
    back is the second step-out, not the first, which stays deleted on every laptop."""
    a, b = pair
    dee = nc.people[3]
    tara = a.sign_in("tara")
    monday = _gids(a, "out_of_room")
    nc.at(8, 55, WEDNESDAY)
    sid = console.start_today_session(tara, nc.group.id).id
    nc.at(9, 0, WEDNESDAY)
    console.mark_present(tara, sid, dee)
    console.step_out(tara, sid, dee)
    meet(a, b)
    [first] = _gids(a, "out_of_room") - monday
    nc.at(9, 2, WEDNESDAY)
    console.undo_last(tara, sid)
    console.step_out(tara, sid, dee)
    console.mark_absent(tara, sid, dee)
    console.undo_last(tara, sid)
    meet(a, b)
    for laptop in (a, b):
        [second] = _gids(laptop, "out_of_room") - monday
        assert second != first, laptop.name
    assert a.dump() == b.dump()


def eve_on_both(a: Laptop, b: Laptop, nc: NotesClinic) -> tuple[int, int]:
    """Eve added as a walk-in to Wednesday's block on A, then on B apart; A's record has its
    global id (the smaller) before B's is made. The block's local key on A and on B."""
    eve, _fay = _evening_people(nc)
    nc.at(8, 55, WEDNESDAY)
    sid_a = console.start_today_session(a.sign_in("tara"), nc.group.id).id
    meet(a, b)
    sid_b = console.start_today_session(b.sign_in("tara"), nc.group.id).id
    nc.at(9, 5, WEDNESDAY)
    console.add_walk_in(a.sign_in("tara"), sid_a, eve)
    a.sync()
    nc.clock.advance(seconds=30)
    console.add_walk_in(b.sign_in("uma"), sid_b, eve)
    return sid_a, sid_b


def test_a_walk_in_made_on_both_laptops_and_undone_on_one_stays_on_both(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """Eve added as a walk-in on A and on B apart: sync makes the two records one, A's (the
    earlier global id) standing. A's undo then deletes A's record. B, where A's record stood
    for its own too, deleted its row, while A took in B's record as new: A showed Eve, B did
    not, and nothing was flagged (found by ``test_block_interleavings``). B's row now goes on
    as B's record (``merging.hand_over``): both laptops show Eve, as B recorded her."""
    a, b = pair
    sid_a, sid_b = eve_on_both(a, b, nc)
    console.undo_last(a.sign_in("tara"), sid_a)
    meet(a, b)
    meet(a, b)
    for laptop, sid in ((a, sid_a), (b, sid_b)):
        assert _board(laptop, sid)["Eve Fiction"] == ("late", True), laptop.name
        assert laptop.sync().pending == 0
    assert not conflicts.flagged(a.sign_in()) and not conflicts.flagged(b.sign_in())
    assert a.dump() == b.dump()
