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
    a = clinic.adopt("A", nc.vault)
    a.sync()
    b = clinic.join_from(a, "B")
    b.sync()
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
