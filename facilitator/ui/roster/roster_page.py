"""The roster page: search, the participant table, add/edit, the details pane, group members."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import access, programs, roster
from facilitator.services.errors import NeedsConfirmation
from facilitator.services.roster import ParticipantView
from facilitator.services.workspace import Workspace

from ..errors import attempt, user_message
from ..pages import Page
from ..widgets import ErrorLabel, compact_rows
from .details_pane import DetailsPane
from .group_members import GroupMembersView
from .participant_form import ParticipantForm
from .participant_model import ParticipantFilterProxy, ParticipantTableModel


class RosterPage(Page):
    _last_search = ""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.form: ParticipantForm | None = None
        self._build_ui()
        self._connect_signals()
        self.refresh()

    def _build_ui(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search chart ID or name (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(self.tr("Search participants"))
        self.add_button = QPushButton(self.tr("&Add participant…"))
        self.edit_button = QPushButton(self.tr("&Edit…"))
        self.count = QLabel()
        self.error = ErrorLabel()

        self.model = ParticipantTableModel(self)
        self.proxy = ParticipantFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(ParticipantTableModel.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        compact_rows(self.table)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.details = DetailsPane(self.ws)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        top.addWidget(self.add_button)
        top.addWidget(self.edit_button)
        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        left_lay.addLayout(top)
        left_lay.addWidget(self.table, 1)
        left_lay.addWidget(self.error)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        chars = self.fontMetrics().averageCharWidth()
        splitter.setSizes([chars * 140, chars * 50])

        self.members = GroupMembersView(self.ws)
        self.tabs = QTabWidget()
        self.tabs.addTab(splitter, self.tr("&Participants"))
        self.tabs.addTab(self.members, self.tr("Group &members"))
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs)

        self.find_shortcut = QShortcut(QKeySequence.StandardKey.Find, self)
        self.find_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _connect_signals(self) -> None:
        self.search.textChanged.connect(self._on_search_changed)
        self.search.editingFinished.connect(self._on_search_finished)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.edit_button.clicked.connect(self._on_edit_clicked)
        self.table.doubleClicked.connect(self._on_edit_clicked)
        self.table.activated.connect(self._on_edit_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.find_shortcut.activated.connect(self._on_find)
        self.details.changed.connect(self.refresh)
        self.tabs.currentChanged.connect(self._on_tab_changed)

    # -- data ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload from the database, keeping the selected participant selected."""
        selected = self.selected_id()
        rows = attempt(lambda: roster.list_participants(self.ws), self._fail)
        if rows is None:
            return
        first_load = self.model.rowCount() == 0
        self.model.set_rows(rows)
        if first_load:
            self.table.resizeColumnsToContents()
        self.details.load_groups()
        self._update_count()
        if selected is not None:
            self.select_id(selected)
        else:
            self.details.show_participant(None)

    def _fail(self, error: BaseException) -> None:
        self.error.setText(user_message(error))

    def _today(self) -> date:
        return self.ws.today()

    def _update_count(self) -> None:
        self.count.setText(self.tr("{0} of {1}").format(self.proxy.rowCount(),
                                                        self.model.rowCount()))

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.id_at(rows[0].row()) if rows else None

    def selected(self) -> ParticipantView | None:
        pid = self.selected_id()
        row = self.model.row_of_id(pid) if pid is not None else -1
        return self.model.row_at(row) if row >= 0 else None

    def select_id(self, participant_id: int) -> None:
        row = self.model.row_of_id(participant_id)
        if row < 0:
            self.table.clearSelection()
            self.details.show_participant(None)
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.table.selectRow(index.row())
            self.table.scrollTo(index)
        self.details.show_participant(self.model.row_at(row))

    # -- slots -----------------------------------------------------------------------------
    def _on_find(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_search_changed(self, text: str) -> None:
        self.proxy.set_search_text(text)
        self._update_count()

    def _on_search_finished(self) -> None:
        # One audit event per finished search (Enter or leaving the box), not per keystroke.
        text = self.search.text().strip()
        if text and text != self._last_search:
            self._last_search = text
            attempt(lambda: access.record_search(self.ws, text, self.proxy.rowCount()),
                    self._fail)

    def _on_selection_changed(self, _sel: QItemSelection, _desel: QItemSelection) -> None:
        self.details.show_participant(self.selected())

    def _on_tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.members:
            self.members.refresh()

    def _on_add_clicked(self) -> None:
        self._open_form(None)

    def _on_edit_clicked(self) -> None:
        p = self.selected()
        if p is None:
            self.error.setText(self.tr("Select a participant to edit first."))
            return
        self._open_form(p)

    def _open_form(self, participant: ParticipantView | None) -> None:
        self.error.setText("")
        program_list = attempt(lambda: programs.list_programs(self.ws), self._fail)
        if program_list is None:
            return
        # Active programs, plus the participant's own even if it was deactivated since.
        own = participant.program_id if participant else None
        program_list = [p for p in program_list if p.active or p.id == own]
        self.form = ParticipantForm(program_list, self._today(), participant, self)
        self.form.open_with(self._on_form_save, self._forget_form)

    def _on_form_save(self) -> None:
        form = self.form
        if form is None:
            return
        draft = form.draft()
        pid = form.participant_id
        # Saving the same draft again after "check the year" confirms the far admission date.
        confirm = draft == form.asked_about
        try:
            if pid is None:
                saved = roster.add_participant(self.ws, draft, confirm_admission=confirm)
            else:
                saved = roster.update_participant(self.ws, pid, draft, confirm_admission=confirm)
        except NeedsConfirmation as error:
            form.asked_about = draft
            form.show_error(error)
            return
        except Exception as error:
            form.show_error(error)
            return
        form.saved()
        self.search.clear()
        self.refresh()
        self.select_id(saved.id)

    def _forget_form(self) -> None:
        self.form = None
