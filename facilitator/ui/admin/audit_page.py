"""The audit log: newest events first, filtered by action, login and dates, and a check that the
hash chain (and the rest of the database) is intact."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import audit
from facilitator.services.audit import AuditRow
from facilitator.services.sync import audit_travel
from facilitator.services.workspace import Workspace

if TYPE_CHECKING:
    from facilitator.services.maintenance import IntegrityReport

from ..errors import attempt, user_message
from ..ops import Op, run_cancellable
from ..pages import Page
from ..table_model import Column, RowsModel
from ..widgets import ErrorLabel, InfoLabel, OptionalDateEdit, compact_rows
from . import audit_text


class AuditTableModel(RowsModel[AuditRow]):
    """Details as a sentence (``audit_text.describe``), the stored JSON in the tooltip and,
    with ``set_raw(True)``, in the column itself."""

    def __init__(self, ws: Workspace, parent: QObject | None = None) -> None:
        tz = ws.timezone
        self.raw = False
        super().__init__([
            Column(self.tr("Time"), lambda e: f"{e.at.astimezone(tz):%Y-%m-%d %H:%M:%S}",
                   sort=lambda e: e.at),
            Column(self.tr("Device"), lambda e: e.device[:8] or self.tr("this laptop"),
                   tooltip=lambda e: e.device or self.tr("this laptop")),
            Column(self.tr("User"), lambda e: e.login),
            Column(self.tr("Action"), lambda e: e.action),
            Column(self.tr("Entity"), lambda e: e.entity),
            Column(self.tr("ID"), lambda e: e.entity_id),
            Column(self.tr("Details"),
                   lambda e: audit_text.raw(e.details) if self.raw
                   else audit_text.describe(e.action, e.details),
                   tooltip=lambda e: audit_text.raw(e.details)),
        ], parent)

    def set_raw(self, raw: bool) -> None:
        self.raw = raw
        if self.rowCount():
            last = self.columnCount() - 1
            self.dataChanged.emit(self.index(0, last), self.index(self.rowCount() - 1, last))


class AuditPage(Page):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self._build_ui()
        self._connect_signals()
        self.refresh()

    def _build_ui(self) -> None:
        today = self._today()
        self.action = QLineEdit()
        self.action.setPlaceholderText(self.tr("e.g. login, participant."))
        self.login = QLineEdit()
        self.since = OptionalDateEdit(today - timedelta(days=30), None)
        self.until = OptionalDateEdit(today, None)
        self.apply_button = QPushButton(self.tr("&Show"))
        self.verify_button = QPushButton(self.tr("&Verify chain and database"))
        form = QFormLayout()
        row1 = QHBoxLayout()
        row1.addWidget(self.action, 1)
        user_caption = QLabel(self.tr("&User:"))
        user_caption.setBuddy(self.login)
        row1.addWidget(user_caption)
        row1.addWidget(self.login, 1)
        row2 = QHBoxLayout()
        row2.addWidget(self.since)
        to_caption = QLabel(self.tr("t&o"))
        to_caption.setBuddy(self.until)
        row2.addWidget(to_caption)
        row2.addWidget(self.until)
        row2.addStretch(1)
        row2.addWidget(self.apply_button)
        action_caption = QLabel(self.tr("&Action starts with:"))
        action_caption.setBuddy(self.action)
        from_caption = QLabel(self.tr("Fro&m:"))  # Alt+F opens the File menu
        from_caption.setBuddy(self.since)
        form.addRow(action_caption, row1)
        form.addRow(from_caption, row2)

        self.model = AuditTableModel(self.ws, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        compact_rows(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.count = QLabel()
        self.raw_box = QCheckBox(self.tr("Show &raw details"))
        self.raw_box.setToolTip(self.tr("The details exactly as stored in the audit chain"))
        # The head hash, so a clinic can note it on paper (see README: the audit trail).
        self.head = QLabel()
        self.head.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.head.setToolTip(self.tr(
            "Note this number and hash on paper now and then: later, 'Verify' and the"
            " backups can prove that no event up to it was removed or rewritten."))
        self.error = ErrorLabel()
        self.verify_result = InfoLabel()
        self.verify_lines = QPlainTextEdit()
        self.verify_lines.setReadOnly(True)
        self.verify_lines.setMaximumHeight(self.fontMetrics().lineSpacing() * 8)
        self.verify_lines.hide()
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.raw_box)
        bottom.addWidget(self.verify_button)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.head)
        lay.addWidget(self.error)
        lay.addLayout(bottom)
        lay.addWidget(self.verify_result)
        lay.addWidget(self.verify_lines)

    def _connect_signals(self) -> None:
        self.apply_button.clicked.connect(self.refresh)
        self.action.returnPressed.connect(self.refresh)
        self.login.returnPressed.connect(self.refresh)
        self.verify_button.clicked.connect(self._on_verify)
        self.raw_box.toggled.connect(self.model.set_raw)

    def _today(self) -> date:
        return self.ws.today()

    def _utc(self, day: date) -> datetime:
        """Midnight of ``day`` in the clinic's zone, as UTC (the stored form)."""
        return datetime.combine(day, time(), self.ws.timezone).astimezone(UTC)

    def refresh(self) -> None:
        self.error.setText("")
        since, until = self.since.value(), self.until.value()
        rows = attempt(lambda: audit_travel.clinic_events(
            self.ws, action_prefix=self.action.text().strip(), login=self.login.text().strip(),
            since=self._utc(since) if since else None,
            until=self._utc(until + timedelta(days=1)) if until else None,
        ), self._fail)
        if rows is None:
            return
        self.model.set_rows(rows)
        self.count.setText(self.tr("%n event(s)", "", len(rows)))
        head = attempt(lambda: audit.chain_head(self.ws), self._fail)
        if head is not None:
            self.head.setText(self.tr("Newest event: #{0}   hash {1}").format(
                head.events, head.head_hash))

    def _fail(self, error: BaseException) -> None:
        self.error.setText(user_message(error))

    def _on_verify(self) -> None:
        self.error.setText("")
        self.verify_result.setText("")
        ws = self.ws

        def verify(op: Op) -> IntegrityReport:  # on a worker thread; the checks in a process
            from facilitator.services import verify_process

            return verify_process.verify_isolated(ws, progress=op.report)

        run_cancellable(self, verify, on_success=self._show_report, on_failure=self._fail,
                        busy=[self.verify_button], busy_text=self.tr("Verifying…"),
                        progress=self.verify_result.setText)

    def _show_report(self, report: IntegrityReport) -> None:
        if report.ok:
            self.verify_result.setText(self.tr("✓ The audit chain and the database are intact."))
        else:
            self.verify_result.setText(self.tr("⚠ Problem found: {0}").format(
                report.first_problem or ""))
        self.verify_lines.setPlainText("\n".join(report.lines))
        self.verify_lines.setVisible(bool(report.lines))
