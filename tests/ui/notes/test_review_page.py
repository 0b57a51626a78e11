"""The review queue driven by keys, as a supervisor works through it: read, return with a
comment, co-sign (one note, and two with one password), mark a final note reviewed; a wrong
password co-signs nothing and says so in the page."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from facilitator.services import audit, notes
from facilitator.ui.notes.review_page import ReviewPage
from facilitator.ui.pages import pages_for
from tests.conftest import PASSWORD

from .conftest import Signed


def _page(qtbot: QtBot, signed: Signed) -> ReviewPage:
    page = ReviewPage(signed.sam)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    page.table.setFocus()
    return page


def _names(page: ReviewPage) -> list[str]:
    return [r.short_name for r in page.model.rows()]


def _cell(page: ReviewPage, row: int, column: int) -> str:
    return str(page.model.data(page.model.index(row, column)))


def _key(qtbot: QtBot, widget: object, key: Qt.Key,
         modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(widget, key, modifier)


def _type_enter(qtbot: QtBot, edit: object, text: str) -> None:
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_only_supervisors_get_the_page() -> None:
    assert "review" in [p.key for p in pages_for("supervisor")]
    assert "review" not in [p.key for p in pages_for("therapist")]
    assert "review" not in [p.key for p in pages_for("admin")]


def test_keys_move_through_notes_and_the_note_reads_beside(qtbot: QtBot,
                                                           signed: Signed) -> None:
    page = _page(qtbot, signed)
    assert _names(page) == ["Ada Example", "Ben Sample", "Cy Demo"]  # Dee's is final
    assert "gardening" in page.viewer.toPlainText()  # the first note is open
    # Three days after signing: each row carries the aging marker as icon and words.
    assert _cell(page, 0, 6) == "⚠ 3 days" and "3 aging" in page.count.text()
    _key(qtbot, page.table, Qt.Key.Key_J)
    assert page.current_row().short_name == "Ben Sample"
    assert "urge surfing" in page.viewer.toPlainText()
    _key(qtbot, page.table, Qt.Key.Key_Down)
    assert "fever" in page.viewer.toPlainText()
    _key(qtbot, page.table, Qt.Key.Key_K)
    _key(qtbot, page.table, Qt.Key.Key_Up)
    assert page.current_row().short_name == "Ada Example"


def test_return_one_then_cosign_two_with_one_password(qtbot: QtBot, signed: Signed) -> None:
    page = _page(qtbot, signed)
    ada, ben, cy, _ = signed.note_ids
    # Return Ada's note with a comment: it goes back to Uma, the queue moves on to Ben.
    page.return_comment.setFocus()
    _type_enter(qtbot, page.return_comment, "Name the skill practised.")
    assert _names(page) == ["Ben Sample", "Cy Demo"]
    assert "Returned" in page.strip.text() and page.return_comment.text() == ""
    uma = signed.nc.sign_in("uma")
    draft = notes.open_note(uma, signed.nc.session_id, signed.nc.people[0])
    assert (draft.state, draft.returned_comment) == ("draft", "Name the skill practised.")
    # Shift+Down selects Ben and Cy; one password co-signs both.
    assert page.current_row().short_name == "Ben Sample"
    _key(qtbot, page.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert [r.note_id for r in page.selected_rows()] == [ben, cy]
    assert "2" in page.cosign_button.text()
    page.password.setFocus()
    _type_enter(qtbot, page.password, PASSWORD)
    assert _names(page) == []
    assert "2 note(s) co-signed" in page.strip.text() and page.password.text() == ""
    sam = signed.sam
    assert notes.review_queue(sam) == []
    for nid, pid in ((ben, signed.nc.people[1]), (cy, signed.nc.people[2])):
        view = notes.open_note(sam, signed.nc.session_id, pid)
        assert view.note_id == nid and view.state == "final"
        assert [g.meaning for g in view.history[-1].signatures] == ["author", "co-signer"]
    assert ada not in {r.note_id for r in notes.review_queue(sam, status="final")}


def test_wrong_password_cosigns_nothing_then_the_right_one_does(qtbot: QtBot,
                                                                signed: Signed) -> None:
    page = _page(qtbot, signed)
    ada, ben, _, _ = signed.note_ids
    _key(qtbot, page.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    page.password.setFocus()
    _type_enter(qtbot, page.password, "not my password")
    assert "password is not correct" in page.strip.text()
    assert _names(page) == ["Ada Example", "Ben Sample", "Cy Demo"]
    assert len(notes.review_queue(signed.sam)) == 3
    assert [e.action for e in audit.list_events(signed.nc.admin,
                                                action_prefix="note.cosign")] == [
        "note.cosign.failed"]
    # Nothing chosen is lost: the batch stays selected, a comment typed for a return stays.
    assert [r.note_id for r in page.selected_rows()] == [ada, ben]
    page.return_comment.setText("half a thought")
    page.password.setFocus()
    _type_enter(qtbot, page.password, PASSWORD)
    assert _names(page) == ["Cy Demo"]
    assert "2 note(s) co-signed" in page.strip.text()
    assert page.return_comment.text() == "half a thought"


def test_someone_else_cosigned_first(qtbot: QtBot, signed: Signed) -> None:
    page = _page(qtbot, signed)
    # Another supervisor's window co-signs Ada's note while this page still lists it.
    notes.cosign_notes(signed.nc.sign_in("sam"), [signed.note_ids[0]], PASSWORD)
    page.password.setFocus()
    _type_enter(qtbot, page.password, PASSWORD)
    assert "Not waiting for co-signature" in page.strip.text()
    assert "Ada Example" in page.strip.text()
    assert _names(page) == ["Ben Sample", "Cy Demo"]  # refreshed, nothing else touched


def test_mark_a_final_note_reviewed_and_request_an_addendum(qtbot: QtBot,
                                                             signed: Signed) -> None:
    page = _page(qtbot, signed)
    page.status.setCurrentIndex(page.status.findData("final"))
    assert _names(page) == ["Dee Mock"] and page.review_bar.isVisible()
    assert not page.cosign_bar.isVisible() and not page.return_bar.isVisible()
    # An addendum request needs a comment: the page says so, nothing is recorded.
    qtbot.mouseClick(page.addendum_button, Qt.MouseButton.LeftButton)
    assert page.strip.text() and _names(page) == ["Dee Mock"]
    page.review_comment.setFocus()
    _type_enter(qtbot, page.review_comment, "Looks complete.")
    assert _names(page) == [] and "reviewed" in page.strip.text()
    view = notes.open_note(signed.sam, signed.nc.session_id, signed.nc.people[3])
    assert [(r.decision, r.comment) for r in view.reviews] == [("reviewed", "Looks complete.")]


def test_filters_and_column_widths_are_remembered_without_phi(qtbot: QtBot,
                                                              signed: Signed) -> None:
    page = _page(qtbot, signed)
    page.author.setCurrentIndex(page.author.findData(signed.nc.tara.id))
    assert _names(page) == []  # Tara's only note is final
    page.status.setCurrentIndex(page.status.findData("final"))
    assert _names(page) == ["Dee Mock"]
    page.table.horizontalHeader().resizeSection(1, 311)
    page.hide()
    again = _page(qtbot, signed)
    assert again.status.currentData() == "final"
    assert again.author.currentData() == signed.nc.tara.id
    assert again.table.horizontalHeader().sectionSize(1) == 311
    settings = QSettings()
    stored = " ".join(str(settings.value(k)) for k in settings.allKeys())
    for name in ("Dee", "Mock", "Tara", "Morning group"):
        assert name not in stored


def test_request_an_addendum_with_a_comment(qtbot: QtBot, signed: Signed) -> None:
    page = _page(qtbot, signed)
    page.status.setCurrentIndex(page.status.findData("final"))
    page.review_comment.setFocus()
    qtbot.keyClicks(page.review_comment, "Add the plan for the missed group.")
    qtbot.mouseClick(page.addendum_button, Qt.MouseButton.LeftButton)
    assert _names(page) == [] and "Addendum requested from Tara Therapist" in page.strip.text()
    view = notes.open_note(signed.sam, signed.nc.session_id, signed.nc.people[3])
    assert [(r.decision, r.comment) for r in view.reviews] == [
        ("addendum_requested", "Add the plan for the missed group.")]
