"""The rotation plan editor: a group's cycle as a grid of (week, module slot) × meeting day,
a topic picker, and the calendar of upcoming sessions with their planned topics.

Keyboard: arrows move between cells; Enter (in the grid or the topic list) puts the picked topic
in the current cell; Ctrl+arrow moves the cell's topic in that direction (swapping); Delete
clears. Topics can also be dragged from the list onto a cell, or from cell to cell. Every edit
is saved at once (one service call); there is no Save button.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import programs
from facilitator.services.curriculum import library, planning
from facilitator.services.curriculum.dto import PlanView
from facilitator.services.workspace import Workspace

from ..errors import attempt, user_message
from ..pages import Page
from ..widgets import ErrorLabel, InfoLabel
from .item_models import CalendarModel, PlanGridModel, TopicTableModel, weekday_name

MOVES = {Qt.Key.Key_Up: (-1, 0), Qt.Key.Key_Down: (1, 0), Qt.Key.Key_Left: (0, -1),
         Qt.Key.Key_Right: (0, 1)}


class PlanGridView(QTableView):
    """The grid, with the plan editor's keys (see the module docstring)."""

    assign_requested = Signal()  # Enter: put the picked topic into the current cell

    def keyPressEvent(self, event: QKeyEvent) -> None:
        model = self.model()
        current = self.currentIndex()
        key = Qt.Key(event.key())
        if isinstance(model, PlanGridModel) and current.isValid():
            if key in MOVES and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                dr, dc = MOVES[key]
                target = model.index(current.row() + dr, current.column() + dc)
                if target.isValid() and model.swap(current, target):
                    self.setCurrentIndex(target)
                event.accept()
                return
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                model.clear(current)
                event.accept()
                return
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.assign_requested.emit()
                event.accept()
                return
        super().keyPressEvent(event)


