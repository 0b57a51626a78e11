"""A record deleted on one laptop while another laptop recorded something that refers to it
(``services.sync.referred``). Before, the laptop with the new record could not make the
deletion (a foreign key) and the one that deleted could not take the new record in (it refers
to a deleted record): both refused the other's entry in every round, for good."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import delete, select

from facilitator.models.sessions import Attendance, OutOfRoom
from facilitator.services import console, roster
from facilitator.services.sync import conflicts, locked, pull, referred
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Laptop
from tests.sync.test_clashes import meet, pair
from tests.sync.test_counter_clashes import trio, trio_clinic
from tests.sync.test_key_reuse import WEDNESDAY, _board, _evening_people, eve_on_both
from tests.sync.test_pull_seals import _edit_once_the_pull_waits

__all__ = ["nc", "pair", "trio", "trio_clinic"]


def _kept(laptop: Laptop) -> list[conflicts.Flagged]:
    return [f for f in conflicts.flagged(laptop.sign_in()) if f.field == locked.APART]


def _out_once_in_step(laptop: Laptop, sid: int) -> None:
    """Nothing left to send or pull, and Eve on the board, a walk-in out of the room once."""
    report = laptop.sync()
    assert report.pulled == 0 and report.pending == 0, laptop.name
    board = console.console_state(laptop.sign_in("tara"), sid)
    [tile] = [t for t in board.attendance if t.short_name == "Eve Fiction"]
    assert tile.walk_in and len(tile.out_of_room) == 1, laptop.name


def _walk_in_everywhere(laptops: list[Laptop], nc: NotesClinic, person: int) -> list[int]:
    """Wednesday's block started on the first laptop with ``person`` as a walk-in, every
    laptop in step; the block's local key on each."""
    first = laptops[0]
    nc.at(8, 55, WEDNESDAY)
    console.start_today_session(first.sign_in("tara"), nc.group.id)
    sid = console.start_today_session(first.sign_in("tara"), nc.group.id).id
    console.add_walk_in(first.sign_in("tara"), sid, person)
    for laptop in [*laptops, first]:
        laptop.sync()
    return [console.start_today_session(laptop.sign_in("tara"), nc.group.id).id
            for laptop in laptops]


