"""Which pulled records make a note's workflow fields worth working out again
(``services.sync.note_state.notes_of``): exactly those ``note_workflow.derive`` reads. A new
laptop's first pull brings every signature and review of the clinic after the revisions; the
others change nothing, and working every note out once more for them cost seconds."""

from __future__ import annotations

from sqlalchemy import select, update

from facilitator.models.notes import NoteReview, NoteRevision, Signature
from facilitator.services import console, notes
from facilitator.services.note_workflow import COSIGN_REQUIRED
from facilitator.services.sync import note_state
from facilitator.storage.guards import lifted
from tests.conftest import PASSWORD
from tests.services.notes.conftest import NotesClinic, nc

__all__ = ["nc"]


def _signed_by_uma(nc: NotesClinic) -> int:
    """Uma (her notes need co-signature) writes and signs the first participant's note."""
    console.set_facilitators(nc.sign_in("tara"), nc.session_id, [nc.uma.id])
    uma = nc.sign_in("uma")
    note = notes.open_note(uma, nc.session_id, nc.people[0])
    notes.save_draft(uma, note.note_id, note.edit_seq, sections={
        "data": "Practised paced breathing.", "assessment": "Engaged.", "plan": "Daily."})
    note = notes.open_note(uma, nc.session_id, nc.people[0])
    [signed] = notes.sign_notes(uma, [(note.note_id, note.edit_seq)], PASSWORD)
    assert signed.signed, signed.message
    return note.note_id


def _signed_by_uma_cosigned_by_sam(nc: NotesClinic) -> int:
    note_id = _signed_by_uma(nc)
    [cosigned] = notes.cosign_notes(nc.sign_in("sam"), [note_id], PASSWORD)
    assert cosigned.signed, cosigned.message
    return note_id


def test_co_signatures_and_returns_count_an_author_signature_only_when_unstated(
        nc: NotesClinic) -> None:
    note_id = _signed_by_uma_cosigned_by_sam(nc)
    ws = nc.sign_in("sam")
    with ws.read() as s:
        by_meaning = dict(s.execute(select(Signature.meaning, Signature.id).join(
            NoteRevision, NoteRevision.id == Signature.revision_id).where(
                NoteRevision.note_id == note_id)).all())
        reviews = dict(s.execute(select(NoteReview.decision, NoteReview.id).where(
            NoteReview.note_id == note_id)).all())
        revision = s.scalar(select(NoteRevision.id).where(NoteRevision.note_id == note_id))
        assert revision is not None and set(by_meaning) == {"author", "co-signer"}
        assert note_state.notes_of(s, {"signatures": {by_meaning["co-signer"]}}) == {note_id}
        assert note_state.notes_of(s, {"signatures": {by_meaning["author"]}}) == set()
        assert note_state.notes_of(s, {"note_reviews": {reviews["cosigned"]}}) == set()
        assert note_state.notes_of(s, {"note_revisions": {revision}}) == {note_id}
        assert note_state.notes_of(s, {"progress_notes": {note_id}}) == {note_id}
    # A revision signed before its facts said whether it needed co-signature: then who signed
    # it decides, so its author's signature counts.
    with ws.transaction() as s, lifted(s.connection(), "note_revisions_signed_no_update"):
        facts = s.scalar(select(NoteRevision.facts).where(NoteRevision.id == revision))
        assert COSIGN_REQUIRED in facts
        s.execute(update(NoteRevision).where(NoteRevision.id == revision).values(
            facts={k: v for k, v in facts.items() if k != COSIGN_REQUIRED}))
        assert note_state.notes_of(s, {"signatures": {by_meaning["author"]}}) == {note_id}


def test_a_return_counts(nc: NotesClinic) -> None:
    note_id = _signed_by_uma(nc)
    notes.return_note(nc.sign_in("sam"), note_id, "Name the skill practised.")
    with nc.sign_in("sam").read() as s:
        returned = s.scalar(select(NoteReview.id).where(NoteReview.note_id == note_id,
                                                        NoteReview.decision == "returned"))
        assert returned is not None
        assert note_state.notes_of(s, {"note_reviews": {returned}}) == {note_id}
