"""Changes made here to a row that stands for two records made apart (one walk-in added on two
laptops before they synced, ``merging``): they reach both records (``collect._followed``), so
the row is the same on every laptop whichever record ends up holding it."""

from __future__ import annotations

from facilitator.services import console
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Laptop
from tests.sync.test_clashes import meet, pair
from tests.sync.test_key_reuse import _board, eve_on_both

__all__ = ["nc", "pair"]


def _eve(laptop: Laptop, sid: int) -> int:
    board = console.console_state(laptop.sign_in("tara"), sid)
    return next(t.participant_id for t in board.attendance if t.short_name == "Eve Fiction")


def test_a_merged_walk_in_undone_where_both_were_seen_goes_on_every_laptop(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """A and B each added Eve; once both have merged the two records (A's stands), Uma marks
    her leaving on B and Tara, on A, undoes her walk-in: the row Tara saw goes. Before, A sent
    the deletion of its own record only; B, where B's record was merged into it, handed the
    row over to B's record: A showed no Eve and B showed her, for good, nothing flagged."""
    a, b = pair
    sid_a, sid_b = eve_on_both(a, b, nc)
    meet(a, b)
    meet(a, b)
    assert _board(a, sid_a)["Eve Fiction"] == _board(b, sid_b)["Eve Fiction"]
    nc.clock.advance(seconds=60)
    console.mark_left(b.sign_in("uma"), sid_b, _eve(b, sid_b))
    meet(b, a)
    assert _board(a, sid_a)["Eve Fiction"] == ("left_early", True)
    console.undo_last(a.sign_in("tara"), sid_a)  # A's last action: its walk-in
    meet(a, b)
    meet(a, b)
    for laptop, sid in ((a, sid_a), (b, sid_b)):
        assert "Eve Fiction" not in _board(laptop, sid), laptop.name
        assert laptop.sync().pending == 0
    assert a.dump() == b.dump()


def test_an_edit_of_a_merged_walk_in_outlives_the_other_laptop_undoing_its_own(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """B merges A's walk-in into its own (A's stands) and Uma marks Eve leaving; A, which has not
    seen B's record, undoes its walk-in. B's row goes on as B's record (``hand_over``), and A
    takes B's record in: before, the edit had gone to A's record alone, and both laptops
    showed Eve as B first recorded her, the leaving lost alike on both."""
    a, b = pair
    sid_a, sid_b = eve_on_both(a, b, nc)
    b.sync()  # B takes A's record in and makes the two one; A's stands
    nc.clock.advance(seconds=60)
    console.mark_left(b.sign_in("uma"), sid_b, _eve(b, sid_b))
    console.undo_last(a.sign_in("tara"), sid_a)  # before A has seen B's record
    a.sync()
    b.sync()
    meet(a, b)
    for laptop, sid in ((a, sid_a), (b, sid_b)):
        assert _board(laptop, sid)["Eve Fiction"] == ("left_early", True), laptop.name
        assert laptop.sync().pending == 0
    assert a.dump() == b.dump()
