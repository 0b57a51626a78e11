"""Open safety flags: the list, and addressing one inline (type the follow-up, Enter). No modal.

The same panel raises a flag the facilitator observed (R on the board) for the selected
participant. Flags stay on the participant's tile until addressed; the service records the
follow-up with its time and audits it. Signals carry ids only; the console reads ``text()``.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListView, QVBoxLayout, QWidget

from facilitator.services.console.dto import FlagView

from ..theme import follow, panel_style
from .style import ICON_FLAG, scaled_font

ModelIndex = QModelIndex | QPersistentModelIndex
FlagIdRole = Qt.ItemDataRole.UserRole + 1


class FlagsModel(QAbstractListModel):
    """Open flags with the participant's name (names come from the board's rows)."""

    def __init__(self, timezone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tz = timezone
        self._flags: tuple[FlagView, ...] = ()
        self._names: dict[int, str] = {}

    def set_flags(self, flags: tuple[FlagView, ...], names: dict[int, str]) -> None:
        if flags == self._flags and names == self._names:
            return
        self.beginResetModel()
        self._flags, self._names = flags, names
        self.endResetModel()

    def flag_at(self, row: int) -> FlagView | None:
        return self._flags[row] if 0 <= row < len(self._flags) else None

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt default
        return 0 if parent.isValid() else len(self._flags)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._flags):
            return None
        flag = self._flags[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            name = self._names.get(flag.participant_id, self.tr("participant"))
            when = f"{flag.raised_at.astimezone(self._tz):%H:%M}"
            return f"{ICON_FLAG} {when}  {name}: {flag.message}"
        if role == FlagIdRole:
            return flag.id
        return None


class _Input(QLineEdit):
    """Up/Down move through the flag list while the cursor stays in the text."""

    moved = Signal(int)
    escaped = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.moved.emit(-1 if event.key() == Qt.Key.Key_Up else 1)
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            return
        super().keyPressEvent(event)


class FlagsPanel(QFrame):
    """Address mode: pick a flag (↑/↓), type the follow-up, Enter. Raise mode: type, Enter."""

    address_requested = Signal(int)
    """Record ``text()`` as the follow-up of this flag id."""
    raise_requested = Signal(int)
    """Raise a facilitator flag with ``text()`` for this participant id."""
    close_requested = Signal()

    def __init__(self, model: FlagsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("flagsPanel")
        follow(self, lambda t: self.setStyleSheet(panel_style("flagsPanel", t, frame=t.alert)))
        self._raise_for: int | None = None
        self.title = QLabel()
        self.title.setFont(scaled_font(1.5, bold=True))
        self.list = QListView()
        self.list.setModel(model)
        self.list.setFont(scaled_font(1.2))
        self.list.setWordWrap(True)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.input = _Input()
        self.input.setFont(scaled_font(1.3))
        self.input.setMaxLength(4000)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 12, 16, 12)
        for widget in (self.title, self.list, self.input, self.hint):
            box.addWidget(widget)
        self.list.setAccessibleName(self.tr("Open safety flags"))
        self.input.setAccessibleName(self.tr("Safety flag text"))
        self.input.returnPressed.connect(self._on_enter)
        self.input.moved.connect(self._on_moved)
        self.input.escaped.connect(self.close_requested)
        model.modelReset.connect(self._keep_selection)

    @property
    def model(self) -> FlagsModel:
        return self.list.model()  # type: ignore[return-value]

    def begin_address(self, participant_id: int | None = None) -> None:
        """Address mode; the selected participant's first open flag is preselected."""
        self._raise_for = None
        self.title.setText(f"{ICON_FLAG} " + self.tr("Open safety flags"))
        self.list.show()
        self.input.clear()
        self.input.setPlaceholderText(self.tr("Follow-up taken (what you did, who you told); "
                                              "Enter records it"))
        self.hint.setText(self.tr("↑/↓ choose a flag · Enter records the follow-up with the time "
                                  "· Esc back to the board"))
        row = 0
        for r in range(self.model.rowCount()):
            flag = self.model.flag_at(r)
            if flag is not None and flag.participant_id == participant_id:
                row = r
                break
        self._select(row)
        self.input.setFocus()

    def begin_raise(self, participant_id: int, name: str) -> None:
        self._raise_for = participant_id
        self.title.setText(f"{ICON_FLAG} " + self.tr("New safety flag: {name}").format(name=name))
        self.list.hide()
        self.input.clear()
        self.input.setPlaceholderText(self.tr("What did you observe? Enter raises the flag"))
        self.hint.setText(self.tr("The flag stays on the tile until addressed · Esc cancels"))
        self.input.setFocus()

    def text(self) -> str:
        return self.input.text()

    def done(self) -> None:
        self.input.clear()

    def selected_flag(self) -> FlagView | None:
        index = self.list.currentIndex()
        return self.model.flag_at(index.row()) if index.isValid() else None

    def _select(self, row: int) -> None:
        if self.model.rowCount():
            row = max(0, min(row, self.model.rowCount() - 1))
            self.list.setCurrentIndex(self.model.index(row, 0))

    def _keep_selection(self) -> None:
        self._select(0)

    def _on_moved(self, step: int) -> None:
        self._select(self.list.currentIndex().row() + step)

    def _on_enter(self) -> None:
        if self._raise_for is not None:
            self.raise_requested.emit(self._raise_for)
            return
        flag = self.selected_flag()
        if flag is None:
            self.hint.setText(self.tr("No open safety flags."))
            return
        self.address_requested.emit(flag.id)
