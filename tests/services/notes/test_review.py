"""Supervisor review: co-signature, return with a comment, review of final notes, queues."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from facilitator.services import notes
from facilitator.services.errors import Conflict, PermissionDenied
from tests.conftest import PASSWORD

from .conftest import NotesClinic

TEXT = {"data": "Ada described a calm weekend and practised the skill.",
        "assessment": "Engaged and hopeful; no risk indicators.",
        "plan": "Continue the breathing practice daily."}


def uma_signs(nc: NotesClinic) -> tuple[int, object]:
    """Uma (needs co-signature) is co-facilitator; she writes and signs Ada's note."""
    from facilitator.services import console as c

    tara = nc.sign_in("tara")
    c.set_facilitators(tara, nc.session_id, [nc.uma.id])
    uma = nc.sign_in("uma")
    note = notes.open_note(uma, nc.session_id, nc.people[0])
    seq = notes.save_draft(uma, note.note_id, note.edit_seq, sections=TEXT)
    [res] = notes.sign_notes(uma, [(note.note_id, seq)], PASSWORD)
    assert res.signed and "co-signature" in res.message
    return note.note_id, uma


def test_return_revise_resign_cosign(nc: NotesClinic) -> None:
    note_id, uma = uma_signs(nc)
    sam = nc.sign_in("sam")
    [row] = notes.review_queue(sam)
    assert (row.note_id, row.author, row.state) == (note_id, "Uma Associate", "awaiting_cosign")
    assert notes.my_counts(sam).awaiting_my_cosign == 1
    notes.return_note(sam, note_id, "Say which skill was practised.")
    assert notes.review_queue(sam) == []
    draft = notes.open_note(uma, nc.session_id, nc.people[0])
    assert draft.state == "draft" and draft.revision_number == 2 and draft.editable
    assert draft.returned_comment == "Say which skill was practised."
    assert draft.sections == TEXT  # the returned text comes back to edit
    first = draft.history[0]
    assert first.signed_at is not None and first.returned_comment.startswith("Say which")
    assert notes.my_counts(uma).returned == 1
    seq = notes.save_draft(uma, draft.note_id, draft.edit_seq,
                           sections={"data": TEXT["data"] + " Skill: paced breathing."})
    assert notes.sign_notes(uma, [(draft.note_id, seq)], PASSWORD)[0].signed
    [res] = notes.cosign_notes(sam, [note_id], PASSWORD)
    assert res.signed
    final = notes.open_note(sam, nc.session_id, nc.people[0])
    assert final.state == "final"
    assert [g.meaning for g in final.history[-1].signatures] == ["author", "co-signer"]
    assert [r.decision for r in final.reviews] == ["returned", "cosigned"]
    with uma.read() as s:
        assert notes.verify_signatures(s) == (3, [])


def test_only_supervisors_cosign_and_never_their_own(nc: NotesClinic) -> None:
    note_id, uma = uma_signs(nc)
    tara = nc.sign_in("tara")
    with pytest.raises(PermissionDenied):
        notes.cosign_notes(tara, [note_id], PASSWORD)
    with pytest.raises(PermissionDenied):
        notes.cosign_notes(uma, [note_id], PASSWORD)
    with pytest.raises(PermissionDenied):
        notes.cosign_notes(nc.admin, [note_id], PASSWORD)


def test_two_supervisors_cosigning_at_once(nc: NotesClinic) -> None:
    from facilitator.services import users

    note_id, _ = uma_signs(nc)
    users.add_user(nc.admin, users.UserDraft("ria", "Ria Reviewer", "LPC-S", "supervisor"),
                   PASSWORD)
    sam, ria = nc.sign_in("sam"), nc.sign_in("ria")
    results: dict[str, list[notes.SignResult]] = {}
    errors: list[BaseException] = []

    def cosign(name: str, ws) -> None:
        try:
            results[name] = notes.cosign_notes(ws, [note_id], PASSWORD)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=cosign, args=(n, w)) for n, w in
               (("sam", sam), ("ria", ria))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    outcomes = sorted(r[0].signed for r in results.values())
    assert outcomes == [False, True]  # exactly one co-signature
    view = notes.open_note(sam, nc.session_id, nc.people[0])
    assert [g.meaning for g in view.history[-1].signatures] == ["author", "co-signer"]


def test_licensed_notes_are_final_and_can_be_reviewed(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    seq = notes.save_draft(tara, note.note_id, note.edit_seq, sections=TEXT)
    notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)
    sam = nc.sign_in("sam")
    [row] = notes.review_queue(sam, status="final")
    with pytest.raises(Conflict):
        notes.return_note(sam, row.note_id, "Final notes take an addendum instead")
    notes.review_note(sam, row.note_id, "addendum_requested", "Add the arrival time.")
    assert notes.review_queue(sam, status="final") == []
    view = notes.open_note(tara, nc.session_id, nc.people[0])
    assert view.reviews[-1].decision == "addendum_requested"


def test_aging_and_counts(nc: NotesClinic) -> None:
    uma_signs(nc)
    sam = nc.sign_in("sam")
    assert not notes.review_queue(sam)[0].aging
    nc.clock.advance(timedelta(days=3, hours=1))
    [row] = notes.review_queue(sam)
    assert row.aging and row.age_days > 2
    counts = notes.my_counts(sam)
    assert (counts.awaiting_my_cosign, counts.aging_cosign) == (1, 1)
    tara = nc.sign_in("tara")
    tcounts = notes.my_counts(tara)
    # Tara owes Ben's, Dee's and Cy's notes, all past the 72-hour deadline now.
    assert (tcounts.owed, tcounts.overdue) == (3, 3)
    drafts = notes.review_queue(sam, status="draft")
    assert drafts == []  # nothing drafted yet: owed notes show in the author's queue
