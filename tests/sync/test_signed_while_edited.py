"""A draft edited on one laptop while the same revision is signed on another (found by the
revision property test): the signing stands on every laptop, the later edit's text is kept for
an admin, and sync goes on. Before, the laptop that had signed refused the edit ("A signed note
covers this") on every round, and the laptop that had edited could show the signed revision
with its own later text, which the signature does not cover."""

from __future__ import annotations

from datetime import date

import pytest
from pytestqt.qtbot import QtBot

from facilitator.models.sync import SyncRow
from facilitator.services import console, notes
from facilitator.services.errors import Conflict
from facilitator.services.notes.signing import SIGNED_APART
from facilitator.services.sync import conflicts, locked, signed_ids
from tests.conftest import PASSWORD
from tests.services.console.conftest import local
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Laptop
from tests.sync.test_clashes import meet, pair
from tests.sync.test_counter_clashes import _numbers_as_sync_knows_them, _sign, _write

__all__ = ["nc", "pair"]

LATER = "Edited on B after the note was signed on A."


def _revision(laptop: Laptop, nc: NotesClinic) -> notes.NoteView:
    return notes.open_note(laptop.sign_in("tara"), nc.session_id, nc.people[0])


def test_an_edit_and_a_signing_of_one_draft_apart(pair: tuple[Laptop, Laptop],
                                                   nc: NotesClinic) -> None:
    a, b = pair
    _write(b, nc, "Drafted on B.")
    meet(b, a)
    signed = _revision(a, nc)
    _sign(a, signed)
    nc.clock.advance(minutes=2)
    draft = _revision(b, nc)
    notes.save_draft(b.sign_in("tara"), draft.note_id, draft.edit_seq,
                     sections={**draft.sections, "data": LATER})
    meet(a, b)
    meet(a, b)
    for laptop in (a, b):
        note = _revision(laptop, nc)
        assert note.state == "final" and not note.editable, laptop.name
        assert [r.sections["data"] for r in note.history] == ["Drafted on B."], laptop.name
        with laptop.sign_in().read() as s:
            assert notes.verify_signatures(s)[1] == [], laptop.name
    assert a.dump() == b.dump()
    # The later text is not lost: the revision's text is flagged with both values, alike on
    # both laptops; keeping the signed text settles it, the other cannot be kept.
    found = [[f for f in conflicts.flagged(laptop.sign_in()) if f.table == "note_revisions"]
             for laptop in (a, b)]
    assert [(f.gid, f.field) for f in found[0]] == [(f.gid, f.field) for f in found[1]]
    [flag] = [f for f in found[0] if f.field == "content"]
    texts = [c.value["sections"]["data"] for c in flag.choices]
    assert sorted(texts) == sorted(["Drafted on B.", LATER])
    [shown] = [c for c in flag.choices if c.shown]
    assert shown.value["sections"]["data"] == "Drafted on B."
    admin = a.sign_in()
    later = next(c for c in flag.choices if not c.shown)
    try:
        conflicts.resolve(admin, flag.gid, "content", later.value)
    except Conflict as refused:
        assert "signed" in str(refused)
    else:
        raise AssertionError("a signed revision's text was replaced")
    conflicts.resolve(admin, flag.gid, "content", shown.value)
    meet(a, b)
    for laptop in (a, b):
        assert not [f for f in conflicts.flagged(laptop.sign_in())
                    if f.table == "note_revisions" and f.field == "content"], laptop.name
    assert a.dump() == b.dump()


