"""An inline type-to-filter picker (no modal): a line to type in over a list of choices.

Used by the walk-in panel (W) and the topic picker (T in the segments panel). Typing filters
(locally, or by the owner through ``query_changed``), ↑/↓ move the highlight without leaving the
line, Enter picks the highlighted row (the first one by default), Esc closes. The chosen row's
``key`` (an id, never a name) is what the signal carries.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListView, QVBoxLayout, QWidget

from ..theme import follow, panel_style
from .style import scaled_font

ModelIndex = QModelIndex | QPersistentModelIndex
KeyRole = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class PickItem:
    key: object  # participant id, topic key, …
    text: str
    detail: str = ""

    def matches(self, words: list[str]) -> bool:
        haystack = f"{self.text} {self.detail}".casefold()
        return all(w in haystack for w in words)


class PickModel(QAbstractListModel):
    """The rows on show: ``text — detail``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[PickItem] = []

    def set_items(self, items: list[PickItem]) -> None:
        self.beginResetModel()
        self._rows = list(items)
        self.endResetModel()

    def item(self, row: int) -> PickItem | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt default
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{item.text}\n    {item.detail}" if item.detail else item.text
        if role == KeyRole:
            return item.key
        return None


class _Line(QLineEdit):
    """Hands ↑/↓/PgUp/PgDn and Esc to the panel so the caret never leaves the line."""

    moved = Signal(int)
    escaped = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -5,
                 Qt.Key.Key_PageDown: 5}
        if event.key() in steps:
            self.moved.emit(steps[event.key()])
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            return
        super().keyPressEvent(event)


class PickerPanel(QFrame):
    """Title, a line to type in, the matching rows and a hint."""

    chosen = Signal(object)
    """Enter on a row: its ``PickItem.key``."""
    query_changed = Signal(str)
    """The typed text changed (owners that filter themselves call ``set_items``)."""
    close_requested = Signal()

    def __init__(self, title: str, placeholder: str, hint: str, *, filter_locally: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pickerPanel")
        follow(self, lambda t: self.setStyleSheet(panel_style("pickerPanel", t)))
        self._local = filter_locally
        self._all: list[PickItem] = []
        self.title = QLabel(title)
        self.title.setFont(scaled_font(1.5, bold=True))
        self.title.setWordWrap(True)
        self.line = _Line()
        self.line.setPlaceholderText(placeholder)
        self.line.setFont(scaled_font(1.3))
        self.model = PickModel(self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setFont(scaled_font(1.15))
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.view.setWordWrap(True)
        self.view.setSpacing(2)
        self.view.setAlternatingRowColors(True)  # rows are two lines: keep them apart
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.hint = QLabel(hint)
        self.hint.setWordWrap(True)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 12, 16, 12)
        for widget in (self.title, self.line, self.view, self.status, self.hint):
            box.addWidget(widget)
        # A screen reader names the field by the panel's title (the placeholder vanishes as
        # soon as one types); the list is reached with the arrow keys from the field.
        self.line.setAccessibleName(title)
        self.line.setAccessibleDescription(hint)
        self.view.setAccessibleName(self.tr("Matches"))
        self.line.textEdited.connect(self._on_edited)
        self.line.returnPressed.connect(self._on_enter)
        self.line.moved.connect(self._move)
        self.line.escaped.connect(self.close_requested)
        self.view.clicked.connect(lambda index: self._choose(index.row()))

    def begin(self, items: list[PickItem], text: str = "") -> None:
        """Open with these choices (filtered by ``text``) and the caret in the line."""
        self._all = list(items)
        self.line.setText(text)
        self.status.clear()
        self._show(self._filtered(text) if self._local else items)
        self.line.setFocus()

    def set_items(self, items: list[PickItem]) -> None:
        """Replace the rows on show (owners filtering by ``query_changed``)."""
        self._all = list(items)
        self._show(items)

    def typed(self) -> str:
        return self.line.text().strip()

    def current(self) -> PickItem | None:
        return self.model.item(self.view.currentIndex().row())

    def show_problem(self, message: str) -> None:
        self.status.setText("⚠ " + message)

    def _filtered(self, text: str) -> list[PickItem]:
        words = text.casefold().split()
        return [i for i in self._all if i.matches(words)]

    def _show(self, items: list[PickItem]) -> None:
        self.model.set_items(items)
        if items:
            self.view.setCurrentIndex(self.model.index(0))

    def _on_edited(self, text: str) -> None:
        self.status.clear()
        if self._local:
            self._show(self._filtered(text))
        else:
            self.query_changed.emit(text)

    def _move(self, step: int) -> None:
        count = self.model.rowCount()
        if count:
            row = max(0, min(count - 1, self.view.currentIndex().row() + step))
            self.view.setCurrentIndex(self.model.index(row))

    def _on_enter(self) -> None:
        self._choose(self.view.currentIndex().row())

    def _choose(self, row: int) -> None:
        item = self.model.item(row)
        if item is not None:
            self.chosen.emit(item.key)
