"""The end-of-block summary: attendance and minutes per participant, and what is unfinished.

"Write notes" is shown but disabled: progress notes arrive in a later release, and the button
says so in its tooltip rather than pretending to work.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator.services.console.dto import EndRow, EndSummary

from .style import ICON_CHECK, ICON_FLAG, ICON_OVERRUN, scaled_font

ModelIndex = QModelIndex | QPersistentModelIndex
_STATUS = {"expected": "Not marked", "present": "Present", "late": "Late",
           "left_early": "Left early", "absent": "Absent", "excused": "Excused",
           "telehealth": "Telehealth"}


class SummaryModel(QAbstractTableModel):
    """One row per participant of the ended block."""

    COLUMNS = ("name", "status", "arrived", "left", "minutes", "week", "checkin", "checkout",
               "flags")

    def __init__(self, timezone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tz = timezone
        self._rows: tuple[EndRow, ...] = ()

    def set_rows(self, rows: tuple[EndRow, ...]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt default
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        titles = (self.tr("Participant"), self.tr("Status"), self.tr("Arrived"), self.tr("Left"),
                  self.tr("Minutes"), self.tr("This week"), self.tr("Check-in"),
                  self.tr("Check-out"),
                  self.tr("Safety flags"))
        return titles[section] if 0 <= section < len(titles) else None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self._rows[index.row()]
        column = self.COLUMNS[index.column()]
        if column == "name":
            return row.short_name
        if column == "status":
            return self.tr(_STATUS.get(row.status, row.status))
        if column == "arrived":
            return self._hhmm(row.arrived_at)
        if column == "left":
            return self._hhmm(row.departed_at)
        if column == "minutes":
            mark = f"{ICON_CHECK} " if row.daily_met else f"{ICON_OVERRUN} "
            return mark + self.tr("{m} of {minimum}").format(m=row.minutes,
                                                             minimum=row.daily_minimum)
        if column == "week":
            mark = f"{ICON_CHECK} " if row.weekly_met else f"{ICON_OVERRUN} "
            return mark + self.tr("{h:.1f} of {minimum:g} h").format(
                h=row.week_minutes / 60, minimum=row.weekly_minimum / 60)
        if column == "checkin":
            return self._done(row.checked_in)
        if column == "checkout":
            return self._done(row.checked_out)
        return f"{ICON_FLAG} " + self.tr("{n} open").format(n=row.open_flags) \
            if row.open_flags else self.tr("none open")

    def _done(self, done: bool) -> str:
        return f"{ICON_CHECK} " + self.tr("done") if done else "— " + self.tr("missing")

    def _hhmm(self, when: datetime | None) -> str:
        return f"{when.astimezone(self._tz):%H:%M}" if when else "—"


class EndSummaryView(QFrame):
    """Table, unfinished items, the (disabled) notes entry point and a close button."""

    close_requested = Signal()

    def __init__(self, timezone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("endSummary")
        self.model = SummaryModel(timezone, self)
        self.title = QLabel()
        self.title.setFont(scaled_font(1.8, bold=True))
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setFont(scaled_font(1.15))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.unfinished_title = QLabel(self.tr("Still to do"))
        self.unfinished_title.setFont(scaled_font(1.3, bold=True))
        self.unfinished = QLabel()
        self.unfinished.setWordWrap(True)
        self.unfinished.setFont(scaled_font(1.15))
        self.notes_button = QPushButton(self.tr("Write notes"))
        self.notes_button.setEnabled(False)
        self.notes_button.setToolTip(self.tr("Progress notes arrive in a later release"))
        notes_hint = QLabel(self.tr("Progress notes arrive in a later release."))
        self.close_button = QPushButton(self.tr("Close console"))
        self.close_button.clicked.connect(self.close_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.notes_button)
        buttons.addWidget(notes_hint)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addWidget(self.table, 1)
        box.addWidget(self.unfinished_title)
        box.addWidget(self.unfinished)
        box.addLayout(buttons)

    def show_summary(self, summary: EndSummary) -> None:
        s = summary.session
        self.title.setText(self.tr("{group} — block summary, {day}").format(
            group=s.group_name, day=f"{s.session_date:%a %d %b %Y}"))
        self.model.set_rows(summary.rows)
        if summary.unfinished:
            self.unfinished.setText("\n".join(f"{ICON_OVERRUN} {line}"
                                              for line in summary.unfinished))
        else:
            self.unfinished.setText(f"{ICON_CHECK} " + self.tr("Nothing left open."))
        self.close_button.setFocus()
