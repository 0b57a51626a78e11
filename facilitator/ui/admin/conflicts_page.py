"""Sync conflicts: the fields two laptops changed at the same time, and one click to keep a
value. Each laptop kept both values and shows the same one until someone settles it here; the
choice is saved as an ordinary edit and reaches the other laptops with the next sync round.

Admins settle any record, supervisors the clinical ones (``services.sync.conflicts``). The list
names participants: it is for the people whose job is to see them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator.services.errors import Conflict, NotFound
from facilitator.services.sync import conflicts
from facilitator.services.sync.conflicts import Choice, Flagged
from facilitator.services.workspace import Workspace

from ..errors import attempt, user_message
from ..pages import Page
from ..table_model import Column, RowsModel
from ..widgets import ErrorLabel, InfoLabel, compact_rows, scaled_font


def _shown(f: Flagged) -> str:
    return next((c.text for c in f.choices if c.shown), "")


class ConflictsModel(RowsModel[Flagged]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([
            Column(self.tr("Record"), lambda f: f.kind),
            Column(self.tr("Which"), lambda f: f.label),
            Column(self.tr("Field"), lambda f: f.field_name),
            Column(self.tr("Values"), lambda f: str(len(f.choices)),
                   sort=lambda f: len(f.choices)),
            Column(self.tr("Shown now"), _shown),
        ], parent)


class ConflictsPage(Page):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self._choice_buttons: list[QPushButton] = []
        self._build_ui()
        self._connect_signals()
        self.refresh()

    # -- building --------------------------------------------------------------------------
    def _build_ui(self) -> None:
        intro = InfoLabel(self.tr(
            "Two laptops changed these fields at the same time. Each laptop kept both values"
            " and shows the same one; keep the right one here. Your choice reaches the other"
            " laptops with the next sync. Records two laptops each made with one chart number,"
            " login or version are listed too: both are kept, and each entry says what to do."))
        self.empty = InfoLabel(self.tr(
            "Nothing needs resolving: no record holds values from two laptops, and none was"
            " made on two laptops with one chart number, login or version."))
        self.model = ConflictsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        compact_rows(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)

        self.detail = QGroupBox(self.tr("Keep which value?"))
        self.heading = InfoLabel()
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = InfoLabel()
        self.choices = QVBoxLayout()
        self.typed = QLineEdit()
        self.typed.setPlaceholderText(self.tr("or type the value to keep"))
        self.keep_typed = QPushButton(self.tr("Keep &typed value"))
        self.typed_row = QWidget()
        typed_lay = QHBoxLayout(self.typed_row)
        typed_lay.setContentsMargins(0, 0, 0, 0)
        typed_lay.addWidget(self.typed, 1)
        typed_lay.addWidget(self.keep_typed)
        self.not_yours = InfoLabel()  # why this user cannot settle it (``Flagged.why_not``)
        self.error = ErrorLabel()
        box = QVBoxLayout(self.detail)
        box.addWidget(self.heading)
        box.addWidget(self.note)
        box.addLayout(self.choices)
        box.addWidget(self.typed_row)
        box.addWidget(self.not_yours)

        self.confirmation = InfoLabel()
        self.confirmation.setAccessibleName(self.tr("Last settled"))
        self.confirmation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.confirmation)
        lay.addWidget(self.error)
        lay.addWidget(self.empty)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.detail)
        lay.addStretch()  # with nothing listed (the table hidden) the sentences stay on top

    def _connect_signals(self) -> None:
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.keep_typed.clicked.connect(self._on_keep_typed_clicked)
        self.typed.returnPressed.connect(self._on_keep_typed_clicked)

    # -- data ------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.error.setText("")
        listed = attempt(lambda: conflicts.flagged(self.ws), self._fail)
        if listed is None:
            return
        selected = self.selected()
        self.model.set_rows(listed)
        nothing = not listed
        self.empty.setVisible(nothing)
        self.table.setHidden(nothing)
        self.detail.setHidden(nothing)
        if nothing:
            return
        # Stay on the same field when it is still listed, else the first one left.
        keep = next((i for i, f in enumerate(listed) if selected is not None
                     and (f.gid, f.field) == (selected.gid, selected.field)), 0)
        self.table.selectRow(keep)
        self._show(listed[keep])

    def selected(self) -> Flagged | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.row_at(rows[0].row()) if rows else None

    def _on_table_selection_changed(self, _new: QItemSelection, _old: QItemSelection) -> None:
        flagged = self.selected()
        if flagged is not None:
            self._show(flagged)

    def _show(self, f: Flagged) -> None:
        self.error.setText("")
        self.heading.setText(self.tr("The {0} of {1} {2}").format(f.field_name, f.kind,
                                                                    f.label))
        self.note.setText(f.note)
        self.note.setVisible(bool(f.note))
        while self.choices.count():
            item = self.choices.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._choice_buttons = []
        made_twice = f.field == conflicts.CLASH  # two records kept: acknowledged, not chosen
        self.detail.setTitle(self.tr("What to do") if made_twice
                             else self.tr("Keep which value?"))
        for n, choice in enumerate(f.choices, start=1):
            self.choices.addWidget(self._choice_row(n, choice, f.can_resolve, made_twice))
        self.typed.clear()
        self.typed_row.setVisible(f.free_text and f.can_resolve)
        self.not_yours.setText(f.why_not)
        self.not_yours.setVisible(not f.can_resolve)

    def _choice_row(self, n: int, choice: Choice, enabled: bool, acknowledge: bool = False
                    ) -> QWidget:
        row = QWidget()
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        button = QPushButton(self.tr("&Acknowledge") if acknowledge else
                             self.tr("Keep &{0}").format(n) if n < 10 else self.tr("Keep"))
        button.setEnabled(enabled)
        button.clicked.connect(lambda _=False, v=choice.value: self._keep(v))
        self._choice_buttons.append(button)
        where = [self.tr("sent {0}").format(
            f"{choice.at.astimezone(self.ws.timezone):%Y-%m-%d %H:%M}")] if choice.at else []
        if choice.shown and not acknowledge:
            where.append(self.tr("shown now"))
        value = QLabel(choice.text)
        value.setWordWrap(True)
        value.setTextFormat(Qt.TextFormat.PlainText)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        origin = QLabel(", ".join(where))
        origin.setFont(scaled_font(0.85, base=origin))  # smaller: secondary to the value
        text = QVBoxLayout()
        text.setSpacing(0)
        text.addWidget(value)
        text.addWidget(origin)
        origin.setVisible(bool(where))
        lay.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(text, 1)
        return row

    # -- settling --------------------------------------------------------------------------
    def choice_buttons(self) -> list[QPushButton]:
        return list(self._choice_buttons)

    def _on_keep_typed_clicked(self) -> None:
        self._keep(self.typed.text())

    def _keep(self, value: Any) -> None:
        flagged = self.selected()
        if flagged is None:
            return
        self.confirmation.clear()
        errors: list[BaseException] = []
        done = attempt(lambda: conflicts.resolve(self.ws, flagged.gid, flagged.field, value),
                       errors.append)
        if done is None:
            self._fail(errors[0])
            if isinstance(errors[0], Conflict | NotFound):
                self.refresh_keeping_error()  # settled or gone meanwhile: show what is left
            return  # otherwise what was typed stays, beside the sentence
        if done.here_only:
            self.confirmation.setText(self.tr(
                "✓ Acknowledged on this laptop: {0} {1} ({2}). Nothing changes on the other"
                " laptops; each lists it for itself.").format(done.kind, done.label,
                                                              done.text.lower()))
        else:
            self.confirmation.setText(self.tr(
                "✓ Kept “{0}” as the {1} of {2} {3}. It reaches the other laptops with the"
                " next sync.").format(done.text, done.field_name, done.kind, done.label))
        self.refresh()
        self.sync_changed.emit()

    def refresh_keeping_error(self) -> None:
        """After a refused choice: the list as it is now (someone may have settled the field
        meanwhile), with the sentence that says why still on screen."""
        message = self.error.message()
        self.refresh()
        self.error.setText(message)

    def _fail(self, error: BaseException) -> None:
        self.error.setText(user_message(error))