class TopicPickerView(QTableView):
    assign_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.assign_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class PlanEditorPage(Page):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.plan: PlanView | None = None
        self._titles: dict[str, str] = {}
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.group = QComboBox()
        self.group.setAccessibleName(self.tr("Group"))
        self.cycle = QSpinBox()
        self.cycle.setRange(1, planning.MAX_CYCLE_WEEKS)
        self.cycle.setSuffix(self.tr(" weeks"))
        self.cycle.setKeyboardTracking(False)
        self.grid_model = PlanGridModel(self)
        self.grid = PlanGridView()
        self.grid.setModel(self.grid_model)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.grid.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.grid.setDragDropOverwriteMode(True)
        self.grid.setWordWrap(True)
        self.grid.setAccessibleName(self.tr("Rotation plan"))
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Room for a two-line title plus padding, so wrapped titles are never clipped.
        self.grid.verticalHeader().setMinimumSectionSize(self.fontMetrics().lineSpacing() * 3)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Find a topic"))
        self.search.setClearButtonEnabled(True)
        self.picker_model = TopicTableModel(self, compact=True)
        self.picker = TopicPickerView()
        self.picker.setModel(self.picker_model)
        self.picker.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.picker.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.picker.setDragEnabled(True)
        self.picker.verticalHeader().hide()
        self.picker.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.picker.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.picker.horizontalHeader().resizeSection(
            1, self.fontMetrics().horizontalAdvance("M" * 11))
        self.picker.setWordWrap(False)
        self.picker.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.assign_button = QPushButton(self.tr("&Put in cell"))
        self.clear_button = QPushButton(self.tr("&Clear cell"))
        self.retired_note = ErrorLabel()
        self.error = ErrorLabel()
        self.help = InfoLabel(self.tr(
            "Enter puts the picked topic in the cell · Ctrl+arrow moves a topic · Delete clears "
            "· drag topics onto cells or between cells. Changes are saved at once."))
        self.calendar_model = CalendarModel(self)
        self.calendar = QTableView()
        self.calendar.setModel(self.calendar_model)
        self.calendar.verticalHeader().hide()
        self.calendar.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.calendar.horizontalHeader().setStretchLastSection(True)
        self.calendar.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("&Group:"), buddy=self.group))
        top.addWidget(self.group, 1)
        top.addWidget(QLabel(self.tr("C&ycle:"), buddy=self.cycle))
        top.addWidget(self.cycle)
        top.addStretch(1)
        picker_box = QWidget()
        pl = QVBoxLayout(picker_box)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(self.search)
        pl.addWidget(self.picker, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.assign_button)
        buttons.addWidget(self.clear_button)
        pl.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.grid)
        split.addWidget(picker_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([780, 420])
        vsplit = QSplitter(Qt.Orientation.Vertical)
        vsplit.addWidget(split)
        cal_box = QWidget()
        cl = QVBoxLayout(cal_box)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(QLabel(self.tr("Upcoming sessions (next 4 weeks)")))
        cl.addWidget(self.calendar, 1)
        vsplit.addWidget(cal_box)
        vsplit.setStretchFactor(0, 3)
        vsplit.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.help)
        lay.addWidget(self.retired_note)
        lay.addWidget(vsplit, 1)
        lay.addWidget(self.error)

    def _connect_signals(self) -> None:
        self.group.currentIndexChanged.connect(self._load_plan)
        self.cycle.valueChanged.connect(self._on_cycle_changed)
        self.search.textChanged.connect(self._load_topics)
        self.grid_model.plan_edited.connect(self._save)
        self.grid_model.topic_dropped.connect(self._on_topic_dropped)
        self.grid.assign_requested.connect(self._assign)
        self.picker.assign_requested.connect(self._assign)
        self.picker.doubleClicked.connect(self._assign)
        self.assign_button.clicked.connect(self._assign)
        self.clear_button.clicked.connect(lambda: self.grid_model.clear(self.grid.currentIndex()))

    # -- loading -----------------------------------------------------------------------------
    def refresh(self) -> None:
        groups = attempt(lambda: programs.list_groups(self.ws), self._fail) or []
        current = self.group.currentData()
        self.group.blockSignals(True)
        self.group.clear()
        for g in groups:
            self.group.addItem(f"{g.name} ({g.schedule_text})", g.id)
        self.group.setCurrentIndex(max(0, self.group.findData(current)))
        self.group.blockSignals(False)
        self._load_topics()
        self._load_plan()

    def _load_topics(self) -> None:
        rows = attempt(lambda: library.search_topics(self.ws, self.search.text()), self._fail)
        if rows is not None:
            self.picker_model.set_rows(rows)
            self._titles.update({r.key: r.title for r in rows})
            if rows:
                self.picker.selectRow(0)

    def _load_plan(self) -> None:
        group_id = self.group.currentData()
        if group_id is None:
            return
        plan = attempt(lambda: planning.get_plan(self.ws, group_id), self._fail)
        if plan is not None:
            self._show_plan(plan)

    def _show_plan(self, plan: PlanView) -> None:
        keep = self.grid.currentIndex()
        self.plan = plan
        self.grid_model.set_plan(plan)
        self.cycle.blockSignals(True)
        self.cycle.setValue(plan.cycle_weeks)
        self.cycle.blockSignals(False)
        self.grid.setCurrentIndex(self.grid_model.index(max(keep.row(), 0),
                                                        max(keep.column(), 0)))
        retired, unplaced = plan.retired_cells, plan.unplaced_cells
        notes = [self.tr("{0} planned topic(s) are retired: {1}. Replace them before those"
                         " sessions.").format(len(retired),
                                              ", ".join(sorted({c.title for c in retired})))
                 ] if retired else []
        if unplaced:
            notes.append(self.tr(
                "{0} planned topic(s) have no module slot in this block (planned in the same"
                " slot on another laptop, or the block has fewer modules now): {1}. The next"
                " change to the plan leaves them out; place them again if they are"
                " wanted.").format(len(unplaced), "; ".join(
                    self.tr("week {0}, {1}: {2}").format(
                        c.week + 1, weekday_name(c.weekday), c.title)
                    for c in sorted(unplaced, key=lambda c: (c.week, c.weekday, c.slot)))))
        self.retired_note.setText("\n".join(notes))
        days = attempt(lambda: planning.calendar(self.ws, plan.group_id), self._fail) or []
        self.calendar_model.set_days(days, plan.slots)
        self.calendar.resizeColumnsToContents()

    # -- edits -------------------------------------------------------------------------------
    def _picked_key(self) -> str | None:
        rows = self.picker.selectionModel().selectedRows()
        return self.picker_model.row_at(rows[0].row()).key if rows else None

    def _assign(self, *_: object) -> None:
        key = self._picked_key()
        if key is not None:
            self.grid_model.assign(self.grid.currentIndex(), key, self._titles.get(key, key))

    def _on_topic_dropped(self, key: str, row: int, column: int) -> None:
        index = self.grid_model.index(row, column)
        self.grid.setCurrentIndex(index)
        self.grid_model.assign(index, key, self._titles.get(key, key))

    def _on_cycle_changed(self, weeks: int) -> None:
        if self.plan is not None:
            self._save(weeks)

    def _save(self, weeks: int | None = None) -> None:
        if self.plan is None:
            return
        cycle = weeks or self.cycle.value()
        entries = [e for e in self.grid_model.entries() if e.week < cycle]
        self.error.setText("")
        plan = attempt(lambda: planning.save_plan(self.ws, self.plan.group_id, cycle, entries),
                       self._fail)
        # Reload either way: on failure the grid goes back to what is stored.
        if plan is not None:
            self._show_plan(plan)
        else:
            self._load_plan()

    def _fail(self, error: BaseException) -> None:
        self.error.setText(user_message(error))

    def current_cell(self) -> QModelIndex:
        return self.grid.currentIndex()
