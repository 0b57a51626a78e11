"""The issue's story across laptops, shared by the convergence and enrolment tests: a therapist
signs a note on one laptop, a supervisor co-signs it on another once both have synced."""

from __future__ import annotations

from facilitator.services import console as c
from facilitator.services import notes
from tests.conftest import PASSWORD
from tests.services.notes.conftest import NotesClinic
from tests.sync.laptops import Laptop

TEXT = {"data": "Ada described a calm weekend and practised the skill.",
        "assessment": "Engaged and hopeful; no risk indicators.",
        "plan": "Continue the breathing practice daily."}


def sign_on_a_cosign_on_b(a: Laptop, b: Laptop, nc: NotesClinic) -> None:
    """Uma signs Ada's note on ``a``; both sync; Sam co-signs it on ``b``; both sync again."""
    c.set_facilitators(a.sign_in("tara"), nc.session_id, [nc.uma.id])
    uma = a.sign_in("uma")
    note = notes.open_note(uma, nc.session_id, nc.people[0])
    seq = notes.save_draft(uma, note.note_id, note.edit_seq, sections=TEXT)
    [signed] = notes.sign_notes(uma, [(note.note_id, seq)], PASSWORD)
    assert signed.signed
    a.sync()
    b.sync()
    sam = b.sign_in("sam")  # the supervisor, with her existing password, on B
    [waiting] = notes.review_queue(sam)
    [done] = notes.cosign_notes(sam, [waiting.note_id], PASSWORD)
    assert done.signed
    b.sync()
    a.sync()
