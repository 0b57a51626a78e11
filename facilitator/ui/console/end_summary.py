"""The end-of-block summary: attendance and minutes per participant, and what is unfinished.

"Write notes" asks for the notes queue at this session (``notes_requested``); the console
window passes that on to the main window.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, Signal
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

from facilitator.services.console.dto import EndRow, EndSummary, FlagView

from ..table_model import Column, RowsModel
from .flags import FlagsModel, FlagsPanel
from .style import ICON_CHECK, ICON_FLAG, ICON_OVERRUN, scaled_font

_STATUS = {"expected": "Not marked", "present": "Present", "late": "Late",
           "left_early": "Left early", "absent": "Absent", "excused": "Excused",
           "telehealth": "Telehealth"}


def _t(text: str) -> str:
    return QCoreApplication.translate("EndSummary", text)


def _done(done: bool) -> str:
    return f"{ICON_CHECK} " + _t("done") if done else "— " + _t("missing")


def _met(met: bool) -> str:
    return f"{ICON_CHECK} " if met else f"{ICON_OVERRUN} "


class SummaryModel(RowsModel[EndRow]):
    """One row per participant of the ended block."""

    def __init__(self, timezone: ZoneInfo, parent: QWidget | None = None) -> None:
        def hhmm(when: datetime | None) -> str:
            return f"{when.astimezone(timezone):%H:%M}" if when else "—"

        super().__init__([
            Column(_t("Participant"), lambda r: r.short_name),
            Column(_t("Status"), lambda r: _t(_STATUS.get(r.status, r.status))),
            Column(_t("Arrived"), lambda r: hhmm(r.arrived_at)),
            Column(_t("Left"), lambda r: hhmm(r.departed_at)),
            Column(_t("Minutes"), lambda r: _met(r.daily_met) + _t("{m} of {minimum}").format(
                m=r.minutes, minimum=r.daily_minimum)),
            Column(_t("This week"), lambda r: _met(r.weekly_met) + _t(
                "{h:.1f} of {minimum:g} h").format(h=r.week_minutes / 60,
                                                   minimum=r.weekly_minimum / 60)),
            Column(_t("Check-in"), lambda r: _done(r.checked_in)),
            Column(_t("Check-out"), lambda r: _done(r.checked_out)),
            Column(_t("Safety flags"), lambda r: f"{ICON_FLAG} " + _t("{n} open").format(
                n=r.open_flags) if r.open_flags else _t("none open")),
        ], parent)


class EndSummaryView(QFrame):
    """Table, unfinished items, the way to the notes and a close button."""

    close_requested = Signal()
    notes_requested = Signal()
    """The therapist wants to write this block's progress notes now."""

    def __init__(self, timezone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("endSummary")
        self.model = SummaryModel(timezone, self)
        self.title = QLabel()
        self.title.setFont(scaled_font(1.8, bold=True))
        self.table = QTableView()
        self.table.setAccessibleName(self.tr("End-of-block summary"))
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
        # Open safety flags stay addressable after the block: type the follow-up, Enter.
        self.flags = FlagsPanel(FlagsModel(timezone, self))
        # A few flags at a time: the attendance table above keeps the room.
        self.flags.list.setMaximumHeight(self.flags.list.fontMetrics().lineSpacing() * 5)
        self.flags.hide()
        self.notes_button = QPushButton(self.tr("Write &notes"))
        self.notes_button.setToolTip(self.tr("Open the notes queue at this session"))
        self.notes_button.clicked.connect(self.notes_requested)
        self.close_button = QPushButton(self.tr("Close console"))
        self.close_button.clicked.connect(self.close_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.notes_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addWidget(self.table, 1)
        box.addWidget(self.unfinished_title)
        box.addWidget(self.unfinished)
        box.addWidget(self.flags)
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

    def show_flags(self, flags: list[FlagView], names: dict[int, str]) -> None:
        """The open safety flags, addressable here; the keys go to the follow-up first."""
        self.flags.model.set_flags(flags, names)
        self.flags.setVisible(bool(flags))
        if flags:
            self.flags.begin_address()
            self.flags.hint.setText(self.tr("↑/↓ choose a flag · Enter records the follow-up "
                                            "with the time · Tab to Close console"))
