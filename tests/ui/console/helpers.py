"""Driving the console by keys as a therapist would, and reading what is on screen."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
          Qt.ItemDataRole.AccessibleTextRole)


def target(window: QWidget) -> QWidget:
    """Where a key press goes: the widget with keyboard focus in that window."""
    return window.focusWidget() or window


def press(qtbot: QtBot, window: QWidget, key: Qt.Key | str,
          modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(target(window), key, modifier)


def type_keys(qtbot: QtBot, window: QWidget, text: str) -> None:
    """One key per character, each to whichever widget has focus at that moment."""
    for char in text:
        qtbot.keyClick(target(window), char)


def visible_text(root: QWidget) -> str:
    """All text a person could read in ``root``: labels, fields, buttons, tooltips, titles and
    every cell of every visible item view (including role texts a delegate paints)."""
    parts = [root.windowTitle()]
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        parts.append(widget.toolTip())
        if isinstance(widget, QLabel | QLineEdit | QAbstractButton):
            parts.append(widget.text())
        if isinstance(widget, QLineEdit):
            parts.append(widget.placeholderText())
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            for row in range(model.rowCount(QModelIndex())):
                col = 0
                while model.hasIndex(row, col):  # list models keep columnCount private
                    index = model.index(row, col)
                    for role in (*_ROLES, *range(Qt.ItemDataRole.UserRole,
                                                 Qt.ItemDataRole.UserRole + 10)):
                        value = index.data(role)
                        if value is not None:
                            parts.append(str(value))
                    col += 1
    return "\n".join(parts)


def process_events() -> None:
    QApplication.processEvents()
