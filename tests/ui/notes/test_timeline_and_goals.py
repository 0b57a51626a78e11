"""The participant record: timeline with the note read-only, and goal status with its thread."""

from __future__ import annotations

from datetime import date

from pytestqt.qtbot import QtBot

from facilitator.services import notes, roster
from facilitator.ui.roster.details_pane import DetailsPane
from tests.conftest import PASSWORD
from tests.services.notes.conftest import NotesClinic

TEXT = {"data": "Ada practised paced breathing and named a stressful commute.",
        "assessment": "Engaged; no risk indicators today.", "plan": "Practise daily."}


def test_timeline_shows_the_signed_note_and_goal_thread(qtbot: QtBot, nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    ada = nc.people[0]
    note = notes.open_note(tara, nc.session_id, ada)
    g = note.goals[0]
    seq = notes.save_draft(tara, note.note_id, note.edit_seq, sections=TEXT, goals=[
        notes.GoalEntry(g.goal_id, g.text, g.status, True, "good", "")])
    assert notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)[0].signed
    pane = DetailsPane(tara)
    qtbot.addWidget(pane)
    pane.show()
    pane.show_participant(roster.get_participant(tara, ada))
    tl = pane.timeline
    tl.start.setDate(date(2026, 1, 1))
    tl.reload()
    assert tl.model.rowCount() == 1
    assert tl.model.data(tl.model.index(0, 4)) == "Signed"
    tl.table.selectRow(0)
    assert "Ada practised paced breathing" in tl.note.toPlainText()
    assert "Signed by Tara Therapist, LCSW" in tl.note.toPlainText()
    # Goals: the thread of notes, then a status change through the service.
    pane.goal_view.selectRow(0)
    assert "Addressed in 1 note(s): 02 Mar good" in pane.goal_thread.text()
    pane.goal_status.setCurrentIndex(pane.goal_status.findData("met"))
    pane.goal_status_button.click()
    assert roster.goals(tara, ada)[0].status == "met"


def test_admins_cannot_change_clinical_goals(qtbot: QtBot, nc: NotesClinic) -> None:
    pane = DetailsPane(nc.admin)
    qtbot.addWidget(pane)
    pane.show_participant(roster.get_participant(nc.admin, nc.people[0]))
    pane.goal_view.selectRow(0)
    pane.goal_status.setCurrentIndex(pane.goal_status.findData("dropped"))
    pane.goal_status_button.click()
    assert "cannot do this" in pane.goal_error.text()
    assert roster.goals(nc.admin, nc.people[0])[0].status == "open"


def test_clinic_phrases_replace_the_starters_and_reach_the_editor(
        qtbot: QtBot, nc: NotesClinic) -> None:
    from facilitator.ui.notes.phrases_box import PhrasesBox

    tara = nc.sign_in("tara")
    box = PhrasesBox(tara)
    qtbot.addWidget(box)
    starters = box.model.rowCount()
    box.section.setCurrentIndex(box.section.findData("plan"))
    qtbot.keyClicks(box.text, "{name} will call {their} sponsor tonight.")
    box.add_button.click()
    assert box.model.rowCount() == starters + 1
    plan = notes.list_phrases(tara, "plan")
    assert plan[-1].text == "{name} will call {their} sponsor tonight."
    assert notes.expand(plan[-1].text, "Ada", "she/her") == "Ada will call her sponsor tonight."
    assert all(p.section in ("*", "plan") for p in plan)
    box.table.selectRow(box.model.rowCount() - 1)
    box.remove_button.click()
    assert box.model.rowCount() == starters
