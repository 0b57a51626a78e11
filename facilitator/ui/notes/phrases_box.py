"""The clinic's quick-phrase library for notes (Settings): list, add, remove.

Phrases may use {name}, {they}, {them}, {their} (and {They}, {Their}); the editor fills them for
the participant when a phrase is inserted with Ctrl+Space."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
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

from facilitator.services import notes
from facilitator.services.workspace import Workspace

from ..errors import attempt, user_message
from ..table_model import Column, RowsModel
from ..widgets import ErrorLabel

SECTIONS = (("*", "Any section"), ("data", "Data"), ("assessment", "Assessment"),
            ("behavior", "Behavior"), ("intervention", "Intervention"),
            ("response", "Response"), ("subjective", "Subjective"), ("objective", "Objective"),
            ("goals", "Goals"), ("plan", "Plan"), ("interventions", "Group: interventions"),
            ("process", "Group: process"))


class PhrasesBox(QGroupBox):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Quick phrases for notes"), parent)
        self.ws = ws
        labels = dict(SECTIONS)
        self.model: RowsModel[notes.PhraseView] = RowsModel([
            Column(self.tr("Section"), lambda p: self.tr(labels.get(p.section, p.section))),
            Column(self.tr("Phrase"), lambda p: p.text, tooltip=lambda p: p.text),
        ], self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(160)
        self.section = QComboBox()
        for code, label in SECTIONS:
            self.section.addItem(self.tr(label), code)
        self.text = QLineEdit()
        self.text.setPlaceholderText(self.tr("e.g. {name} practised the skill and described "
                                             "when {they} would use it."))
        self.add_button = QPushButton(self.tr("Add phrase"))
        self.remove_button = QPushButton(self.tr("Remove selected"))
        self.error = ErrorLabel()
        hint = QLabel(self.tr("Insert with Ctrl+Space while writing a note. {name}, {they}, "
                              "{them} and {their} are filled in for the participant."))
        hint.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.section)
        row.addWidget(self.text, 1)
        row.addWidget(self.add_button)
        box = QVBoxLayout(self)
        box.addWidget(hint)
        box.addWidget(self.table)
        box.addLayout(row)
        box.addWidget(self.remove_button)
        box.addWidget(self.error)
        self.add_button.clicked.connect(self._on_add)
        self.text.returnPressed.connect(self._on_add)
        self.remove_button.clicked.connect(self._on_remove)
        self.refresh()

    def refresh(self) -> None:
        rows = attempt(lambda: notes.list_phrases(self.ws),
                       lambda e: self.error.setText(user_message(e)))
        if rows is not None:
            self.model.set_rows(rows)

    def _on_add(self) -> None:
        self.error.setText("")
        section, text = self.section.currentData(), self.text.text()
        if attempt(lambda: notes.add_phrase(self.ws, section, text),
                   lambda e: self.error.setText(user_message(e))) is not None:
            self.text.clear()
            self.refresh()

    def _on_remove(self) -> None:
        row = self.table.currentIndex().row()
        if row < 0:
            return
        phrase = self.model.row_at(row)
        self.error.setText("")
        if phrase.id is None:  # a starter phrase: the clinic's copy is made first
            self.error.setText(self.tr("Starter phrases stay until the clinic adds its own "
                                       "first phrase; then each can be removed."))
            return
        attempt(lambda: notes.remove_phrase(self.ws, phrase.id),
                lambda e: self.error.setText(user_message(e)))
        self.refresh()
