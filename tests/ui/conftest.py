"""UI test fixtures: settings isolated in tmp_path, and helpers to look at what is on screen.

The database, keyring, clock and workspace fixtures (``vault``, ``clock``, ``clinic``, ``ws``)
come from the root conftest: a real encrypted database in tmp_path and a real keyring backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractListModel, QCoreApplication, QEvent, QSettings, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from facilitator.services.workspace import Workspace
from facilitator.ui.main_window import MainWindow


@pytest.fixture
def main(qtbot: QtBot, ws: Workspace) -> Iterator[MainWindow]:
    """The signed-in main window, shown (a test file may override it to add data first)."""
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, qapp: QApplication) -> Iterator[Path]:
    """Every test writes QSettings to its own folder, never the developer's real settings."""
    folder = tmp_path / "settings"
    QCoreApplication.setOrganizationName("FacilitatorTests")
    QCoreApplication.setApplicationName("FacilitatorTests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder


def visible_texts(root: QWidget) -> list[str]:
    """Every text a person could read in ``root`` right now: visible labels, fields, buttons,
    combo boxes, text areas and the display text of every cell of visible item views."""
    texts = [root.windowTitle()]
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible():
            continue
        if isinstance(w, QLabel | QAbstractButton):
            texts.append(w.text())
        elif isinstance(w, QLineEdit):
            texts += [w.text(), w.placeholderText()]
        elif isinstance(w, QComboBox):
            texts.append(w.currentText())
        elif isinstance(w, QPlainTextEdit):
            texts.append(w.toPlainText())
        elif isinstance(w, QAbstractItemView) and w.model() is not None:
            model = w.model()
            # List models hide columnCount(); they have one column.
            columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount()
            for r in range(model.rowCount()):
                for c in range(columns):
                    texts.append(str(model.data(model.index(r, c),
                                                Qt.ItemDataRole.DisplayRole) or ""))
        texts.append(w.toolTip())
    return [t for t in texts if t]


def shows(root: QWidget, needle: str) -> bool:
    return any(needle in t for t in visible_texts(root))


def type_text(widget: QWidget, text: str) -> None:
    """Type ``text`` as key events carrying the characters, as a keyboard or input method
    delivers them. (QTest.keyClicks aborts on characters outside the BMP, such as emoji.)"""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown,
                                                     Qt.KeyboardModifier.NoModifier, ch))
