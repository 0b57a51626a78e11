"""Session info (I): co-facilitators, modality and location of this block, inline (no modal).

Tab moves between the fields; in the list Space ticks a co-facilitator (active therapists and
supervisors); Enter anywhere saves, Esc closes. The console calls ``set_modality`` and
``set_facilitators`` only for what changed, so each change is one undoable, audited action.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from facilitator.services.console.dto import FacilitatorChoice, SessionView

from ..theme import follow, panel_style
from .style import scaled_font

ModelIndex = QModelIndex | QPersistentModelIndex


class FacilitatorModel(QAbstractListModel):
    """Checkable co-facilitators: name, credentials, role."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[FacilitatorChoice] = []
        self._checked: set[int] = set()

    def set_choices(self, rows: list[FacilitatorChoice], checked: set[int]) -> None:
        self.beginResetModel()
        self._rows, self._checked = list(rows), set(checked)
        self.endResetModel()

    def checked(self) -> set[int]:
        return set(self._checked)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt default
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        user = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            creds = f", {user.credentials}" if user.credentials else ""
            return f"{user.display_name}{creds} ({self.tr(user.role)})"
        if role == Qt.ItemDataRole.CheckStateRole:
            return (Qt.CheckState.Checked if user.user_id in self._checked
                    else Qt.CheckState.Unchecked)
        return None

    def setData(self, index: ModelIndex, value: object,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        user_id = self._rows[index.row()].user_id
        if Qt.CheckState(value) == Qt.CheckState.Checked:  # type: ignore[call-overload]
            self._checked.add(user_id)
        else:
            self._checked.discard(user_id)
        self.dataChanged.emit(index, index, [role])
        return True


class _List(QListView):
    """Enter saves the panel (Space still ticks)."""

    entered = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.entered.emit()
            return
        super().keyPressEvent(event)


class SessionDetailsPanel(QFrame):
    """Modality, location and co-facilitators of the block."""

    save_requested = Signal()
    """Save ``values()``."""
    close_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPanel")
        self.setFont(scaled_font(1.15))  # labels and hints inherit it
        follow(self, lambda t: self.setStyleSheet(panel_style("detailsPanel", t)))
        title = QLabel(self.tr("Session info"))
        title.setFont(scaled_font(1.5, bold=True))
        self.lead = QLabel()
        self.lead.setWordWrap(True)
        self.modality = QComboBox()
        self.modality.setAccessibleName(self.tr("Modality"))
        self.modality.addItem(self.tr("In person"), "in_person")
        self.modality.addItem(self.tr("Telehealth"), "telehealth")
        self.location = QLineEdit()
        self.location.setAccessibleName(self.tr("Location"))
        self.location.setPlaceholderText(self.tr("Room or video link name"))
        self.people = FacilitatorModel(self)
        self.list = _List()
        self.list.setAccessibleName(self.tr("Co-facilitators"))
        self.list.setModel(self.people)
        self.list.setFont(scaled_font(1.1))
        self.nobody = QLabel(self.tr("No other active therapist or supervisor: an administrator "
                                     "adds staff under Users."))
        self.nobody.setWordWrap(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        follow(self.error, lambda t: self.error.setStyleSheet(f"color: {t.alert};"))
        form = QFormLayout()
        form.addRow(self.tr("Modality"), self.modality)
        form.addRow(self.tr("Location"), self.location)
        for widget in (self.modality, self.location):
            widget.setFont(scaled_font(1.2))
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 12, 16, 12)
        box.addWidget(title)
        box.addWidget(self.lead)
        box.addLayout(form)
        box.addWidget(QLabel(self.tr("Co-facilitators (Space ticks)")))
        box.addWidget(self.list, 1)
        box.addWidget(self.nobody)
        box.addWidget(self.error)
        box.addWidget(QLabel(self.tr("Tab next field · Enter saves · Esc closes")))
        self.location.returnPressed.connect(self.save_requested)
        self.list.entered.connect(self.save_requested)

    def begin(self, session: SessionView, choices: list[FacilitatorChoice],
              lead_name: str) -> None:
        self.lead.setText(self.tr("Lead facilitator: {name}").format(name=lead_name))
        self.modality.setCurrentIndex(max(0, self.modality.findData(session.modality)))
        self.location.setText(session.location)
        lead = session.lead_facilitator_id
        self.people.set_choices([c for c in choices if c.user_id != lead],
                                set(session.facilitator_ids) - {lead})
        if self.people.rowCount():
            self.list.setCurrentIndex(self.people.index(0))
        self.nobody.setVisible(not self.people.rowCount())
        self.error.clear()
        self.modality.setFocus()

    def values(self) -> tuple[str, str, set[int]]:
        """(modality, location, co-facilitator user ids)."""
        return str(self.modality.currentData()), self.location.text().strip(), self.people.checked()

    def show_problem(self, message: str) -> None:
        self.error.setText("⚠ " + message)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close_requested.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # e.g. from the combo box
            self.save_requested.emit()
            return
        super().keyPressEvent(event)
