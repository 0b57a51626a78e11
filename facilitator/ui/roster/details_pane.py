"""The selected participant's enrollments (enroll in a group, end an enrollment), treatment-plan
goals, drug-test results and open safety flags (addressed here after the block, by a facilitator
of that block or a supervisor)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import access, console, notes, programs, roster
from facilitator.services.console.dto import FlagView
from facilitator.services.roster import (
    DRUG_TEST_RESULTS,
    DrugTestView,
    EnrollmentView,
    GoalView,
    ParticipantView,
)
from facilitator.services.workspace import Workspace

from ..errors import attempt, user_message
from ..table_model import ROW_ID_ROLE, Column, RowsModel
from ..widgets import ErrorLabel, compact_rows, date_edit, format_date, from_qdate, scaled_font


def _table(model: RowsModel) -> QTableView:  # type: ignore[type-arg]
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    compact_rows(view)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class DetailsPane(QWidget):
    changed = Signal()
    """Something about the participant was saved (the roster row may need a refresh)."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.participant: ParticipantView | None = None
        self._build_ui()
        self._connect_signals()
        self.show_participant(None)

    # -- building --------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.title = QLabel()
        self.title.setFont(scaled_font(1.25, bold=True, base=self))
        self.title.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._enrollments_tab(), self.tr("Enrollments"))
        self.tabs.addTab(self._goals_tab(), self.tr("Goals"))
        self.tabs.addTab(self._tests_tab(), self.tr("Drug tests"))
        self.flags_tab = self._flags_tab()
        self.tabs.addTab(self.flags_tab, self.tr("Safety flags"))
        from ..notes.timeline_tab import TimelineTab  # notes UI loads with the roster page

        self.timeline = TimelineTab(self.ws)
        self.tabs.addTab(self.timeline, self.tr("Timeline && notes"))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.tabs, 1)

    def _enrollments_tab(self) -> QWidget:
        self.enrollment_model: RowsModel[EnrollmentView] = RowsModel([
            Column(self.tr("Group"), lambda e: e.group_name),
            Column(self.tr("From"), lambda e: format_date(e.start_date),
                   sort=lambda e: e.start_date.isoformat()),
            Column(self.tr("Until"), lambda e: format_date(e.end_date) or self.tr("ongoing"),
                   sort=lambda e: e.end_date.isoformat() if e.end_date else "9999"),
        ], self)
        self.enrollment_view = _table(self.enrollment_model)
        self.group_combo = QComboBox()
        # As wide as the longest group name ("Monday Morning IOP (demo)" was cut), each
        # item with its name as a tooltip should the pane still be narrower.
        self.group_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.enroll_start = date_edit(self._today())
        self.enroll_button = QPushButton(self.tr("&Enroll"))
        self.end_date = date_edit(self._today())
        self.end_button = QPushButton(self.tr("End &selected enrollment"))
        self.enrollment_error = ErrorLabel()
        enroll_row = QHBoxLayout()
        enroll_row.addWidget(QLabel(self.tr("Group:")))
        enroll_row.addWidget(self.group_combo, 1)
        enroll_row.addWidget(QLabel(self.tr("from")))
        enroll_row.addWidget(self.enroll_start)
        enroll_row.addWidget(self.enroll_button)
        end_row = QHBoxLayout()
        end_row.addStretch(1)
        end_row.addWidget(QLabel(self.tr("Last day:")))
        end_row.addWidget(self.end_date)
        end_row.addWidget(self.end_button)
        return self._tab(self.enrollment_view, enroll_row, end_row, self.enrollment_error)

    def _goals_tab(self) -> QWidget:
        self.goal_model: RowsModel[GoalView] = RowsModel([
            Column(self.tr("Goal"), lambda g: g.text),
            Column(self.tr("Status"), lambda g: g.status),
        ], self)
        self.goal_view = _table(self.goal_model)
        self.goal_text = QLineEdit()
        self.goal_text.setPlaceholderText(self.tr("New treatment-plan goal"))
        self.goal_button = QPushButton(self.tr("Add &goal"))
        self.goal_error = ErrorLabel()
        row = QHBoxLayout()
        row.addWidget(self.goal_text, 1)
        row.addWidget(self.goal_button)
        # The selected goal: its status, and the thread of notes that addressed it.
        self.goal_status = QComboBox()
        for code, label in (("open", self.tr("Open")), ("met", self.tr("Met")),
                            ("dropped", self.tr("Dropped"))):
            self.goal_status.addItem(label, code)
        self.goal_status_button = QPushButton(self.tr("Set &status"))
        self.goal_thread = QLabel()
        self.goal_thread.setWordWrap(True)
        row2 = QHBoxLayout()
        row2.addWidget(self.goal_thread, 1)
        row2.addWidget(self.goal_status)
        row2.addWidget(self.goal_status_button)
        return self._tab(self.goal_view, row, row2, self.goal_error)

    def _tests_tab(self) -> QWidget:
        self.test_model: RowsModel[DrugTestView] = RowsModel([
            Column(self.tr("Collected"), lambda t: format_date(t.collected_on),
                   sort=lambda t: t.collected_on.isoformat()),
            Column(self.tr("Result"), lambda t: t.result),
            Column(self.tr("Substances"), lambda t: t.substances),
        ], self)
        self.test_view = _table(self.test_model)
        self.test_date = date_edit(self._today())
        self.test_result = QComboBox()
        self.test_result.addItems(list(DRUG_TEST_RESULTS))
        self.test_substances = QLineEdit()
        self.test_substances.setPlaceholderText(self.tr("Substances (optional)"))
        self.test_button = QPushButton(self.tr("Add &result"))
        self.test_error = ErrorLabel()
        row = QHBoxLayout()
        row.addWidget(self.test_date)
        row.addWidget(self.test_result)
        row.addWidget(self.test_substances, 1)
        row.addWidget(self.test_button)
        return self._tab(self.test_view, row, None, self.test_error)

    def _flags_tab(self) -> QWidget:
        tz = self.ws.timezone
        self.flag_model: RowsModel[FlagView] = RowsModel([
            Column(self.tr("Raised"), lambda f: f"{f.raised_at.astimezone(tz):%Y-%m-%d %H:%M}"),
            Column(self.tr("Concern"), lambda f: f.message),
        ], self)
        self.flag_view = _table(self.flag_model)
        self.follow_up = QLineEdit()
        self.follow_up.setPlaceholderText(self.tr("Follow-up taken (what you did, who you "
                                                  "told)"))
        self.address_button = QPushButton(self.tr("Record follow-&up"))
        self.flag_error = ErrorLabel()
        row = QHBoxLayout()
        row.addWidget(self.follow_up, 1)
        row.addWidget(self.address_button)
        return self._tab(self.flag_view, row, None, self.flag_error)

    def _tab(self, view: QTableView, row: QHBoxLayout, row2: QHBoxLayout | None,
             error: ErrorLabel) -> QWidget:
        tab = QWidget()
        lay = QVBoxLayout(tab)
        lay.addWidget(view, 1)
        lay.addLayout(row)
        if row2 is not None:
            lay.addLayout(row2)
        lay.addWidget(error)
        return tab

    def _connect_signals(self) -> None:
        self.enroll_button.clicked.connect(self._on_enroll_clicked)
        self.end_button.clicked.connect(self._on_end_clicked)
        self.goal_button.clicked.connect(self._on_goal_clicked)
        self.goal_text.returnPressed.connect(self._on_goal_clicked)
        self.test_button.clicked.connect(self._on_test_clicked)
        self.address_button.clicked.connect(self._on_address_clicked)
        self.follow_up.returnPressed.connect(self._on_address_clicked)
        self.goal_status_button.clicked.connect(self._on_goal_status_clicked)
        self.goal_view.selectionModel().currentRowChanged.connect(self._on_goal_selected)

    # -- data ------------------------------------------------------------------------------
    def _today(self) -> date:
        return self.ws.today()

    def load_groups(self) -> None:
        current = self.group_combo.currentData()
        self.group_combo.clear()
        groups = attempt(lambda: programs.list_groups(self.ws),
                         lambda e: self._fail(self.enrollment_error, e))
        for g in groups or []:
            self.group_combo.addItem(g.name, g.id)
            self.group_combo.setItemData(self.group_combo.count() - 1, g.name,
                                         Qt.ItemDataRole.ToolTipRole)
        if current is not None:
            self.group_combo.setCurrentIndex(max(0, self.group_combo.findData(current)))

    def show_participant(self, p: ParticipantView | None) -> None:
        # Opening a different record is audited once; re-showing the same one (after a refresh
        # or an edit) is not a new access.
        opened = p is not None and (self.participant is None or self.participant.id != p.id)
        self.participant = p
        for label in (self.enrollment_error, self.goal_error, self.test_error, self.flag_error):
            label.setText("")
        self.tabs.setEnabled(p is not None)
        if p is None:
            self.title.setText(self.tr("Select a participant to see enrollments, goals and "
                                       "drug tests."))
            for model in (self.enrollment_model, self.goal_model, self.test_model,
                          self.flag_model):
                model.set_rows([])
            self.timeline.show_participant(None)
            return
        self.title.setText(f"{p.display_name} · {p.chart_id}")
        self._reload(log=opened)
        self.timeline.show_participant(p.id)

    def _reload(self, *, log: bool = False) -> None:
        p = self.participant
        if p is None:
            return
        record = attempt(lambda: access.open_participant(self.ws, p.id, log=log),
                         lambda e: self._fail(self.enrollment_error, e))
        if record is not None:
            self.enrollment_model.set_rows(record.enrollments)
            self.goal_model.set_rows(record.goals)
            self.test_model.set_rows(record.drug_tests)

        def flags() -> None:
            found = console.participant_open_flags(self.ws, p.id)
            self.flag_model.set_rows(found)
            if found:
                self.flag_view.selectRow(0)
            self.tabs.setTabText(self.tabs.indexOf(self.flags_tab), self.tr(
                "⚑ Safety flags ({n} open)").format(n=len(found)) if found
                else self.tr("Safety flags"))

        attempt(flags, lambda e: self._fail(self.enrollment_error, e))

    def _fail(self, label: ErrorLabel, error: BaseException) -> None:
        label.setText(user_message(error))

    def _run(self, label: ErrorLabel, action: Callable[[int], object]) -> bool:
        p = self.participant
        if p is None:
            return False
        label.setText("")
        ok = attempt(lambda: action(p.id) or True, lambda e: self._fail(label, e))
        if ok:
            self._reload()
            self.changed.emit()
        return bool(ok)

    # -- slots -----------------------------------------------------------------------------
    def _on_enroll_clicked(self) -> None:
        group_id = self.group_combo.currentData()
        if group_id is None:
            self.enrollment_error.setText(self.tr("There is no group to enroll in yet."))
            return
        start = from_qdate(self.enroll_start.date())
        self._run(self.enrollment_error,
                  lambda pid: roster.enroll(self.ws, pid, int(group_id), start))

    def _on_end_clicked(self) -> None:
        rows = self.enrollment_view.selectionModel().selectedRows()
        if not rows:
            self.enrollment_error.setText(self.tr("Select the enrollment to end first."))
            return
        enrollment_id = int(rows[0].data(ROW_ID_ROLE))
        end = from_qdate(self.end_date.date())
        self._run(self.enrollment_error,
                  lambda _pid: roster.end_enrollment(self.ws, enrollment_id, end))

    def _on_goal_clicked(self) -> None:
        text = self.goal_text.text()
        if self._run(self.goal_error, lambda pid: roster.add_goal(self.ws, pid, text)):
            self.goal_text.clear()

    def _selected_goal(self) -> GoalView | None:
        row = self.goal_view.currentIndex().row()
        return self.goal_model.row_at(row) if row >= 0 else None

    def _on_goal_selected(self, *_: object) -> None:
        goal = self._selected_goal()
        if goal is None:
            self.goal_thread.setText("")
            return
        self.goal_status.setCurrentIndex(max(0, self.goal_status.findData(goal.status)))
        thread = attempt(lambda: notes.goal_thread(self.ws, goal.id),
                         lambda e: self._fail(self.goal_error, e))
        if thread is None:
            return
        if not thread:
            self.goal_thread.setText(self.tr("No note has addressed this goal yet."))
            return
        recent = "; ".join(f"{t.session_date:%d %b} {t.rating}" for t in thread[:6])
        self.goal_thread.setText(self.tr("Addressed in {n} note(s): {recent}").format(
            n=len(thread), recent=recent))

    def _on_goal_status_clicked(self) -> None:
        goal = self._selected_goal()
        if goal is None:
            return
        status = self.goal_status.currentData()
        self._run(self.goal_error, lambda _pid: notes.update_goal(self.ws, goal.id,
                                                                  status=status))

    def _on_test_clicked(self) -> None:
        when = from_qdate(self.test_date.date())
        result, substances = self.test_result.currentText(), self.test_substances.text()
        if self._run(self.test_error,
                     lambda pid: roster.add_drug_test(self.ws, pid, when, result, substances)):
            self.test_substances.clear()

    def _on_address_clicked(self) -> None:
        rows = self.flag_view.selectionModel().selectedRows()
        if not rows:
            self.flag_error.setText(self.tr("There is no open safety flag to address."))
            return
        flag_id = int(rows[0].data(ROW_ID_ROLE))
        text = self.follow_up.text()
        if self._run(self.flag_error,
                     lambda _pid: console.address_flag(self.ws, flag_id, text)):
            self.follow_up.clear()
