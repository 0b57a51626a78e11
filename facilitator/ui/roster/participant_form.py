"""The participant edit form. It collects a ``ParticipantDraft``; the roster page calls the
service and hands errors back, which appear next to their fields (a duplicate chart ID too).

A dialog is fine here: roster editing does not happen during a live block."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from facilitator.services.programs import ProgramView
from facilitator.services.roster import ParticipantDraft, ParticipantView

from ..errors import FieldErrors
from ..form_dialog import ServiceFormDialog
from ..widgets import ErrorLabel, OptionalDateEdit, add_field, date_edit, from_qdate, to_qdate
from .participant_model import STATUS_TEXT


class ParticipantForm(ServiceFormDialog):
    """Add or edit a participant; the page reads ``draft()`` and calls the service."""

    CONFLICT_FIELD = "chart_id"

    def __init__(self, programs: list[ProgramView], today: date,
                 participant: ParticipantView | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.participant_id = participant.id if participant else None
        self.asked_about: ParticipantDraft | None = None
        """The draft last refused with "check the year": saving it unchanged confirms it."""
        self._today = today
        self._build_ui(programs)
        self._load(participant)
        self.setWindowTitle(self.tr("Edit participant") if participant
                            else self.tr("Add participant"))

    def _build_ui(self, programs: list[ProgramView]) -> None:
        self.chart_id = QLineEdit()
        self.legal_name = QLineEdit()
        self.preferred_name = QLineEdit()
        self.pronouns = QLineEdit()
        self.pronouns.setPlaceholderText(self.tr("e.g. she/her, they/them"))
        self.date_of_birth = OptionalDateEdit(date(1990, 1, 1))
        self.admission_date = date_edit(self._today)
        self.discharge_date = OptionalDateEdit(self._today)
        self.status = QComboBox()
        for key, text in STATUS_TEXT.items():
            self.status.addItem(self.tr(text), key)
        self.level_of_care = QLineEdit()
        self.program = QComboBox()
        self.program.addItem(self.tr("(no program)"), None)
        for p in programs:
            self.program.addItem(p.name, p.id)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.general_error = ErrorLabel()
        self.errors = FieldErrors(self.general_error)
        for field, label, widget in (
            ("chart_id", self.tr("&Chart ID"), self.chart_id),
            ("legal_name", self.tr("&Legal name"), self.legal_name),
            ("preferred_name", self.tr("&Preferred name"), self.preferred_name),
            ("pronouns", self.tr("Pro&nouns"), self.pronouns),
            ("date_of_birth", self.tr("Date of &birth"), self.date_of_birth),
            ("admission_date", self.tr("&Admission date"), self.admission_date),
            ("discharge_date", self.tr("&Discharge date"), self.discharge_date),
            ("status", self.tr("&Status"), self.status),
            ("level_of_care", self.tr("Level of &care"), self.level_of_care),
            ("program_id", self.tr("P&rogram"), self.program),
        ):
            self.errors.add(field, add_field(form, label, widget))

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.general_error)
        lay.addWidget(self.save_cancel_buttons())
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)

    def _load(self, p: ParticipantView | None) -> None:
        if p is None:
            self.level_of_care.setText("ASAM 2.1")
            return
        self.chart_id.setText(p.chart_id)
        self.legal_name.setText(p.legal_name)
        self.preferred_name.setText(p.preferred_name)
        self.pronouns.setText(p.pronouns)
        self.date_of_birth.set_value(p.date_of_birth)
        self.admission_date.setDate(to_qdate(p.admission_date))
        self.discharge_date.set_value(p.discharge_date)
        self.status.setCurrentIndex(max(0, self.status.findData(p.status)))
        self.level_of_care.setText(p.level_of_care)
        self.program.setCurrentIndex(max(0, self.program.findData(p.program_id)))

    def draft(self) -> ParticipantDraft:
        return ParticipantDraft(
            chart_id=self.chart_id.text(),
            legal_name=self.legal_name.text(),
            admission_date=from_qdate(self.admission_date.date()),
            preferred_name=self.preferred_name.text(),
            pronouns=self.pronouns.text(),
            date_of_birth=self.date_of_birth.value(),
            discharge_date=self.discharge_date.value(),
            status=str(self.status.currentData()),
            level_of_care=self.level_of_care.text(),
            program_id=self.program.currentData(),
        )
