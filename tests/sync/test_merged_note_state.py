"""One note written on two laptops apart shows the same workflow state on both after sync: its
state, signing and final times and returned comment follow from the revisions, signatures and
reviews both laptops hold (``services.sync.note_state``), and no admin is asked to pick one."""

from __future__ import annotations

from typing import Any

import pytest

from facilitator.services import console, notes
from facilitator.services.note_workflow import FIELDS
from facilitator.services.sync import conflicts
from tests.conftest import PASSWORD
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Laptop
from tests.sync.test_clashes import meet, pair
from tests.sync.test_counter_clashes import _sign, _write

__all__ = ["nc", "pair"]


def _workflow(laptop: Laptop) -> list[dict[str, Any]]:
    return [{f: row[f] for f in ("gid", *FIELDS)} for row in laptop.dump()["progress_notes"]]


def _flagged_fields(laptop: Laptop) -> set[tuple[str, str]]:
    return {(f.table, f.field) for f in conflicts.flagged(laptop.sign_in())}


def _note(laptop: Laptop, nc: NotesClinic, login: str = "uma") -> notes.NoteView:
    return notes.open_note(laptop.sign_in(login), nc.session_id, nc.people[0])


def _cosigned_final_on_both(where: Laptop, pair: tuple[Laptop, Laptop], note_id: int,
                            nc: NotesClinic) -> None:
    """Sam co-signs the note on ``where``; after sync it is final on both laptops, alike, and
    every signature holds."""
    [cosigned] = notes.cosign_notes(where.sign_in("sam"), [note_id], PASSWORD)
    assert cosigned.signed, cosigned.message
    meet(*pair)
    assert _workflow(pair[0]) == _workflow(pair[1])
    for laptop in pair:
        assert _note(laptop, nc).state == "final", laptop.name
        with laptop.sign_in().read() as s:
            assert notes.verify_signatures(s)[1] == [], laptop.name


def _returned_on_a_signed_on_b(pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """Uma's note: signed on A and returned there by Sam; signed on B as her revision 1."""
    a, b = pair
    console.set_facilitators(a.sign_in("tara"), nc.session_id, [nc.uma.id])
    meet(a, b)
    _sign(a, _write(a, nc, "Written and signed on A.", "uma"), "uma")
    notes.return_note(a.sign_in("sam"), _note(a, nc).note_id, "Name the skill practised.")
    _sign(b, _write(b, nc, "Written and signed on B.", "uma"), "uma")


def test_a_note_returned_on_one_laptop_and_signed_on_the_other_is_a_draft_on_both(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """On A, Uma signed the note and Sam returned it with a comment; on B, Uma signed her own
    revision 1 of it. After sync the returned draft is the top revision on both laptops, so
    the note is a draft with Sam's comment on both, in Uma's queue and in no supervisor's;
    signed and co-signed later, it is final on both."""
    a, b = pair
    _returned_on_a_signed_on_b(pair, nc)
    meet(a, b)
    assert _workflow(a) == _workflow(b)
    for laptop in (a, b):
        note = _note(laptop, nc)
        assert (note.state, note.returned_comment, note.editable) == (
            "draft", "Name the skill practised.", True), laptop.name
        assert [r.signed_at is not None for r in note.history] == [True, True, False], (
            laptop.name)
        assert notes.review_queue(laptop.sign_in("sam")) == [], laptop.name
        assert not {f for t, f in _flagged_fields(laptop) if t == "progress_notes"} & set(
            FIELDS), laptop.name

    _sign(b, _note(b, nc), "uma")  # the returned draft, answered on B
    meet(a, b)
    assert _workflow(a) == _workflow(b)
    [waiting] = notes.review_queue(a.sign_in("sam"))
    _cosigned_final_on_both(a, (a, b), waiting.note_id, nc)


def test_signed_apart_by_a_supervised_and_a_licensed_therapist(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """Tara's draft travelled from B; Uma (her notes need co-signature) wrote and signed
    revision 1 on A, which then synced; Tara signed her draft on B before B pulled Uma's. Both
    laptops number the two alike, Tara's first (the smaller global id) and Uma's on top, so
    the note waits for Sam on both laptops, although the last change to reach the hub was
    Tara's signing (final: her licence needs no co-signature). Sam co-signs on B: final on
    both."""
    a, b = pair
    console.set_facilitators(a.sign_in("tara"), nc.session_id, [nc.uma.id])
    meet(a, b)
    _write(b, nc, "Drafted on B by Tara.")
    b.sync()
    nc.clock.advance(minutes=3)
    _sign(a, _write(a, nc, "Signed on A by Uma.", "uma"), "uma")
    a.sync()
    nc.clock.advance(minutes=3)
    _sign(b, _note(b, nc, "tara"))
    meet(b, a)
    assert _workflow(a) == _workflow(b)
    for laptop in (a, b):
        note = _note(laptop, nc)
        assert [[sig.signer for sig in r.signatures] for r in note.history] == [
            ["Tara Therapist"], ["Uma Associate"]], laptop.name
        assert note.state == "awaiting_cosign", laptop.name
        assert [q.note_id for q in notes.review_queue(laptop.sign_in("sam"))] == [
            note.note_id], laptop.name
        [row] = _workflow(laptop)
        assert row["signed_at"] == note.history[-1].signed_at.isoformat(), laptop.name
        assert row["final_at"] is None, laptop.name
    _cosigned_final_on_both(b, (a, b), _note(b, nc).note_id, nc)


class _Stopped(BaseException):
    """The laptop switched off while a pull's last step ran."""


def test_a_pull_stopped_before_working_out_its_notes_leaves_that_to_the_next(
        pair: tuple[Laptop, Laptop], nc: NotesClinic, monkeypatch) -> None:
    """A pull works the notes whose records it brought out once, after its last entry. B's
    pull stops right there (the laptop switched off): the note's stored state is left as B's
    own later signing made it, although A returned the revision under it. B's next round,
    with nothing new to pull, works out every note, and the note is the returned draft on B
    too (opened, the note shows it so meanwhile: its view works the state out itself)."""
    from facilitator.models.sync_security import SyncMark
    from facilitator.services.sync import note_state, pull

    a, b = pair
    _returned_on_a_signed_on_b(pair, nc)
    a.sync()
    # B's signing is sealed later than A's return (a change id is given when it is sealed,
    # from the clock then): B's state is the one its note shows until it is worked out.
    nc.clock.advance(minutes=5)

    def switched_off(*_: object) -> None:
        raise _Stopped

    with monkeypatch.context() as patched:
        patched.setattr(pull, "_settle_notes", switched_off)
        with pytest.raises(_Stopped):
            b.sync()
    [stored] = _workflow(b)
    assert stored["state"] == "awaiting_cosign"  # as B had it: not worked out
    with b.sign_in().read() as s:
        assert s.get(SyncMark, note_state.UNSETTLED) is not None
    report = b.sync()
    assert report.pulled == 0
    [stored] = _workflow(b)
    assert (stored["state"], stored["returned_comment"]) == ("draft", "Name the skill practised.")
    with b.sign_in().read() as s:
        assert s.get(SyncMark, note_state.UNSETTLED) is None
    meet(a, b)
    assert _workflow(a) == _workflow(b)
