"""Programs and groups (admins): list, add, edit, deactivate and reactivate both, with the
group's weekly schedule, facilitators and block template."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import programs, users
from facilitator.services.programs import FACILITATOR_ROLES, GroupView, ProgramView
from facilitator.services.users import UserView
from facilitator.services.workspace import Workspace

from ..errors import attempt, user_message
from ..form_dialog import FormHost, submit
from ..pages import Page
from ..table_model import Column, RowsModel
from ..widgets import ConfirmBar, ErrorLabel, InfoLabel, compact_rows
from .program_forms import KIND_TEXT, MODALITY_TEXT, GroupForm, ProgramForm

R = TypeVar("R", ProgramView, GroupView)

# How service units are counted, as the programs table shows it (the services keep the codes).
RULE_LABELS = {"per_diem": "per diem", "per_session": "per session",
               "per_15_min": "per 15 minutes"}


class _Section(QGroupBox, Generic[R]):
    """A titled table with Add / Edit / Deactivate buttons, an inline confirmation bar (no
    modal box) and an error line for what the service refuses."""

    def __init__(self, title: str, columns: Sequence[Column[R]], add_text: str,
                 noun: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.noun = noun
        self.model: RowsModel[R] = RowsModel(columns, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        compact_rows(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.add_button = QPushButton(add_text)
        self.edit_button = QPushButton(self.tr("Edit {0}…").format(noun))
        self.active_button = QPushButton()
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.active_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.confirm_bar = ConfirmBar(self.tr("Yes, deactivate"))
        self.error = ErrorLabel()
        lay = QVBoxLayout(self)
        lay.addLayout(buttons)
        lay.addWidget(self.confirm_bar)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.error)
        self.table.selectionModel().selectionChanged.connect(self.update_buttons)
        self.update_buttons()

    def set_rows(self, rows: Sequence[R]) -> None:
        selected = self.selected()
        self.model.set_rows(rows)
        if selected is not None:
            self.select_id(selected.id)
        self.update_buttons()

    def selected(self) -> R | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_id(self, row_id: int) -> None:
        if (row := self.model.row_of_id(row_id)) >= 0:
            self.table.selectRow(row)

    def update_buttons(self) -> None:
        row = self.selected()
        self.edit_button.setEnabled(row is not None)
        self.active_button.setEnabled(row is not None)
        self.active_button.setText(
            self.tr("Reactivate {0}").format(self.noun) if row is not None and not row.active
            else self.tr("Deactivate {0}…").format(self.noun))
        self.confirm_bar.hide()

    def ask(self, text: str) -> None:
        self.error.setText("")
        self.confirm_bar.ask(text)


class ProgramsPage(Page, FormHost):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self._programs: list[ProgramView] = []
        self._staff: dict[int, UserView] = {}
        self._build_ui()
        self._connect_signals()
        self.refresh()

    def _status(self, active: bool) -> str:
        return self.tr("Active") if active else self.tr("Deactivated")

    def _note_settings(self, p: ProgramView) -> str:
        """"DAP · 72 h": the default format and the deadline; absence notes only when off
        (the usual case needs no words in a narrow column)."""
        text = self.tr("{0} · {1} h").format(p.note_format, p.note_deadline_hours)
        return text if p.absence_notes else text + self.tr(" · no absence notes")

    def _build_ui(self) -> None:
        self.programs: _Section[ProgramView] = _Section(self.tr("Programs"), [
            Column(self.tr("Program"), lambda p: p.name),
            Column(self.tr("Kind"), lambda p: self.tr(KIND_TEXT.get(p.kind, p.kind))
                   + (self.tr(" · 42 CFR Part 2") if p.is_part2 else "")),
            Column(self.tr("Level of care"), lambda p: p.level_of_care),
            Column(self.tr("Daily minimum"),
                   lambda p: self.tr("{0} min").format(p.daily_minimum_minutes),
                   sort=lambda p: p.daily_minimum_minutes),
            Column(self.tr("Weekly minimum"),
                   lambda p: self.tr("{0:g} h").format(p.weekly_minimum_minutes / 60),
                   sort=lambda p: p.weekly_minimum_minutes),
            Column(self.tr("Billing"), lambda p: " · ".join(
                x for x in (p.billing_code, self.tr(RULE_LABELS.get(p.unit_rule, p.unit_rule)))
                if x)),
            Column(self.tr("Notes"), self._note_settings, sort=lambda p: p.note_deadline_hours,
                   tooltip=lambda p: self.tr(
                       "{0} notes, due within {1} hours of the session; absent participants "
                       "{2}").format(p.note_format, p.note_deadline_hours,
                                     self.tr("get a short absence note") if p.absence_notes
                                     else self.tr("need no note"))),
            Column(self.tr("Status"), lambda p: self._status(p.active)),
        ], self.tr("&Add program…"), self.tr("program"))
        self.groups: _Section[GroupView] = _Section(self.tr("Groups"), [
            Column(self.tr("Group"), lambda g: g.name),
            Column(self.tr("Program"), lambda g: g.program_name),
            Column(self.tr("Schedule"), lambda g: g.schedule_text),
            Column(self.tr("Capacity"), lambda g: str(g.capacity), sort=lambda g: g.capacity),
            Column(self.tr("Modality"), lambda g: self.tr(MODALITY_TEXT.get(g.modality,
                                                                            g.modality))),
            Column(self.tr("Location"), lambda g: g.location),
            Column(self.tr("Facilitators"), self._facilitator_names),
            Column(self.tr("Status"), lambda g: self._status(g.active)),
        ], self.tr("Add &group…"), self.tr("group"))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.programs)
        splitter.addWidget(self.groups)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([2, 3])
        self.info = InfoLabel()
        lay = QVBoxLayout(self)
        lay.addWidget(splitter, 1)
        lay.addWidget(self.info)

    def _connect_signals(self) -> None:
        p, g = self.programs, self.groups
        p.add_button.clicked.connect(self._on_add_program)
        p.edit_button.clicked.connect(self._on_edit_program)
        p.table.doubleClicked.connect(self._on_edit_program)
        p.active_button.clicked.connect(self._on_program_active)
        p.confirm_bar.confirm_button.clicked.connect(self._on_program_deactivate_confirmed)
        g.add_button.clicked.connect(self._on_add_group)
        g.edit_button.clicked.connect(self._on_edit_group)
        g.table.doubleClicked.connect(self._on_edit_group)
        g.active_button.clicked.connect(self._on_group_active)
        g.confirm_bar.confirm_button.clicked.connect(self._on_group_deactivate_confirmed)

    # -- data ------------------------------------------------------------------------------
    def refresh(self) -> None:
        loaded = attempt(lambda: (programs.list_programs(self.ws),
                                  programs.list_groups(self.ws, include_inactive=True),
                                  users.list_users(self.ws)), self._fail)
        if loaded is None:
            return
        program_rows, group_rows, staff = loaded
        self._programs = program_rows
        self._staff = {u.id: u for u in staff}
        self.programs.set_rows(program_rows)
        self.groups.set_rows(group_rows)
        self.groups.add_button.setEnabled(any(p.active for p in program_rows))
        self.groups.add_button.setToolTip(
            "" if self.groups.add_button.isEnabled() else self.tr("Add a program first."))

    def _facilitator_names(self, g: GroupView) -> str:
        return ", ".join(self._staff[u].display_name for u in g.facilitator_ids
                         if u in self._staff)

    def _facilitator_choices(self, group: GroupView | None) -> list[tuple[int, str]]:
        """Active therapists and supervisors, plus anyone the group already has (so an admin
        sees them and can take them off)."""
        current = set(group.facilitator_ids) if group else set()
        out = []
        for u in self._staff.values():
            eligible = u.active and u.role in FACILITATOR_ROLES
            if not eligible and u.id not in current:
                continue
            label = f"{u.display_name}, {u.credentials}" if u.credentials else u.display_name
            if not eligible:
                label = self.tr("{0} (cannot facilitate)").format(label)
            out.append((u.id, label))
        return out

    def _fail(self, error: BaseException) -> None:
        self.info.setText("")
        self.programs.error.setText(user_message(error))

    def _say(self, text: str) -> None:
        self.programs.error.setText("")
        self.groups.error.setText("")
        self.info.setText(text)

    # -- dialogs ---------------------------------------------------------------------------
    def _open(self, dialog: ProgramForm | GroupForm, on_save: Callable[[], None]) -> None:
        self._say("")
        self.open_form(dialog, on_save)

    def _on_add_program(self) -> None:
        self._open(ProgramForm(None, self), self._on_program_save)

    def _on_edit_program(self) -> None:
        program = self.programs.selected()
        if program is not None:
            self._open(ProgramForm(program, self), self._on_program_save)

    def _on_program_save(self) -> None:
        form = self.dialog
        if not isinstance(form, ProgramForm):
            return
        draft, pid = form.draft(), form.program_id
        saved = submit(form, lambda: programs.add_program(self.ws, draft) if pid is None
                       else programs.update_program(self.ws, pid, draft))
        if saved is None:
            return
        self.refresh()
        self.programs.select_id(saved.id)
        self._say(self.tr("✓ Saved the program {0}.").format(saved.name))

    def _on_add_group(self) -> None:
        self._open(GroupForm(None, self._programs, self._facilitator_choices(None), self),
                   self._on_group_save)

    def _on_edit_group(self) -> None:
        group = self.groups.selected()
        if group is not None:
            self._open(GroupForm(group, self._programs, self._facilitator_choices(group), self),
                       self._on_group_save)

    def _on_group_save(self) -> None:
        form = self.dialog
        if not isinstance(form, GroupForm):
            return
        draft, gid = form.draft(), form.group_id
        saved = submit(form, lambda: programs.add_group(self.ws, draft) if gid is None
                       else programs.update_group(self.ws, gid, draft))
        if saved is None:
            return
        self.refresh()
        self.groups.select_id(saved.id)
        self._say(self.tr("✓ Saved the group {0}. Sessions planned from now on use its "
                          "schedule and template.").format(saved.name))

    # -- deactivate / reactivate -----------------------------------------------------------
    def _on_program_active(self) -> None:
        program = self.programs.selected()
        if program is None:
            return
        if program.active:
            self.programs.ask(self.tr(
                "Deactivate the program {0}? It is no longer offered for new groups; its "
                "records stay.").format(program.name))
        else:
            self._set_program_active(program, True)

    def _on_program_deactivate_confirmed(self) -> None:
        program = self.programs.selected()
        self.programs.confirm_bar.hide()
        if program is not None:
            self._set_program_active(program, False)

    def _set_program_active(self, program: ProgramView, active: bool) -> None:
        section = self.programs
        done = attempt(lambda: programs.set_program_active(self.ws, program.id, active),
                       lambda e: section.error.setText(user_message(e)))
        if done is not None:
            self.refresh()
            self._say((self.tr("✓ {0} was reactivated.") if active
                       else self.tr("✓ {0} was deactivated.")).format(program.name))

    def _on_group_active(self) -> None:
        group = self.groups.selected()
        if group is None:
            return
        if group.active:
            self.groups.ask(self.tr(
                "Deactivate the group {0}? It leaves the schedule; sessions and notes already "
                "recorded stay.").format(group.name))
        else:
            self._set_group_active(group, True)

    def _on_group_deactivate_confirmed(self) -> None:
        group = self.groups.selected()
        self.groups.confirm_bar.hide()
        if group is not None:
            self._set_group_active(group, False)

    def _set_group_active(self, group: GroupView, active: bool) -> None:
        section = self.groups
        done = attempt(lambda: programs.set_group_active(self.ws, group.id, active),
                       lambda e: section.error.setText(user_message(e)))
        if done is not None:
            self.refresh()
            self._say((self.tr("✓ {0} was reactivated.") if active
                       else self.tr("✓ {0} was deactivated.")).format(group.name))
