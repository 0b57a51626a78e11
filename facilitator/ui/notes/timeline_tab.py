"""A participant's timeline in the roster: sessions, attendance, minutes, notes, scores and
flags over a date range, newest first; Enter on a row shows that note read-only below."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
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

from facilitator.services import exports, notes
from facilitator.services.workspace import Workspace

from ..errors import attempt, user_message
from ..table_model import Column, RowsModel
from ..widgets import ErrorLabel, date_edit, from_qdate
from .export_bar import ExportBar, outcome_text
from .render import STATE, STATUS, note_html

DEFAULT_DAYS = 90


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


class TimelineTab(QWidget):
    """The timeline, exports of the record for the range, and the accounting of disclosures."""

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
        self.disclosures_button = QPushButton(self.tr("Disclosures…"))
        self.disclosures_button.setCheckable(True)
        self.export_bar = ExportBar()
        self.disclosure_model: RowsModel[exports.DisclosureView] = RowsModel([
            Column(self.tr("When"), lambda d: f"{d.at.astimezone(ws.timezone):%d %b %Y %H:%M}",
                   sort=lambda d: d.at),
            Column(self.tr("By"), lambda d: d.by),
            Column(self.tr("Recipient"), lambda d: d.recipient),
            Column(self.tr("Purpose"), lambda d: d.purpose),
            Column(self.tr("Document"), lambda d: f"{d.document_type} · {d.file_name}"),
        ], self)
        self.disclosure_table = QTableView()
        self.disclosure_table.setModel(self.disclosure_model)
        self.disclosure_table.verticalHeader().hide()
        self.disclosure_table.horizontalHeader().setStretchLastSection(True)
        self.disclosure_log_button = QPushButton(self.tr("Export the disclosure log…"))
        self.disclosure_box = QWidget()
        dbox = QVBoxLayout(self.disclosure_box)
        dbox.setContentsMargins(0, 0, 0, 0)
        dbox.addWidget(QLabel(self.tr("<b>Accounting of disclosures</b> (releases outside the "
                                      "clinic)")))
        dbox.addWidget(self.disclosure_table)
        dbox.addWidget(self.disclosure_log_button)
        self.disclosure_box.hide()
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
        row.addStretch(1)
        row.addWidget(self.export_button)
        row.addWidget(self.disclosures_button)
        # The count and hours on a line of their own: beside the buttons, a long summary made
        # the tab wider than a 1280-pixel screen leaves it, and cut its right edge off.
        self.summary.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.note)
        box = QVBoxLayout(self)
        box.addLayout(row)
        box.addWidget(self.summary)
        box.addWidget(self.error)
        box.addWidget(split, 1)
        box.addWidget(self.disclosure_box)
        box.addWidget(self.export_bar)
        self.show_button.clicked.connect(self.reload)
        self.disclosures_button.toggled.connect(self._on_disclosures_toggled)
        self.disclosure_log_button.clicked.connect(self._on_export_log)
        self.export_bar.finished.connect(lambda _ok: self._load_disclosures())
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        self.export_button.clicked.connect(self._on_export)

    def show_participant(self, participant_id: int | None) -> None:
        self.participant_id = participant_id
        self.note.clear()
        self.export_bar.hide()
        self.reload()
        self._load_disclosures()

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
        pid, ws = self.participant_id, self.ws
        if pid is None:
            return
        start, end = from_qdate(self.start.date()), from_qdate(self.end.date())
        self.export_bar.ask(
            self.tr("Export the record {start} – {end}: signed notes with addenda, attendance, "
                    "weekly hours and the trend chart").format(start=f"{start:%d %b %Y}",
                                                               end=f"{end:%d %b %Y}"),
            lambda folder, release, _op: outcome_text(self, exports.export_participant_record(
                ws, pid, start, end, folder, release=release)))

    def _on_export_log(self) -> None:
        pid, ws = self.participant_id, self.ws
        if pid is not None:
            self.export_bar.ask(self.tr("Export the accounting of disclosures"),
                                lambda folder, _release, _op: outcome_text(
                                    self, exports.export_disclosure_log(ws, pid, folder)),
                                allow_release=False)

    def _on_disclosures_toggled(self, shown: bool) -> None:
        self.disclosure_box.setVisible(shown)
        if shown:
            self._load_disclosures()

    def _load_disclosures(self) -> None:
        if self.participant_id is None or not self.disclosure_box.isVisible():
            return
        pid = self.participant_id
        rows = attempt(lambda: exports.disclosures(self.ws, pid),
                       lambda e: self.error.setText(user_message(e)))
        if rows is not None:
            self.disclosure_model.set_rows(rows)