def test_one_draft_signed_on_two_laptops_apart(pair: tuple[Laptop, Laptop],
                                               nc: NotesClinic) -> None:
    """Tara signed the travelled draft on A; on B, not having pulled that, she edited it and
    signed it too. Every laptop shows the signing with the smaller change id (A's: it synced
    first), B's text is kept for an admin, and verification names B's signature as signed
    apart, the same on both laptops, instead of refusing every round."""
    a, b = pair
    _write(b, nc, "Drafted on B.")
    meet(b, a)
    _sign(a, _revision(a, nc))
    nc.clock.advance(minutes=2)
    draft = _revision(b, nc)
    seq = notes.save_draft(b.sign_in("tara"), draft.note_id, draft.edit_seq,
                           sections={**draft.sections, "data": LATER})
    [signed] = notes.sign_notes(b.sign_in("tara"), [(draft.note_id, seq)], PASSWORD)
    assert signed.signed, signed.message
    a.sync()  # A's signing gets the smaller change id (they are given as a round sends)
    nc.clock.advance(minutes=1)
    meet(b, a)
    meet(a, b)
    assert a.dump() == b.dump()
    found = []
    for laptop in (a, b):
        note = _revision(laptop, nc)
        assert note.state == "final", laptop.name
        assert [r.sections["data"] for r in note.history] == ["Drafted on B."], laptop.name
        with laptop.sign_in().read() as s:
            problems = notes.verify_signatures(s)[1]
        assert [p.what for p in problems] == [SIGNED_APART], laptop.name
        assert all(n == known for n, known in _numbers_as_sync_knows_them(laptop)), laptop.name
        flags = [f for f in conflicts.flagged(laptop.sign_in()) if f.table == "note_revisions"]
        assert flags and all(not f.can_resolve for f in flags), laptop.name
        found.append([(f.gid, f.field) for f in flags])
    assert found[0] == found[1] and ("content" in {field for _, field in found[0]})
    with pytest.raises(Conflict, match="signed on two laptops apart"):
        conflicts.resolve(a.sign_in(), found[0][0][0], "content", None)
    # Each signing names the rows it binds (``signed_ids``); where those differ, as they can
    # when a laptop signed rows it had not sent yet, that note of sync's is no value to list.
    with a.sign_in().transaction() as s:
        record = s.get(SyncRow, found[0][0][0])
        assert record is not None and signed_ids.FIELD in record.fields
        record.fields = {**record.fields, signed_ids.FIELD: [
            *record.fields[signed_ids.FIELD], ["0" * 8, {"other": "ids"}]]}
    assert signed_ids.FIELD not in {f.field for f in conflicts.flagged(a.sign_in())}


def test_an_attendance_correction_made_where_the_signing_was_not_seen(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """Tara signed Ada's note on A (its facts state her arrival); on B, not having pulled that,
    the arrival was corrected. Sync goes on (before, A refused the correction in every round):
    A keeps the arrival its signed note states and restores it on B, past B's guard. Both
    laptops hold the arrival the note states and flag the record with the correction set
    aside (before, B kept its correction, unflagged, and the laptops differed). The flag is
    acknowledged, nothing more: the correction belongs in an addendum."""
    a, b = pair
    meet(a, b)
    _sign(a, _write(a, nc, "Signed on A."))
    nc.clock.advance(minutes=2)
    console.correct_attendance(b.sign_in("tara"), nc.session_id, nc.people[0],
                               reason="Late bus", arrived_at=local(9, 10, date(2026, 3, 2)))
    meet(a, b)
    meet(a, b)
    for laptop in (a, b):
        with laptop.sign_in().read() as s:
            assert notes.verify_signatures(s)[1] == [], laptop.name
        view = console.console_state(laptop.sign_in("tara"), nc.session_id)
        [ada] = [r for r in view.attendance if r.participant_id == nc.people[0]]
        assert ada.arrived_at == local(9, 0, date(2026, 3, 2)), laptop.name
        [flag] = [f for f in conflicts.flagged(laptop.sign_in()) if f.table == "attendance"]
        assert flag.field == locked.APART, laptop.name
        assert {"arrived", "status", "minutes"} <= set(flag.field_name.split(", "))
        assert "Set aside: " in flag.note and "late" in flag.note, flag.note
        with pytest.raises(Conflict, match="settled meanwhile"):
            conflicts.resolve(laptop.sign_in(), flag.gid, locked.APART, "something else")
    assert a.dump() == b.dump()


def test_the_conflicts_page_says_why_a_revision_signed_apart_has_nothing_to_keep(
        qtbot: QtBot, pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """Its text is listed with both values, the signed one shown; no Keep button is enabled,
    and the page says why in the revision's own words, not the sentence meant for supervisors
    about the clinic's set-up."""
    from facilitator.ui.admin.conflicts_page import ConflictsPage

    test_one_draft_signed_on_two_laptops_apart(pair, nc)
    page = ConflictsPage(pair[0].sign_in())
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    fields = [page.table.model().index(r, 2).data() for r in range(page.table.model().rowCount())]
    page.table.selectRow(fields.index("content"))
    assert "signed on two laptops apart" in page.note.text()
    assert page.choice_buttons() and not any(b.isEnabled() for b in page.choice_buttons())
    assert page.not_yours.text() == conflicts.NOTHING_TO_SETTLE
    assert not page.typed_row.isVisibleTo(page)
