"""Pick a group, see who is enrolled in it today."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import programs, roster
from facilitator.services.roster import ParticipantView
from facilitator.services.workspace import Workspace

from ..errors import attempt, user_message
from ..table_model import Column, RowsModel
from ..widgets import ErrorLabel, compact_rows, format_date


class GroupMembersView(QWidget):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.group_combo = QComboBox()
        self.count = QLabel()
        self.model: RowsModel[ParticipantView] = RowsModel([
            Column(self.tr("Chart ID"), lambda p: p.chart_id),
            Column(self.tr("Name"), lambda p: p.display_name),
            Column(self.tr("Pronouns"), lambda p: p.pronouns),
            Column(self.tr("Admitted"), lambda p: format_date(p.admission_date),
                   sort=lambda p: p.admission_date.isoformat()),
        ], self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().hide()
        compact_rows(self.view)
        self.view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.error = ErrorLabel()
        top = QHBoxLayout()
        caption = QLabel(self.tr("&Group:"))
        caption.setBuddy(self.group_combo)
        top.addWidget(caption)
        top.addWidget(self.group_combo, 1)
        top.addWidget(self.count)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.error)
        self.group_combo.currentIndexChanged.connect(self._on_group_changed)

    def refresh(self) -> None:
        current = self.group_combo.currentData()
        groups = attempt(lambda: programs.list_groups(self.ws), self._fail) or []
        self.group_combo.blockSignals(True)
        self.group_combo.clear()
        for g in groups:
            self.group_combo.addItem(f"{g.name} — {g.schedule_text}", g.id)
        if current is not None:
            self.group_combo.setCurrentIndex(max(0, self.group_combo.findData(current)))
        self.group_combo.blockSignals(False)
        self._on_group_changed()

    def _fail(self, error: BaseException) -> None:
        self.error.setText(user_message(error))

    def _on_group_changed(self) -> None:
        self.error.setText("")
        group_id = self.group_combo.currentData()
        if group_id is None:
            self.model.set_rows([])
            self.count.setText(self.tr("No groups yet."))
            return
        members = attempt(lambda: roster.group_members(self.ws, int(group_id)), self._fail)
        self.model.set_rows(members or [])
        self.count.setText(self.tr("%n member(s) today", "", len(members or [])))
