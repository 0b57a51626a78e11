"""The shortcuts overlay (F1 or ?): a non-modal panel drawn over the console, never a dialog.

It covers its parent, so the block keeps running underneath; any key listed in it still works
and F1, ?, Esc or a click hides it again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ..theme import follow
from .keymap import BOARD_COMMANDS, GO_AROUND_KEYS, KeyCommand, describe
from .style import scaled_font


class ShortcutsOverlay(QFrame):
    """Covers the parent widget and lists every console key."""

    closed = Signal()
    """Emitted when the overlay hides itself (key or click)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsOverlay")
        self.setAutoFillBackground(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        follow(self, lambda t: self.setStyleSheet(
            f"#shortcutsOverlay {{ background: {t.surface}; }}"
            f" #shortcutsOverlay QLabel {{ color: {t.text}; }}"
            f" QLabel[role='key'] {{ border: 1px solid {t.border}; border-radius: 4px;"
            f" padding: 1px 6px; background: {t.surface_dim}; }}"))
        self._build_ui()
        parent.installEventFilter(self)
        self.hide()

    def _build_ui(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 20, 32, 20)
        title = QLabel(self.tr("Keyboard shortcuts — F1, ? or Esc closes this"))
        title.setFont(scaled_font(1.5, bold=True))
        outer.addWidget(title)
        columns = QHBoxLayout()
        columns.addLayout(self._table(self.tr("On the board"), BOARD_COMMANDS), 3)
        columns.addSpacing(24)
        columns.addLayout(self._table(self.tr("In the go-around"), GO_AROUND_KEYS), 2)
        outer.addLayout(columns)
        outer.addStretch(1)

    def _table(self, heading: str, rows: tuple[KeyCommand, ...]) -> QVBoxLayout:
        box = QVBoxLayout()
        head = QLabel(heading)
        head.setFont(scaled_font(1.2, bold=True))
        box.addWidget(head)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        for row, command in enumerate(rows):
            keys = QHBoxLayout()
            for key in command.keys:
                cap = QLabel(key)
                cap.setProperty("role", "key")
                cap.setFont(scaled_font(1.05, bold=True))
                keys.addWidget(cap)
            keys.addStretch(1)
            grid.addLayout(keys, row, 0)
            text = QLabel(describe(command.label))
            text.setWordWrap(True)
            text.setFont(scaled_font(1.05))
            grid.addWidget(text, row, 1)
        grid.setColumnStretch(1, 1)
        box.addLayout(grid)
        box.addStretch(1)
        return box

    def toggle(self) -> None:
        if self.isVisible():
            self.dismiss()
        else:
            # Remember where the keys went (e.g. a jot being typed) to give focus back there.
            focus = self.window().focusWidget()
            self._return_to = focus if focus is not None and focus is not self else None
            self.setGeometry(self.parentWidget().rect())
            self.raise_()
            self.show()
            self.setFocus()

    def dismiss(self) -> None:
        if self.isVisible():
            self.hide()
            self._give_focus_back()
            self.closed.emit()

    def return_target(self) -> QWidget | None:
        """The widget that had the keys before the overlay opened, while it can take them."""
        target = getattr(self, "_return_to", None)
        return target if target is not None and target.isVisible() else None

    def _give_focus_back(self) -> QWidget | None:
        target = self.return_target()
        if target is not None:
            target.setFocus()
        return target

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F1) or event.text() == "?":
            self.dismiss()
            event.accept()
            return
        # Every other key goes where it would have gone without the overlay: into the text
        # being typed (a "p" in a jot is a letter, not "mark present"), or to the console, so
        # the overlay never blocks an action.
        self.hide()
        target = self._give_focus_back()
        self.closed.emit()
        if target is None:
            event.ignore()
            return
        QApplication.sendEvent(target, QKeyEvent(
            event.type(), event.key(), event.modifiers(), event.text(), event.isAutoRepeat(),
            event.count()))
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.dismiss()
        event.accept()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False
