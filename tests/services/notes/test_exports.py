"""PDF exports from the real database, read back with pypdf."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from facilitator.services import audit, exports, notes
from facilitator.services.errors import ValidationError
from tests.conftest import PASSWORD

from .conftest import NAMES, NotesClinic

TEXT = {"data": "{n} practised paced breathing and named one trigger.",
        "assessment": "{n} engaged well; no risk indicators today.",
        "plan": "{n} will practise daily until the next group."}


def sign_all(nc: NotesClinic) -> dict[int, int]:
    tara = nc.sign_in("tara")
    ids = {}
    for pid, name in zip(nc.people, NAMES, strict=True):
        note = notes.open_note(tara, nc.session_id, pid)
        first = name.split()[0]
        if note.kind == "absence":
            sections = {"reason": f"{first} called in sick."}
        else:
            sections = {k: v.format(n=first) + f" ({first})" for k, v in TEXT.items()}
        seq = notes.save_draft(tara, note.note_id, note.edit_seq, sections=sections,
                               justifications={"clone": "Template text for the export test"})
        ids[pid] = note.note_id
        if name != "Dee Mock":  # Dee's stays a draft
            assert notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)[0].signed
    return ids


def text_of(path: Path) -> str:
    """The PDF's text with line breaks folded (table cells wrap)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def test_single_note_export(nc: NotesClinic, tmp_path: Path) -> None:
    ids = sign_all(nc)
    records = nc.sign_in("tara")
    out = exports.export_note(records, ids[nc.people[0]], tmp_path)
    text = text_of(out.path)
    assert "Ada Example" in text and "N-1" in text
    for other in NAMES[1:]:
        assert other not in text  # no other participant in a single-participant document
    assert "42 CFR part 2 prohibits unauthorized use or disclosure" in text  # SUD program
    assert "DRAFT" not in text
    assert f"Page 1 of {out.pages}" in text
    assert "SHA-256" in text or "sha-256" in text.lower()
    assert "N-1" not in out.path.name and "Ada" not in out.path.name  # no PHI in the name
    [event] = audit.list_events(nc.admin, action_prefix="export.note")
    assert event.details["participants"] == [nc.people[0]] and not event.details["release"]
    draft = exports.export_note(records, ids[nc.people[3]], tmp_path)
    assert "DRAFT" in text_of(draft.path)


def test_session_packet_and_release_records_disclosures(nc: NotesClinic, tmp_path: Path
                                                        ) -> None:
    sign_all(nc)
    admin = nc.admin  # records staff
    release = exports.Release("Payer audit office (demo)", "Payer audit")
    out = exports.export_session(admin, nc.session_id, tmp_path, release=release)
    text = text_of(out.path)
    assert ("Morning group" in text and "Sign-in" in text) or "sign-in" in text.lower()
    pages = PdfReader(out.path).pages
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page.extract_text()
    for pid in nc.people:
        [d] = exports.disclosures(admin, pid)
        assert (d.recipient, d.purpose, d.document_type) == ("Payer audit office (demo)",
                                                             "Payer audit", "session-packet")
    [event] = audit.list_events(admin, action_prefix="export.session")
    assert event.details["release"] and sorted(event.details["participants"]) == sorted(
        nc.people)
    log = exports.export_disclosure_log(admin, nc.people[0], tmp_path)
    assert "Payer audit office (demo)" in text_of(log.path)


def test_participant_record_range_and_bad_input(nc: NotesClinic, tmp_path: Path) -> None:
    sign_all(nc)
    admin = nc.admin
    out = exports.export_participant_record(admin, nc.people[0], date(2026, 1, 1),
                                            date(2026, 3, 31), tmp_path)
    text = text_of(out.path)
    assert "Ada Example" in text and "practised paced breathing" in text
    with pytest.raises(ValidationError, match="before the start"):
        exports.export_participant_record(admin, nc.people[0], date(2026, 3, 31),
                                          date(2026, 1, 1), tmp_path)
    empty = exports.export_participant_record(admin, nc.people[0], date(2025, 1, 1),
                                              date(2025, 1, 31), tmp_path)
    assert empty.pages >= 1  # a record with no notes in range still says so
    with pytest.raises(ValidationError):
        exports.export_session(admin, nc.session_id, tmp_path,
                               release=exports.Release("", "Records request"))


def test_a_file_where_the_folder_should_be(nc: NotesClinic, tmp_path: Path) -> None:
    ids = sign_all(nc)
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    with pytest.raises(exports.ExportFailed, match="is not a folder"):
        exports.export_note(nc.admin, ids[nc.people[0]], not_a_folder)
    assert audit.list_events(nc.admin, action_prefix="export.") == []


def test_missing_folder_and_cancelled_batch(nc: NotesClinic, tmp_path: Path) -> None:
    ids = sign_all(nc)
    with pytest.raises(exports.ExportFailed, match="does not exist"):
        exports.export_note(nc.admin, ids[nc.people[0]], tmp_path / "nope")
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(exports.ExportCancelled, match="after 2 of 4"):
        exports.export_notes_batch(nc.admin, list(ids.values()), out, cancelled=cancelled)
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 2 and all(f.endswith(".pdf") for f in files)  # no partial file
    assert len(audit.list_events(nc.admin, action_prefix="export.note")) == 2
