"""Dialogs opened from the main window block only that window, never a running console."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from facilitator.ui import dialogs


def _close_when_shown(seen: list[Qt.WindowModality]) -> None:
    dialog = QApplication.activeModalWidget()
    if dialog is None:
        QTimer.singleShot(10, lambda: _close_when_shown(seen))
        return
    seen.append(dialog.windowModality())
    assert isinstance(dialog, QDialog)
    dialog.reject()


def test_helpers_open_window_modal_dialogs(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    seen: list[Qt.WindowModality] = []
    for ask in (lambda: dialogs.save_file_name(parent, "Save", "", "All (*)"),
                lambda: dialogs.open_file_name(parent, "Open", "", "All (*)"),
                lambda: dialogs.existing_directory(parent, "Folder", ""),
                lambda: dialogs.text_input(parent, "Title", "Label")):
        QTimer.singleShot(0, lambda: _close_when_shown(seen))
        result = ask()
        assert not result or result in (("", ""), ("", False))  # cancelled: nothing chosen
    assert seen == [Qt.WindowModality.WindowModal] * 4
