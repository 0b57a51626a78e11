"""Exports from the UI: off the GUI thread, with a release recorded, and a cancellable op."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

from pytestqt.qtbot import QtBot

from facilitator.services import exports, notes, roster
from facilitator.ui.notes.timeline_tab import TimelineTab
from facilitator.ui.ops import run_cancellable
from tests.conftest import PASSWORD
from tests.services.notes.conftest import NotesClinic


def test_export_record_with_a_release_from_the_timeline(qtbot: QtBot, nc: NotesClinic,
                                                        tmp_path: Path) -> None:
    tara = nc.sign_in("tara")
    ada = nc.people[0]
    note = notes.open_note(tara, nc.session_id, ada)
    seq = notes.save_draft(tara, note.note_id, note.edit_seq, sections={
        "data": "Ada shared a plan.", "assessment": "Engaged.", "plan": "Practise daily."})
    notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)
    tab = TimelineTab(nc.admin)
    qtbot.addWidget(tab)
    tab.show()
    tab.show_participant(ada)
    tab.start.setDate(date(2026, 1, 1))
    tab.export_button.click()
    bar = tab.export_bar
    assert bar.isVisible()
    bar.folder.setText(str(tmp_path))
    bar.release.setChecked(True)
    qtbot.keyClicks(bar.recipient, "Insurer review unit (demo)")
    qtbot.keyClicks(bar.purpose, "Payer audit")
    bar.export_button.click()
    with qtbot.waitSignal(bar.finished, timeout=30_000) as done:
        pass
    assert done.args == [True], bar.status.text()
    assert "Saved participant-record-" in bar.status.text()
    [pdf] = list(tmp_path.glob("*.pdf"))
    assert "N-1" not in pdf.name
    tab.disclosures_button.setChecked(True)
    assert tab.disclosure_model.rowCount() == 1
    [d] = exports.disclosures(nc.admin, ada)
    assert (d.recipient, d.file_name) == ("Insurer review unit (demo)", pdf.name)
    assert roster.get_participant(nc.admin, ada).chart_id == "N-1"


def test_a_missing_folder_is_a_message_not_a_crash(qtbot: QtBot, nc: NotesClinic,
                                                   tmp_path: Path) -> None:
    tab = TimelineTab(nc.admin)
    qtbot.addWidget(tab)
    tab.show_participant(nc.people[0])
    tab.export_button.click()
    tab.export_bar.folder.setText(str(tmp_path / "missing"))
    tab.export_bar.export_button.click()
    with qtbot.waitSignal(tab.export_bar.finished, timeout=30_000) as done:
        pass
    assert done.args == [False]
    assert "does not exist" in tab.export_bar.status.text()


def test_cancel_stops_a_background_op(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QPushButton, QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    cancel = QPushButton("Cancel", parent)
    started = threading.Event()
    results: list[str] = []

    def work(op) -> str:  # type: ignore[no-untyped-def]
        started.set()
        pause = threading.Event()  # never set: a bounded wait between steps of the "batch"
        for _ in range(500):
            if op.cancelled():
                return "stopped"
            pause.wait(0.01)
        return "ran to the end"

    op = run_cancellable(parent, work, on_success=results.append, cancel_button=cancel)
    assert not cancel.isHidden()
    assert started.wait(10)
    with qtbot.waitSignal(op.finished, timeout=10_000):
        cancel.click()
    assert results == ["stopped"] and cancel.isHidden()
