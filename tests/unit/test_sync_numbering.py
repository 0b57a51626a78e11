"""The order a note's revisions are numbered in on every laptop (``services.sync.numbering``):
a function of the revisions alone, so laptops holding the same revisions agree whatever
order they learned of them in."""

from __future__ import annotations

import itertools

from facilitator.services.sync import signed_ids
from facilitator.services.sync.numbering import Revision, order, placed

# Global ids are UUIDv7 strings; their order is their text's.
G1, G2, G3 = ("019c0000-0000-7000-8000-000000000001", "019c0000-0000-7000-8000-000000000002",
              "019c0000-0000-7000-8000-000000000003")


def _rev(id_: int, number: int, signed: bool, gid: str | None,
         signed_number: int | None = None) -> Revision:
    return Revision(id_, number, signed, gid, signed_number, gid is not None)


def _ids(revisions: list[Revision]) -> list[int]:
    return [r.id for r in order(revisions)]


def test_any_arrival_order_numbers_alike() -> None:
    """Three revisions signed as 1 apart, held at different numbers on each laptop: the same
    order from every permutation and placement."""
    base = [(1, G2), (2, G1), (3, G3)]
    seen = set()
    for placing in itertools.permutations([1, 2, 3]):
        for arrival in itertools.permutations(range(3)):
            revisions = [_rev(base[i][0], placing[i], True, base[i][1],
                              signed_number=None if placing[i] == 1 else 1) for i in arrival]
            seen.add(tuple(_ids(revisions)))
    assert seen == {(2, 1, 3)}  # by global id


def test_signed_revisions_go_by_the_number_they_were_signed_with() -> None:
    """The number a signed revision was signed with comes before its global id, and where
    sync placed it elsewhere the recorded number counts, not the place."""
    early_gid_signed_2 = _rev(1, 1, True, G1, signed_number=2)
    late_gid_signed_1 = _rev(2, 2, True, G2, signed_number=1)
    assert _ids([early_gid_signed_2, late_gid_signed_1]) == [2, 1]
    assert _ids([_rev(1, 2, True, G1), _rev(2, 1, True, G2)]) == [2, 1]  # as numbered


def test_drafts_go_on_top_of_every_signed_revision_by_global_id() -> None:
    drafts = [_rev(1, 1, False, G3), _rev(2, 2, False, G1)]
    signed = [_rev(3, 3, True, G2), _rev(4, 4, True, G3, signed_number=5)]
    assert _ids(drafts + signed) == [3, 4, 2, 1]


def test_a_revision_that_has_not_travelled_comes_last_of_its_kind() -> None:
    assert _ids([_rev(1, 1, False, None), _rev(2, 2, False, G3)]) == [2, 1]
    assert _ids([_rev(1, 1, True, None), _rev(2, 1, True, G3), _rev(3, 2, False, G1)]) == [
        2, 1, 3]


def test_a_moved_signed_revision_keeps_the_number_it_was_signed_with() -> None:
    heads = {"number": [["c1", 1]], "signed_at": [["c1", "2026-03-02T18:00:00+00:00"]]}
    moved = placed(heads, 2, 1)
    assert moved["number"] == [["c1", 2]]
    assert moved[signed_ids.NUMBER] == [["c1", 1]]
    again = placed(moved, 3, 1)
    assert (again["number"], again[signed_ids.NUMBER]) == ([["c1", 3]], [["c1", 1]])
    back = placed(again, 1, 1)
    assert back["number"] == [["c1", 1]] and signed_ids.NUMBER not in back
    draft = placed({"number": [["c2", 1]]}, 2, None)
    assert draft == {"number": [["c2", 2]]}
    # A head an admin settled carries the change ids it supersedes: they stay.
    settled = placed({"number": [["c3", 1, ["c1", "c2"]]]}, 2, None)
    assert settled == {"number": [["c3", 2, ["c1", "c2"]]]}
