"""A therapist writes and signs every note of a block by keyboard, on a real encrypted DB."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from facilitator.services import notes
from facilitator.ui.notes.notes_page import NotesPage
from tests.conftest import PASSWORD
from tests.services.notes.conftest import NotesClinic

CTRL = Qt.KeyboardModifier.ControlModifier
WORDS = {
    "Ada": ("Ada described using paced breathing on the bus before work.",
            "Engaged and practised with a partner; hopeful; no risk noted.",
            "Practise breathing twice daily and log cravings."),
    "Ben": ("Ben arrived twenty minutes late after a shift and settled quickly.",
            "Quiet at first, then shared one trigger at work; no safety concerns.",
            "Try urge surfing once a day; bring an example Wednesday."),
    "Dee": ("Dee stepped out for a call mid-module and returned calm.",
            "Named the opposite-action skill as useful for weekends; low risk.",
            "Use opposite action on Saturday; review the plan with her sponsor."),
}


def key(qtbot: QtBot, page: NotesPage, k: Qt.Key, mod=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press where a person's keys go: the focused widget."""
    qtbot.keyClick(QApplication.focusWidget() or page, k, mod)


def page_for(qtbot: QtBot, nc: NotesClinic) -> NotesPage:
    page = NotesPage(nc.sign_in("tara"))
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    page.activateWindow()  # shortcuts go to the active window, as on a real desktop
    qtbot.waitUntil(page.isActiveWindow)
    page.open_session(nc.session_id)
    return page


def type_sections(qtbot: QtBot, page: NotesPage, texts: tuple[str, ...]) -> None:
    edits = list(page.editor.section_edits.values())
    for edit, text in zip(edits, texts, strict=False):
        edit.setFocus()
        qtbot.keyClicks(edit, text)
    qtbot.waitUntil(lambda: not page.editor.has_unsaved(), timeout=3000)  # autosaved


def test_write_and_sign_every_note_by_keyboard(qtbot: QtBot, nc: NotesClinic) -> None:
    page = page_for(qtbot, nc)
    done = []
    for _ in range(4):
        note = page.editor.note
        assert note is not None and note.editable
        if note.kind == "absence":
            type_sections(qtbot, page, ("Called in sick (reported by phone).",))
        else:
            type_sections(qtbot, page, WORDS[note.short_name.split()[0]])
        key(qtbot, page, Qt.Key.Key_R, CTRL)  # checks, ready, next
        assert note.note_id in page.ready, page.editor.findings.text.text()
        done.append(note.note_id)
    key(qtbot, page, Qt.Key.Key_Return, CTRL)
    assert page.sign_bar.isVisible() and "Sign 4 note(s)" in page.sign_bar.text.text()
    qtbot.keyClicks(page.sign_bar.password, "wrong password")
    qtbot.keyClick(page.sign_bar.password, Qt.Key.Key_Return)
    assert "not correct" in page.strip.text()
    qtbot.keyClicks(page.sign_bar.password, PASSWORD)
    qtbot.keyClick(page.sign_bar.password, Qt.Key.Key_Return)
    rows = notes.session_notes(page.ws, nc.session_id).rows
    assert {r.state for r in rows} == {"final"}, page.strip.text()
    assert "Signed 4 note(s)." in page.strip.text()
    assert notes.notes_queue(page.ws) == []


def test_a_stale_draft_is_not_overwritten_and_nothing_typed_is_lost(
        qtbot: QtBot, nc: NotesClinic) -> None:
    page = page_for(qtbot, nc)
    note = page.editor.note
    # Another window (or laptop session) saves the same draft meanwhile.
    notes.save_draft(page.ws, note.note_id, note.edit_seq, sections={"plan": "From elsewhere"})
    edit = page.editor.section_edits["data"]
    edit.setFocus()
    qtbot.keyClicks(edit, "Typed here")
    assert not page.editor.save()
    assert "another window" in page.editor.status.text()
    assert edit.toPlainText() == "Typed here"  # still on screen


def test_names_of_other_members_are_highlighted(qtbot: QtBot, nc: NotesClinic) -> None:
    page = page_for(qtbot, nc)
    edit = page.editor.section_edits["data"]
    edit.setFocus()
    qtbot.keyClicks(edit, "Ada sat next to Ben Sample.")
    key(qtbot, page, Qt.Key.Key_F7)
    assert "names another group member (Ben Sample)" in page.editor.findings.text.text()
    [mark] = edit.extraSelections()
    assert mark.cursor.selectedText() == "Ben Sample"


def test_quick_phrase_fills_the_name(qtbot: QtBot, nc: NotesClinic) -> None:
    page = page_for(qtbot, nc)
    edit = page.editor.section_edits["data"]
    edit.setFocus()
    page.editor.show_phrases()
    menu = page.editor._phrase_menu
    menu.actions()[0].trigger()
    assert edit.toPlainText().startswith("Ada Example arrived on time")


def test_correct_the_session_path_for_drafts_only(qtbot: QtBot, nc: NotesClinic) -> None:
    page = page_for(qtbot, nc)
    editor = page.editor
    assert editor.correct_button.isVisible()
    with qtbot.waitSignal(editor.correct_session_requested) as asked:
        editor.correct_button.click()
    assert asked.args == [nc.session_id]
    type_sections(qtbot, page, WORDS["Ada"])
    key(qtbot, page, Qt.Key.Key_Return, CTRL)
    qtbot.keyClicks(page.sign_bar.password, PASSWORD)
    qtbot.keyClick(page.sign_bar.password, Qt.Key.Key_Return)
    page.people.selectRow(0)
    assert editor.note.state == "final" and not editor.correct_button.isVisible()


def test_typed_text_is_saved_when_the_window_signs_out(qtbot: QtBot, nc: NotesClinic) -> None:
    from facilitator.ui.pages import Page

    page = page_for(qtbot, nc)
    assert isinstance(page, Page)  # the main window refreshes and closes only Pages
    edit = page.editor.section_edits["plan"]
    edit.setFocus()
    qtbot.keyClicks(edit, "Typed just before signing out")
    page.close_page()  # what the main window calls on sign-out, before the timer fires
    note = notes.open_note(page.ws, nc.session_id, nc.people[0])
    assert note.sections["plan"] == "Typed just before signing out"
