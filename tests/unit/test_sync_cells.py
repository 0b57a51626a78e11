"""The slots of a rotation plan cell's entries on every laptop (``services.sync.cells``): a
function of the entries alone (the slot each was saved in and its global id), so laptops
holding the same entries agree whatever order they learned of them in, and wherever sync
had put them meanwhile."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from facilitator.services.sync.cells import SAVED, Entry, placed, places

G1, G2, G3 = ("019c0000-0000-7000-8000-000000000001", "019c0000-0000-7000-8000-000000000002",
              "019c0000-0000-7000-8000-000000000003")


def test_the_smaller_global_id_keeps_the_slot_and_the_other_takes_the_lowest_free_one() -> None:
    assert places([Entry(1, 0, 0, G2), Entry(2, 1, 0, G1)]) == {2: 0, 1: 1}
    # Slot 1 is another entry's own: the later of the two saved in 0 goes to 2.
    assert places([Entry(1, 0, 0, G2), Entry(2, 2, 0, G3), Entry(3, 1, 1, G1)]) == {
        1: 0, 3: 1, 2: 2}
    # A gap left by an entry saved in 2 only: the displaced one fills slot 1.
    assert places([Entry(1, 0, 0, G1), Entry(2, 2, 2, G2), Entry(3, 3, 0, G3)]) == {
        1: 0, 2: 2, 3: 1}


def test_an_entry_that_has_not_travelled_comes_after_those_that_have() -> None:
    assert places([Entry(1, 0, 0, None), Entry(2, 1, 0, G3)]) == {2: 0, 1: 1}


def test_an_entry_alone_in_the_slot_it_was_saved_in_goes_back_there() -> None:
    assert places([Entry(1, 1, 0, G2)]) == {1: 0}


_entries = st.lists(st.tuples(st.integers(0, 3), st.sampled_from([G1, G2, G3, None])),
                    min_size=1, max_size=6)


@given(_entries, st.randoms())
def test_any_arrival_and_placement_gives_the_same_slots(found: list[tuple[int, str | None]],
                                                        rnd: object) -> None:
    """Whatever slots the entries stand in now and whatever order they are read in: the same
    slots, each distinct, and an entry first (by global id) in its saved slot keeps it."""
    entries = [Entry(i, i + 10, saved, gid) for i, (saved, gid) in enumerate(found)]
    expected = places(entries)
    shuffled = list(entries)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    moved = [Entry(e.id, 20 + k, e.saved, e.gid) for k, e in enumerate(shuffled)]
    assert places(moved) == expected
    assert len(set(expected.values())) == len(entries)
    for saved in {e.saved for e in entries}:
        first = min((e for e in entries if e.saved == saved),
                    key=lambda e: (e.gid or "\uffff", e.id))
        assert expected[first.id] == saved


def test_a_placed_entry_names_its_place_and_keeps_the_slot_it_was_saved_in() -> None:
    fields = {"slot": [["c1", 0]], "topic_id": [["c1", "t"]]}
    moved = placed(fields, 1, 0)
    assert moved == {"slot": [["c1", 1]], "topic_id": [["c1", "t"]], SAVED: [["c1", 0]]}
    assert placed(moved, 0, 0) == fields  # back where it was saved: nothing more kept
