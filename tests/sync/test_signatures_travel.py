"""Signatures verify on every laptop of the clinic, not only on the one where they were made.

A laptop numbers its rows itself: a note signed on A as note 1 is note 2 on B when B already
had a note 1. What a signature binds (the note, its session and participant, an addendum's
author) must therefore be named in a way every laptop shares (``services.notes.canonical``),
and a change of what a signed note belongs to must still be found on any laptop.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy import text

from facilitator.services import console as c
from facilitator.services import notes
from facilitator.services.sync import enrol
from tests.conftest import PASSWORD
from tests.pg import Cluster
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Clinic, Laptop
from tests.sync.story import TEXT

__all__ = ["nc"]


@pytest.fixture
def clinic(pg_cluster: Cluster, hub_db: str, tmp_path: Path,
           keyring_backend: PlaintextKeyring, nc: NotesClinic) -> Clinic:
    made = Clinic(pg_cluster, hub_db, tmp_path / "laptops", keyring_backend, nc.clock)
    yield made
    made.close()


def _verify(laptop: Laptop) -> tuple[int, list[notes.SignatureProblem]]:
    with laptop.sign_in().read() as s:
        return notes.verify_signatures(s)


def _note_id(laptop: Laptop, participant_id: int) -> int:
    with laptop.sign_in().read() as s:
        return s.scalar(text("SELECT id FROM progress_notes WHERE participant_id = :p"),
                        {"p": participant_id})


def _sign_adas_note(laptop: Laptop, nc: NotesClinic) -> int:
    """Uma (who needs a co-signature) signs Ada's note on ``laptop``; its note id there."""
    c.set_facilitators(laptop.sign_in("tara"), nc.session_id, [nc.uma.id])
    uma = laptop.sign_in("uma")
    note = notes.open_note(uma, nc.session_id, nc.people[0])
    seq = notes.save_draft(uma, note.note_id, note.edit_seq, sections=TEXT)
    [signed] = notes.sign_notes(uma, [(note.note_id, seq)], PASSWORD)
    assert signed.signed, signed.message
    return note.note_id


def _tamper(laptop: Laptop, statement: str) -> None:
    """What someone with the key and a SQL shell could do on that laptop."""
    raw = laptop.sign_in().db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA foreign_keys = OFF")
        cur.execute(statement)
        raw.commit()
    finally:
        raw.close()


def test_a_note_signed_on_a_verifies_on_b_where_its_ids_differ(clinic: Clinic,
                                                               nc: NotesClinic) -> None:
    a, b = clinic.in_step(nc.vault)
    # B writes a note first: A's note takes the same local id on A and the next one on B.
    notes.open_note(b.sign_in("tara"), nc.session_id, nc.people[1])
    on_a = _sign_adas_note(a, nc)
    a.sync()
    b.sync()
    on_b = _note_id(b, nc.people[0])
    assert on_b != on_a  # the point of the story
    assert _verify(b) == (1, [])
    # The supervisor co-signs and adds an addendum on B; A checks both.
    sam = b.sign_in("sam")
    [done] = notes.cosign_notes(sam, [on_b], PASSWORD)
    assert done.signed, done.message
    notes.add_addendum(sam, on_b, "Arrival corrected", "Arrived 09:02.", PASSWORD)
    assert _verify(b) == (3, [])
    b.sync()
    a.sync()
    assert _verify(a) == (3, [])
    assert _verify(b) == (3, [])
    # Moving the signed note to another participant on B is still found on B.
    _tamper(b, f"UPDATE progress_notes SET participant_id = {nc.people[3]} WHERE id = {on_b}")
    count, problems = _verify(b)
    assert count == 3
    assert {(p.note_id, p.what) for p in problems} == {
        (on_b, "the signed note content no longer matches its signature")}
    assert len(problems) == 2  # the author's and the co-signer's signatures


def _note_gid(laptop: Laptop, note_id: int) -> str:
    with laptop.sign_in().read() as s:
        return s.scalar(text("SELECT gid FROM sync_rows WHERE tbl = 'progress_notes'"
                             " AND row_key = :k"), {"k": str(note_id)})


def test_a_note_signed_before_sync_was_set_up_verifies_on_an_enrolled_laptop(
        clinic: Clinic, nc: NotesClinic) -> None:
    """A laptop without sync signs: the note gets its global id then, travels with it when
    sync is set up, and a laptop that joins with an enrolment code verifies it."""
    a = clinic.adopt("A", nc.vault)
    notes.open_note(a.sign_in("tara"), nc.session_id, nc.people[1])
    on_a = _sign_adas_note(a, nc)
    given = _note_gid(a, on_a)
    assert given is not None  # named by global id at signing, before any sync
    assert _verify(a) == (1, [])
    a.sync()
    enrol.create_code(a.sign_in(), PASSWORD)  # copies of users' key slots start
    a.sign_in("sam")  # hers is keychain-bound: signing in makes the copy B will hold
    b = clinic.enrol(a, "B")
    on_b = _note_id(b, nc.people[0])
    assert _note_gid(b, on_b) == given
    assert _verify(b) == (1, [])
    [done] = notes.cosign_notes(b.sign_in("sam"), [on_b], PASSWORD)
    assert done.signed, done.message
    b.sync()
    a.sync()
    assert _verify(a) == (2, [])


