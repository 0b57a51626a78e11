"""A note's workflow fields as the services set them are the ones its records give
(``services.note_workflow``): clinic sync works them out again from the records of a merged
note, so any difference here would change a note on every laptop that pulls it."""

from __future__ import annotations

from sqlalchemy import select

from facilitator.models.notes import NoteRevision, ProgressNote
from facilitator.services import notes, users
from facilitator.services.note_workflow import COSIGN_REQUIRED, derived
from facilitator.services.workspace import Workspace
from tests.conftest import PASSWORD

from .conftest import NotesClinic
from .test_review import TEXT, uma_signs


def _differing(ws: Workspace) -> dict[int, tuple[object, object]]:
    with ws.read() as s:
        ids = s.scalars(select(ProgressNote.id)).all()
        assert ids, "no notes to check"
        return {nid: pair for nid, pair in derived(s, ids).items() if pair[0] != pair[1]}


def test_every_step_of_a_notes_life(nc: NotesClinic) -> None:
    note_id, uma = uma_signs(nc)
    assert _differing(uma) == {}
    sam = nc.sign_in("sam")
    notes.return_note(sam, note_id, "Say which skill was practised.")
    assert _differing(uma) == {}
    draft = notes.open_note(uma, nc.session_id, nc.people[0])
    seq = notes.save_draft(uma, note_id, draft.edit_seq, sections={"data": "Edited."})
    assert notes.sign_notes(uma, [(note_id, seq)], PASSWORD)[0].signed
    assert _differing(uma) == {}
    # Uma is licensed now: her signed revision still waits, as it did when she signed it.
    users.set_supervision(nc.admin, nc.uma.id, False, None)
    assert _differing(uma) == {}
    assert notes.cosign_notes(sam, [note_id], PASSWORD)[0].signed
    assert _differing(uma) == {}
    notes.add_addendum(uma, note_id, "Clarified", "The skill was paced breathing.", PASSWORD)
    notes.review_note(sam, note_id, "reviewed")
    tara = nc.sign_in("tara")
    other = notes.open_note(tara, nc.session_id, nc.people[1])
    seq = notes.save_draft(tara, other.note_id, other.edit_seq, sections={
        **TEXT, "data": "Arrived late and joined the breathing practice."})
    assert notes.sign_notes(tara, [(other.note_id, seq)], PASSWORD)[0].signed
    notes.open_note(tara, nc.session_id, nc.people[3])  # a draft, never signed
    assert _differing(tara) == {}
    with tara.read() as s:
        said = {(r.note_id, r.number): r.facts.get(COSIGN_REQUIRED) for r in s.scalars(
            select(NoteRevision).where(NoteRevision.signed_at.is_not(None)))}
    assert said == {(note_id, 1): True, (note_id, 2): True, (other.note_id, 1): False}


def test_the_demo_clinic(tmp_path, clock, keyring_backend) -> None:  # type: ignore[no-untyped-def]
    """Its notes are written by the demo generator, not the services, and state nothing of
    co-signature: their own fields name their signing."""
    from facilitator.services import demo
    from facilitator.storage.device import KeyringSecrets
    from facilitator.storage.vault import Vault
    from tests.conftest import FAST_KDF

    vault = Vault(tmp_path / "demo", device=KeyringSecrets(keyring_backend), kdf=FAST_KDF)
    ws, _ = demo.create_demo(vault, clock, PASSWORD, participants=12)
    try:
        with ws.read() as s:
            states = set(s.scalars(select(ProgressNote.state)))
        assert states == {"draft", "awaiting_cosign", "final"}
        assert _differing(ws) == {}
    finally:
        ws.close()
