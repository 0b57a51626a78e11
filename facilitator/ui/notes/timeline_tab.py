"""A participant's timeline in the roster: sessions, attendance, minutes, notes, scores and
flags over a date range, newest first; Enter on a row shows that note read-only below."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import notes
from facilitator.services.workspace import Workspace

from ..errors import attempt, user_message
from ..table_model import Column, RowsModel
from ..widgets import ErrorLabel, date_edit, from_qdate
from .render import STATE, STATUS, note_html

DEFAULT_DAYS = 90


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


class TimelineTab(QWidget):
    export_requested = Signal(int, date, date)
    """Export this participant's record for the shown range (participant id, from, to)."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.participant_id: int | None = None
        self.model: RowsModel[notes.TimelineEntry] = RowsModel([
            Column(self.tr("Date"), lambda t: f"{t.session_date:%a %d %b %Y}",
                   sort=lambda t: t.session_date),
            Column(self.tr("Group"), lambda t: t.group_name),
            Column(self.tr("Attendance"), lambda t: STATUS.get(t.attendance_status,
                                                               t.attendance_status)),
            Column(self.tr("Minutes"), lambda t: str(t.minutes), sort=lambda t: t.minutes),
            Column(self.tr("Note"), lambda t: STATE.get(t.note_state, t.note_state)),
            Column(self.tr("Mood / craving / anxiety"),
                   lambda t: f"{_num(t.mood)} / {_num(t.craving)} / {_num(t.anxiety)}"),
            Column(self.tr("Scores"), lambda t: ", ".join(
                f"{m} {total} ({band})" for m, total, band in t.scores)),
            Column(self.tr("Flags"), lambda t: " ".join(
                ("⚑ " + self.tr("open") if f.open else "✓") for f in t.flags)),
        ], self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Timeline"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        today = ws.today()
        self.start = date_edit(today - timedelta(days=DEFAULT_DAYS))
        self.end = date_edit(today)
        self.show_button = QPushButton(self.tr("Show"))
        self.export_button = QPushButton(self.tr("Export record (PDF)…"))
        self.summary = QLabel()
        self.error = ErrorLabel()
        self.note = QTextBrowser()
        self.note.setAccessibleName(self.tr("The selected note"))
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("From")))
        row.addWidget(self.start)
        row.addWidget(QLabel(self.tr("to")))
        row.addWidget(self.end)
        row.addWidget(self.show_button)
        row.addWidget(self.summary, 1)
        row.addWidget(self.export_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.note)
        box = QVBoxLayout(self)
        box.addLayout(row)
        box.addWidget(self.error)
        box.addWidget(split, 1)
        self.show_button.clicked.connect(self.reload)
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        self.export_button.clicked.connect(self._on_export)

    def show_participant(self, participant_id: int | None) -> None:
        self.participant_id = participant_id
        self.note.clear()
        self.reload()

    def reload(self) -> None:
        self.error.setText("")
        if self.participant_id is None:
            self.model.set_rows([])
            return
        pid, start, end = self.participant_id, from_qdate(self.start.date()), \
            from_qdate(self.end.date())
        rows = attempt(lambda: notes.participant_timeline(self.ws, pid, start, end),
                       lambda e: self.error.setText(user_message(e)))
        if rows is None:
            return
        self.model.set_rows(rows)
        attended = [r for r in rows if r.minutes]
        self.summary.setText(self.tr("{n} sessions · {h:.1f} h of service").format(
            n=len(attended), h=sum(r.minutes for r in rows) / 60))

    def _on_row(self, current, _previous) -> None:  # type: ignore[no-untyped-def]
        if not current.isValid() or self.participant_id is None:
            return
        entry = self.model.row_at(current.row())
        if entry.note_id is None:
            self.note.setPlainText(self.tr("No note for this session yet."))
            return
        view = attempt(lambda: notes.open_note(self.ws, entry.session_id, self.participant_id),
                       lambda e: self.error.setText(user_message(e)))
        if view is not None:
            self.note.setHtml(note_html(view, self.ws.timezone))

    def _on_export(self) -> None:
        if self.participant_id is not None:
            self.export_requested.emit(self.participant_id, from_qdate(self.start.date()),
                                       from_qdate(self.end.date()))
