"""Participant coverage: which topics and modules a participant attended, what they have not
had in their group's current cycle, and whether they are ready for step-down."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import roster
from facilitator.services.curriculum import coverage
from facilitator.services.curriculum.dto import CoverageView
from facilitator.services.workspace import Workspace

from ..errors import attempt, user_message
from ..pages import Page
from ..widgets import ErrorLabel, scaled_font
from .item_models import attended_model, module_coverage_model


class CoveragePage(Page):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.view: CoverageView | None = None
        self._build_ui()
        self.participant.currentIndexChanged.connect(self._load)

    def _build_ui(self) -> None:
        self.participant = QComboBox()
        self.participant.setAccessibleName(self.tr("Participant"))
        self.participant.setMinimumContentsLength(24)
        self.verdict = QLabel()
        self.verdict.setFont(scaled_font(1.2, bold=True, base=self))
        self.verdict.setWordWrap(True)
        self.modules_model = module_coverage_model(self)
        self.modules = QTableView()
        self.modules.setModel(self.modules_model)
        self.attended_model = attended_model(self)
        self.attended = QTableView()
        self.attended.setModel(self.attended_model)
        for table in (self.modules, self.attended):
            table.verticalHeader().hide()
            table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.not_yet = QListWidget()
        self.error = ErrorLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("&Participant:"), buddy=self.participant))
        top.addWidget(self.participant, 1)
        top.addStretch(1)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel(self.tr("Modules")))
        ll.addWidget(self.modules, 3)
        ll.addWidget(QLabel(self.tr("Not yet had in the current cycle")))
        ll.addWidget(self.not_yet, 1)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(QLabel(self.tr("Topics attended")))
        rl.addWidget(self.attended, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.verdict)
        lay.addWidget(split, 1)
        lay.addWidget(self.error)

    def refresh(self) -> None:
        people = attempt(lambda: roster.list_participants(self.ws, status="active"),
                         self._fail) or []
        current = self.participant.currentData()
        self.participant.blockSignals(True)
        self.participant.clear()
        for p in people:
            self.participant.addItem(f"{p.display_name} · {p.chart_id}", p.id)
        self.participant.setCurrentIndex(max(0, self.participant.findData(current)))
        self.participant.blockSignals(False)
        self._load()

    def _load(self) -> None:
        pid = self.participant.currentData()
        if pid is None:
            return
        view = attempt(lambda: coverage.participant_coverage(self.ws, pid), self._fail)
        if view is None:
            return
        self.view = view
        self.error.setText("")
        if view.ready_for_step_down:
            self.verdict.setText("✓ " + self.tr("Ready for step-down: every core module is "
                                                "covered."))
        else:
            self.verdict.setText("○ " + self.tr("Not yet ready for step-down. Core modules "
                                                "still to cover: {0}.").format(
                ", ".join(view.missing_core) or self.tr("none defined")))
        self.modules_model.set_rows(view.modules)
        self.attended_model.set_rows(view.attended)
        self.not_yet.clear()
        self.not_yet.addItems([f"{t.title} — {t.module_title}" for t in view.not_yet_in_cycle])
        self.modules.resizeColumnsToContents()
        self.modules.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def _fail(self, error: BaseException) -> None:
        self.error.setText(user_message(error))