def test_a_signed_note_merged_with_a_draft_of_the_same_note_verifies_on_both(
        clinic: Clinic, nc: NotesClinic) -> None:
    """B's draft of Ada's note travels first, A signs its own: the two notes become one, B's
    global id stands (it is older), and the signature naming A's global id still verifies."""
    a, b = clinic.in_step(nc.vault)
    on_b = notes.open_note(b.sign_in("tara"), nc.session_id, nc.people[0]).note_id
    b.sync()
    nc.clock.advance(minutes=5)
    on_a = _sign_adas_note(a, nc)
    signed_as = _note_gid(a, on_a)
    a.sync()
    b.sync()
    for laptop, here in ((a, on_a), (b, on_b)):
        assert _note_gid(laptop, here) != signed_as, laptop.name  # an alias now, on both
        assert _verify(laptop) == (1, []), laptop.name


def _as_form_1(laptop: Laptop) -> None:
    """Rewrite the laptop's signatures as the version before form 2 stored them: hashes of
    form 1, naming rows by this laptop's ids (a clinic's history signed before the upgrade)."""
    from facilitator.models.notes import Addendum, NoteRevision, ProgressNote
    from facilitator.services.notes import canonical
    from facilitator.storage.guards import all_guards

    statements = []
    with laptop.sign_in().read() as s:
        for rev in s.query(NoteRevision).filter(NoteRevision.signed_at.is_not(None)):
            note = s.get(ProgressNote, rev.note_id)
            sha = canonical.content_hash(canonical.note_document(
                note_id=note.id, revision=rev.number, kind=note.kind, format_name=rev.format,
                session_id=note.session_id, participant_id=note.participant_id,
                facts=rev.facts or {}, content=rev.content, late_entry=rev.late_entry,
                version=canonical.LOCAL_IDS_FORM))
            statements += [f"UPDATE note_revisions SET content_sha256 = '{sha}'"
                           f" WHERE id = {rev.id}",
                           f"UPDATE signatures SET content_sha256 = '{sha}'"
                           f" WHERE revision_id = {rev.id}"]
        for add in s.query(Addendum):
            sha = canonical.content_hash(canonical.addendum_document(
                note_id=add.note_id, author_id=add.author_id, written_at=add.written_at,
                reason=add.reason, text=add.text, version=canonical.LOCAL_IDS_FORM))
            statements += [f"UPDATE note_addenda SET content_sha256 = '{sha}' WHERE id = {add.id}",
                           f"UPDATE signatures SET content_sha256 = '{sha}'"
                           f" WHERE addendum_id = {add.id}"]
    lifted = [g for g in all_guards() if g.name in (
        "note_revisions_signed_no_update", "signatures_no_update", "note_addenda_no_update")]
    raw = laptop.sign_in().db.engine.raw_connection()
    try:
        cur = raw.cursor()
        for guard in lifted:
            cur.execute(f"DROP TRIGGER {guard.name}")
        for statement in statements:
            cur.execute(statement)
        for guard in lifted:
            cur.execute(guard.sql())
        raw.commit()
    finally:
        raw.close()


def test_form_1_signatures_verify_elsewhere_with_the_ids_they_were_made_with(
        clinic: Clinic, nc: NotesClinic) -> None:
    """A note and addendum signed under form 1 on A travel with A's ids; B verifies them,
    co-signs, and still finds a signed note moved to another participant."""
    a, b = clinic.in_step(nc.vault)
    notes.open_note(b.sign_in("tara"), nc.session_id, nc.people[1])
    on_a = _sign_adas_note(a, nc)
    notes.add_addendum(a.sign_in("uma"), on_a, "Arrival corrected", "Arrived 09:02.", PASSWORD)
    _as_form_1(a)
    assert _verify(a) == (2, [])
    a.sync()
    b.sync()
    on_b = _note_id(b, nc.people[0])
    assert on_b != on_a
    assert _verify(b) == (2, [])
    [done] = notes.cosign_notes(b.sign_in("sam"), [on_b], PASSWORD)
    assert done.signed, done.message
    b.sync()
    a.sync()
    assert _verify(a) == (3, [])
    _tamper(b, f"UPDATE progress_notes SET participant_id = {nc.people[3]} WHERE id = {on_b}")
    assert {(p.note_id, p.what) for p in _verify(b)[1]} == {
        (on_b, "the signed note content no longer matches its signature")}