def test_a_walk_in_undone_on_one_laptop_while_she_stepped_out_on_the_other(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    eve, _fay = _evening_people(nc)
    a, b = pair
    sid_a, sid_b = _walk_in_everywhere([a, b], nc, eve)
    nc.at(9, 5, WEDNESDAY)
    console.step_out(b.sign_in("uma"), sid_b, eve)  # Uma sees Eve step out
    console.undo_last(a.sign_in("tara"), sid_a)  # Tara takes the walk-in back
    assert "Eve Fiction" not in _board(a, sid_a)
    meet(a, b)
    meet(a, b)
    for laptop, sid in ((a, sid_a), (b, sid_b)):
        _out_once_in_step(laptop, sid)  # nothing lost
        [flag] = _kept(laptop)
        assert (flag.table, flag.field_name) == ("attendance", conflicts.APART_FIELD)
        assert "refers to it" in flag.note and flag.can_resolve
        assert [c.text for c in flag.choices] == [conflicts.APART_KEPT[referred.REFERRED]]
    assert a.dump() == b.dump()
    for laptop in (a, b):  # acknowledged on each laptop for itself
        [flag] = _kept(laptop)
        conflicts.resolve(laptop.sign_in(), flag.gid, flag.field, flag.choices[0].value)
        assert not _kept(laptop)
    meet(a, b)
    assert not _kept(a) and not _kept(b) and a.dump() == b.dump()


def test_a_third_laptop_takes_the_record_back_with_the_edit_made_before_the_deletion(
        trio: list[Laptop], nc: NotesClinic) -> None:
    """B marks Eve late and she steps out; A undoes her walk-in; C pulls the deletion first and
    B's edit and step-out after: C takes the record back from what its tombstone kept, with
    B's edit (a deleted record's values still take pulled edits), as A does."""
    eve, _fay = _evening_people(nc)
    a, b, c = trio
    sid_a, sid_b, sid_c = _walk_in_everywhere([a, b, c], nc, eve)
    nc.at(9, 20, WEDNESDAY)
    console.undo_last(a.sign_in("tara"), sid_a)
    a.sync()
    c.sync()  # C deletes Eve's attendance
    assert "Eve Fiction" not in _board(c, sid_c)
    console.mark_late(b.sign_in("uma"), sid_b, eve)
    console.step_out(b.sign_in("uma"), sid_b, eve)
    for _ in range(2):
        for laptop in (b, c, a):
            laptop.sync()
    for laptop, sid in ((a, sid_a), (b, sid_b), (c, sid_c)):
        assert _board(laptop, sid)["Eve Fiction"] == ("late", True), laptop.name
        assert len(_kept(laptop)) == 1, laptop.name
    assert a.dump() == b.dump() == c.dump()


def test_a_walk_in_undone_while_the_round_pulls_her_step_out(
        pair: tuple[Laptop, Laptop], nc: NotesClinic, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tara undoes Eve's walk-in on A while A's round pulls Uma's record of Eve stepping out:
    the deletion is sealed before the step-out is taken in (else its record would name the
    deleted row's key), and the attendance comes back as above."""
    eve, _fay = _evening_people(nc)
    a, b = pair
    sid_a, sid_b = _walk_in_everywhere([a, b], nc, eve)
    nc.at(9, 5, WEDNESDAY)
    console.step_out(b.sign_in("uma"), sid_b, eve)
    b.sync()
    tara = a.sign_in("tara")
    _edit_once_the_pull_waits(monkeypatch, tara, lambda: console.undo_last(tara, sid_a))
    a.sync()
    monkeypatch.undo()
    meet(a, b)
    for laptop, sid in ((a, sid_a), (b, sid_b)):
        board = console.console_state(laptop.sign_in("tara"), sid)
        [tile] = [t for t in board.attendance if t.short_name == "Eve Fiction"]
        assert len(tile.out_of_room) == 1 and len(_kept(laptop)) == 1, laptop.name
    assert a.dump() == b.dump()


def test_a_walk_in_merged_undone_and_stepped_out_is_taken_back_into_the_merged_record(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """Eve added as a walk-in on A and on B apart; B merges them (A's global id stands), A
    undoes its walk-in, and Uma records on B that Eve stepped out (naming the merged record
    by A's id). A takes B's walk-in in as new, then the step-out names the record A deleted:
    taking it back met B's walk-in on the one-per-session key, and the insert failed, in every
    round. It is taken back into that row, as two records made apart are merged."""
    a, b = pair
    sid_a, sid_b = eve_on_both(a, b, nc)
    b.sync()
    console.undo_last(a.sign_in("tara"), sid_a)
    eve = next(p.id for p in roster.list_participants(b.sign_in()) if p.chart_id == "E-1")
    console.step_out(b.sign_in("uma"), sid_b, eve)
    meet(b, a)
    meet(a, b)
    for laptop, sid in ((a, sid_a), (b, sid_b)):
        _out_once_in_step(laptop, sid)
    flags = [{(f.gid, f.field) for f in conflicts.flagged(laptop.sign_in())} for laptop in (a, b)]
    assert flags[0] == flags[1]
    for laptop in (a, b):
        admin = laptop.sign_in()
        for flag in conflicts.flagged(admin):
            if flag.field == locked.APART:
                conflicts.resolve(admin, flag.gid, flag.field, flag.choices[0].value)
    admin = a.sign_in()
    for flag in conflicts.flagged(admin):
        conflicts.resolve(admin, flag.gid, flag.field,
                          next(c.value for c in flag.choices if c.shown))
    meet(a, b)
    assert a.dump() == b.dump()


def _undone_on_a(pair: tuple[Laptop, Laptop], nc: NotesClinic) -> tuple[int, int, int]:
    """Eve a walk-in on both laptops, then undone on A and sent: Eve, and the block on A and
    on B."""
    eve, _fay = _evening_people(nc)
    a, b = pair
    sid_a, sid_b = _walk_in_everywhere([a, b], nc, eve)
    nc.at(9, 5, WEDNESDAY)
    console.undo_last(a.sign_in("tara"), sid_a)
    a.sync()
    return eve, sid_a, sid_b


def test_a_step_out_recorded_while_the_round_pulls_the_deletion_and_undone_is_sent_first(
        pair: tuple[Laptop, Laptop], nc: NotesClinic, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tara undoes Eve's walk-in on A; on B, Uma records Eve stepping out while B's round pulls
    that deletion, and undoes it after the round. The step-out also marks the attendance, which
    the deletion reaches, so a slice seals it first (``Unsealed``): B keeps the attendance,
    the step-out travels (and then its removal), and A takes the attendance back. Had it gone
    unsealed, made and undone between two seals, A would never have taken the record back."""
    eve, sid_a, sid_b = _undone_on_a(pair, nc)
    a, b = pair
    uma = b.sign_in("uma")
    _edit_once_the_pull_waits(monkeypatch, uma, lambda: console.step_out(uma, sid_b, eve))
    b.sync()
    monkeypatch.undo()
    assert _board(b, sid_b)["Eve Fiction"] == ("present", True)  # kept: her step-out names it
    console.undo_last(b.sign_in("uma"), sid_b)  # the step-out taken back
    meet(a, b)
    meet(a, b)
    for laptop, sid in ((a, sid_a), (b, sid_b)):
        board = console.console_state(laptop.sign_in("tara"), sid)
        [tile] = [t for t in board.attendance if t.short_name == "Eve Fiction"]
        assert tile.walk_in and not tile.out_of_room, laptop.name
        assert len(_kept(laptop)) == 1, laptop.name
    assert a.dump() == b.dump()


def test_a_record_referring_to_the_deletion_made_and_removed_within_one_pull_travels(
        pair: tuple[Laptop, Laptop], nc: NotesClinic, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same window for a record that refers to the attendance without changing it (none of
    the console's actions makes one today): made on B while B's round pulls A's deletion, and
    removed before the round's last seal. B kept the attendance for it; unsealed when it was
    removed, it never went anywhere, so A never took the attendance back and the laptops
    differed. The pulled deletion now waits for a slice that seals the notes of the tables
    referring to it (``Unsealed``): the record goes out, A takes the attendance back."""
    eve, sid_a, sid_b = _undone_on_a(pair, nc)
    a, b = pair
    uma = b.sign_in("uma")
    with uma.read() as s:
        attendance = s.scalar(select(Attendance.id).where(Attendance.session_id == sid_b,
                                                          Attendance.participant_id == eve))
    made: list[int] = []

    def make() -> None:
        with uma.transaction() as s:
            row = OutOfRoom(attendance_id=attendance, left_at=nc.clock.now(),
                            created_at=nc.clock.now())
            s.add(row)
            s.flush()
            made.append(row.id)

    def remove() -> None:
        with uma.transaction() as s:
            s.execute(delete(OutOfRoom).where(OutOfRoom.id == made[0]))

    def on_thread(action: Callable[[], None]) -> None:
        thread = threading.Thread(target=action)  # the console's, while the round runs
        thread.start()
        thread.join()

    real_batch, real_seal = pull._apply_batch, pull.seal_in_steps

    def applying(*args: Any, **kwargs: Any) -> Any:
        if not made:
            on_thread(make)
        return real_batch(*args, **kwargs)

    def last_seal(*args: Any, **kwargs: Any) -> Any:
        on_thread(remove)
        return real_seal(*args, **kwargs)

    monkeypatch.setattr(pull, "_apply_batch", applying)
    monkeypatch.setattr(pull, "seal_in_steps", last_seal)
    b.sync()
    monkeypatch.undo()
    assert made and "Eve Fiction" in _board(b, sid_b)  # kept, as its record referred to it
    meet(a, b)
    meet(a, b)
    for laptop, sid in ((a, sid_a), (b, sid_b)):
        assert _board(laptop, sid)["Eve Fiction"] == ("present", True), laptop.name
        assert len(_kept(laptop)) == 1, laptop.name
    assert a.dump() == b.dump()
