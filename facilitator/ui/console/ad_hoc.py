"""An inline bar on the Today page for a session outside the schedule (a make-up group, an
extra day): pick the group and length, Enter starts it now. Not a dialog, so it never blocks
another running block's window."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from facilitator.services.programs import GroupView


class AdHocBar(QWidget):
    start_requested = Signal(int, int)
    """Group id and block length in minutes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = QComboBox()
        self.minutes = QSpinBox()
        self.minutes.setRange(15, 600)
        self.minutes.setSingleStep(15)
        self.minutes.setSuffix(self.tr(" min"))
        self.group.setAccessibleName(self.tr("Group of the ad hoc session"))
        self.minutes.setAccessibleName(self.tr("Length of the ad hoc session"))
        self.start = QPushButton(self.tr("Start &now"))
        self.cancel = QPushButton(self.tr("Cancel"))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(self.tr("Ad hoc session for")))
        row.addWidget(self.group, 1)
        row.addWidget(QLabel(self.tr("lasting")))
        row.addWidget(self.minutes)
        row.addWidget(self.start)
        row.addWidget(self.cancel)
        self.group.currentIndexChanged.connect(self._on_group_changed)
        self.start.clicked.connect(self._emit)
        self.cancel.clicked.connect(self.hide)
        self._groups: list[GroupView] = []

    def open(self, groups: list[GroupView]) -> None:
        self._groups = [g for g in groups if g.active]
        self.group.clear()
        for g in self._groups:
            self.group.addItem(f"{g.name} · {g.schedule_text}", g.id)
        self.start.setEnabled(bool(self._groups))
        self.show()
        self.group.setFocus()

    def _on_group_changed(self, row: int) -> None:
        if 0 <= row < len(self._groups):
            g = self._groups[row]
            length = (g.block_end.hour * 60 + g.block_end.minute
                      - g.block_start.hour * 60 - g.block_start.minute)
            self.minutes.setValue(max(15, length))

    def _emit(self) -> None:
        group_id = self.group.currentData()
        if group_id is not None:
            self.start_requested.emit(int(group_id), self.minutes.value())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._emit()
        elif event.key() == Qt.Key.Key_Escape:
            self.hide()
        else:
            super().keyPressEvent(event)
