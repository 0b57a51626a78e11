"""Secondary dialogs that block only the window that opened them.

Qt's static helpers (``QFileDialog.getSaveFileName``, ``QInputDialog.getText``) and a bare
``exec()`` are *application*-modal: opened from the main window while a block runs, they would
freeze the console window too. Everything here is window-modal, so the console keeps taking
keys and its timers keep running.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLineEdit, QWidget

D = TypeVar("D", bound=QDialog)


def window_modal(dialog: D) -> D:
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    return dialog


def save_file_name(parent: QWidget, caption: str, start: str, filters: str) -> tuple[str, str]:
    dialog = window_modal(QFileDialog(parent, caption, start, filters))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    return _chosen(dialog)


def open_file_name(parent: QWidget, caption: str, start: str, filters: str) -> tuple[str, str]:
    dialog = window_modal(QFileDialog(parent, caption, start, filters))
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    return _chosen(dialog)


def existing_directory(parent: QWidget, caption: str, start: str) -> str:
    dialog = window_modal(QFileDialog(parent, caption, start))
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    return _chosen(dialog)[0]


def text_input(parent: QWidget, title: str, label: str) -> tuple[str, bool]:
    dialog = window_modal(QInputDialog(parent))
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
    ok = dialog.exec() == QDialog.DialogCode.Accepted
    return (dialog.textValue(), ok) if ok else ("", False)


def _chosen(dialog: QFileDialog) -> tuple[str, str]:
    if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
        return "", ""
    return dialog.selectedFiles()[0], dialog.selectedNameFilter()
