"""Dialogs of the programs page: a program (add/edit) and a group (add/edit, with its weekly
schedule, facilitators and block template). They collect input; the page calls the service and
hands errors back to show next to the fields."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from facilitator.services.program_rules import block_minutes
from facilitator.services.programs import (
    DEFAULT_TEMPLATE,
    PART2_SHORT_NOTICE,
    WEEKDAY_NAMES,
    GroupDraft,
    GroupView,
    ProgramDraft,
    ProgramView,
)

from ..errors import FieldErrors
from ..form_dialog import ServiceFormDialog
from ..widgets import ErrorLabel, InfoLabel, add_field
from .template_editor import TemplateEditor

KIND_TEXT = {"sud": "Substance use (SUD)", "mh": "Mental health (MH)"}
MODALITY_TEXT = {"in_person": "In person", "telehealth": "Telehealth"}
BILLING_CODES = (("H0015", "Alcohol/drug IOP: at least 3 h a day, 3 days a week"),
                 ("S9480", "Psychiatric IOP, per diem"),
                 ("90853", "Group psychotherapy, per participant per session"))
LEVELS_OF_CARE = ("ASAM 2.1", "ASAM 2.5")
NOTE_FORMAT_TEXT = {"DAP": "DAP — Data, Assessment, Plan",
                    "BIRP": "BIRP — Behavior, Intervention, Response, Plan",
                    "SOAP": "SOAP — Subjective, Objective, Assessment, Plan",
                    "GIRP": "GIRP — Goals, Intervention, Response, Plan"}
UNIT_RULE_TEXT = {"per_diem": "Per diem (one unit for a day at the daily minimum)",
                  "per_session": "Per session (one unit when any service was given)",
                  "per_15_min": "Per 15 minutes (whole 15-minute units only)"}


def _to_qtime(value: time) -> QTime:
    return QTime(value.hour, value.minute)


def _from_qtime(value: QTime) -> time:
    return time(value.hour(), value.minute())


class _FormDialog(ServiceFormDialog):
    CONFLICT_FIELD = "name"


class ProgramForm(_FormDialog):
    def __init__(self, program: ProgramView | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.program_id = program.id if program else None
        self.setWindowTitle(self.tr("Edit program") if program else self.tr("Add program"))
        self._build_ui()
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.short_notice_button.clicked.connect(
            lambda: self.notice.setPlainText(PART2_SHORT_NOTICE))
        if program is not None:
            self._load(program)
        else:
            self.notice.setPlainText(PART2_SHORT_NOTICE)
        self._on_kind_changed()

    def _build_ui(self) -> None:
        self.name = QLineEdit()
        self.kind = QComboBox()
        for key, text in KIND_TEXT.items():
            self.kind.addItem(self.tr(text), key)
        self.part2_note = InfoLabel(self.tr(
            "SUD programs are 42 CFR Part 2 programs: every disclosure made with a "
            "participant's consent carries the redisclosure notice below."))
        self.level_of_care = QComboBox()
        self.level_of_care.setEditable(True)
        self.level_of_care.addItems(LEVELS_OF_CARE)
        self.daily_minimum = QSpinBox()
        self.daily_minimum.setRange(1, 24 * 60)
        self.daily_minimum.setSuffix(self.tr(" min"))
        self.daily_minimum.setValue(180)
        self.weekly_minimum = QDoubleSpinBox()
        self.weekly_minimum.setRange(0.5, 7 * 24)
        self.weekly_minimum.setDecimals(1)
        self.weekly_minimum.setSingleStep(0.5)
        self.weekly_minimum.setSuffix(self.tr(" h"))
        self.weekly_minimum.setValue(9)
        self.break_counts = QCheckBox(self.tr("Breaks count as service time"))
        self.billing_code = QComboBox()
        self.billing_code.setEditable(True)
        self.billing_code.addItem("")
        for code, meaning in BILLING_CODES:
            self.billing_code.addItem(code)
            self.billing_code.setItemData(self.billing_code.count() - 1, self.tr(meaning),
                                          Qt.ItemDataRole.ToolTipRole)
        self.billing_code.lineEdit().setPlaceholderText(self.tr("e.g. H0015, S9480, 90853"))
        self.note_deadline = QSpinBox()
        self.note_deadline.setRange(1, 24 * 14)
        self.note_deadline.setSuffix(self.tr(" h"))
        self.note_deadline.setValue(72)
        self.note_format = QComboBox()
        for key, text in NOTE_FORMAT_TEXT.items():
            self.note_format.addItem(self.tr(text), key)
        self.note_format.setToolTip(self.tr("The default for new notes; a note may use another "
                                            "format."))
        self.unit_rule = QComboBox()
        for key, text in UNIT_RULE_TEXT.items():
            self.unit_rule.addItem(self.tr(text), key)
        self.unit_rule.setToolTip(self.tr("How a note derives billing units from minutes of "
                                          "service. Never rounded up."))
        self.absence_notes = QCheckBox(self.tr("Absent participants get a short absence note"))
        self.absence_notes.setChecked(True)
        self.notice = QPlainTextEdit()
        self.notice.setTabChangesFocus(True)
        self.notice.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.short_notice_button = QPushButton(self.tr("Use the &short notice"))
        self.short_notice_button.setToolTip(self.tr(
            "The short form's wording is legally required; do not paraphrase it."))
        notice_box = QWidget()
        notice_lay = QVBoxLayout(notice_box)
        notice_lay.setContentsMargins(0, 0, 0, 0)
        notice_lay.addWidget(self.notice)
        notice_lay.addWidget(self.short_notice_button, 0, Qt.AlignmentFlag.AlignLeft)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.errors = FieldErrors(ErrorLabel())
        for key, label, field in (
            ("name", self.tr("&Name"), self.name),
            ("kind", self.tr("&Kind"), self.kind),
        ):
            self.errors.add(key, add_field(form, label, field))
        form.addRow("", self.part2_note)
        for key, label, field in (
            ("level_of_care", self.tr("&Level of care"), self.level_of_care),
            ("daily_minimum_minutes", self.tr("&Daily minimum"), self.daily_minimum),
            ("weekly_minimum_minutes", self.tr("&Weekly minimum"), self.weekly_minimum),
            ("break_counts_as_service", self.tr("Breaks"), self.break_counts),
            ("billing_code", self.tr("&Billing code"), self.billing_code),
            ("note_deadline_hours", self.tr("Note &deadline"), self.note_deadline),
            ("note_format", self.tr("Note &format"), self.note_format),
            ("unit_rule", self.tr("Service &units"), self.unit_rule),
            ("absence_notes", self.tr("Absences"), self.absence_notes),
            ("redisclosure_notice", self.tr("&Redisclosure notice"), notice_box),
        ):
            self.errors.add(key, add_field(form, label, field))
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.errors.general)
        lay.addWidget(self.save_cancel_buttons())
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)

    def _load(self, p: ProgramView) -> None:
        self.name.setText(p.name)
        self.kind.setCurrentIndex(max(0, self.kind.findData(p.kind)))
        self.level_of_care.setCurrentText(p.level_of_care)
        self.daily_minimum.setValue(p.daily_minimum_minutes)
        self.weekly_minimum.setValue(p.weekly_minimum_minutes / 60)
        self.break_counts.setChecked(p.break_counts_as_service)
        self.billing_code.setCurrentText(p.billing_code)
        self.note_deadline.setValue(p.note_deadline_hours)
        self.note_format.setCurrentIndex(max(0, self.note_format.findData(p.note_format)))
        self.unit_rule.setCurrentIndex(max(0, self.unit_rule.findData(p.unit_rule)))
        self.absence_notes.setChecked(p.absence_notes)
        self.notice.setPlainText(p.redisclosure_notice)

    def _on_kind_changed(self) -> None:
        sud = self.kind.currentData() == "sud"
        self.part2_note.setVisible(sud)
        self.notice.setEnabled(sud)
        self.short_notice_button.setEnabled(sud)
        # Mental-health programs are not Part 2 programs and carry no notice.
        if not sud and self.notice.toPlainText().strip() == PART2_SHORT_NOTICE:
            self.notice.clear()
        elif sud and not self.notice.toPlainText().strip():
            self.notice.setPlainText(PART2_SHORT_NOTICE)

    def draft(self) -> ProgramDraft:
        sud = self.kind.currentData() == "sud"
        return ProgramDraft(
            self.name.text(), str(self.kind.currentData()), self.level_of_care.currentText(),
            self.daily_minimum.value(), round(self.weekly_minimum.value() * 60),
            self.break_counts.isChecked(), self.billing_code.currentText(),
            self.note_deadline.value(), self.notice.toPlainText() if sud else "",
            str(self.note_format.currentData()), str(self.unit_rule.currentData()),
            self.absence_notes.isChecked())


class GroupForm(_FormDialog):
    def __init__(self, group: GroupView | None, programs: Sequence[ProgramView],
                 facilitators: Sequence[tuple[int, str]],
                 parent: QWidget | None = None) -> None:
        """``programs``: every program (inactive ones are offered only when the group already
        belongs to one); ``facilitators``: (user id, label) of the eligible staff."""
        super().__init__(parent)
        self.group_id = group.id if group else None
        self.setWindowTitle(self.tr("Edit group") if group else self.tr("Add group"))
        self._build_ui(group, programs, facilitators)
        self._connect_signals()
        if group is not None:
            self._load(group)
        else:
            self.template.set_template(DEFAULT_TEMPLATE)
        self._on_block_changed()

    def _build_ui(self, group: GroupView | None, programs: Sequence[ProgramView],
                  facilitators: Sequence[tuple[int, str]]) -> None:
        self.name = QLineEdit()
        self.program = QComboBox()
        for p in programs:
            if p.active or (group is not None and group.program_id == p.id):
                label = p.name if p.active else self.tr("{0} (inactive)").format(p.name)
                self.program.addItem(label, p.id)
        self.days = [QCheckBox(self.tr(name)) for name in WEEKDAY_NAMES]
        days_box = QWidget()
        days_lay = QHBoxLayout(days_box)
        days_lay.setContentsMargins(0, 0, 0, 0)
        for box in self.days:
            days_lay.addWidget(box)
        days_lay.addStretch(1)
        self.block_start = QTimeEdit(QTime(9, 0))
        self.block_end = QTimeEdit(QTime(12, 0))
        for edit in (self.block_start, self.block_end):
            edit.setDisplayFormat("HH:mm")
        block_box = QWidget()
        block_lay = QHBoxLayout(block_box)
        block_lay.setContentsMargins(0, 0, 0, 0)
        block_lay.addWidget(self.block_start)
        block_lay.addWidget(QLabel(self.tr("to")))
        block_lay.addWidget(self.block_end)
        block_lay.addStretch(1)
        self.capacity = QSpinBox()
        self.capacity.setRange(1, 40)
        self.capacity.setValue(12)
        self.modality = QComboBox()
        for key, text in MODALITY_TEXT.items():
            self.modality.addItem(self.tr(text), key)
        self.location = QLineEdit()
        self.location.setPlaceholderText(self.tr("e.g. Room 2, or the video room"))
        self.facilitators = QListWidget()
        for uid, label in facilitators:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, uid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.facilitators.addItem(item)
        self.facilitators.setMaximumHeight(self.fontMetrics().lineSpacing() * 5 + 12)
        self.template = TemplateEditor()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.errors = FieldErrors(ErrorLabel())
        for key, label, field in (
            ("name", self.tr("&Name"), self.name),
            ("program_id", self.tr("&Program"), self.program),
            ("weekdays", self.tr("Meets on"), days_box),
            ("block_end", self.tr("&Block"), block_box),
            ("capacity", self.tr("&Capacity"), self.capacity),
            ("modality", self.tr("&Modality"), self.modality),
            ("location", self.tr("&Location"), self.location),
            ("facilitator_ids", self.tr("&Facilitators"), self.facilitators),
        ):
            self.errors.add(key, add_field(form, label, field))
        self.errors.add("block_start", self.errors.labels["block_end"])
        template_box = QGroupBox(self.tr("Block &template"))
        template_lay = QVBoxLayout(template_box)
        template_lay.addWidget(InfoLabel(self.tr(
            "Changes apply to sessions planned from now on; sessions already planned keep "
            "their segments.")))
        template_lay.addWidget(self.template, 1)
        self.template_error = ErrorLabel()
        template_lay.addWidget(self.template_error)
        self.errors.add("template", self.template_error)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addStretch(1)  # keep the rows together when the template column is taller
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addWidget(template_box, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(columns, 1)
        lay.addWidget(self.errors.general)
        lay.addWidget(self.save_cancel_buttons())
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 150)

    def _connect_signals(self) -> None:
        self.block_start.timeChanged.connect(self._on_block_changed)
        self.block_end.timeChanged.connect(self._on_block_changed)

    def _load(self, g: GroupView) -> None:
        self.name.setText(g.name)
        self.program.setCurrentIndex(max(0, self.program.findData(g.program_id)))
        for n, box in enumerate(self.days, 1):
            box.setChecked(n in g.weekdays)
        self.block_start.setTime(_to_qtime(g.block_start))
        self.block_end.setTime(_to_qtime(g.block_end))
        self.capacity.setValue(g.capacity)
        self.modality.setCurrentIndex(max(0, self.modality.findData(g.modality)))
        self.location.setText(g.location)
        for i in range(self.facilitators.count()):
            item = self.facilitators.item(i)
            checked = item.data(Qt.ItemDataRole.UserRole) in g.facilitator_ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.template.set_template(g.template)

    def _on_block_changed(self) -> None:
        start, end = _from_qtime(self.block_start.time()), _from_qtime(self.block_end.time())
        self.template.set_block_minutes(block_minutes(start, end))

    def facilitator_ids(self) -> tuple[int, ...]:
        return tuple(
            int(self.facilitators.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.facilitators.count())
            if self.facilitators.item(i).checkState() == Qt.CheckState.Checked)

    def draft(self) -> GroupDraft:
        program_id = self.program.currentData()
        return GroupDraft(
            self.name.text(), int(program_id) if program_id is not None else 0,
            tuple(n for n, box in enumerate(self.days, 1) if box.isChecked()),
            _from_qtime(self.block_start.time()), _from_qtime(self.block_end.time()),
            self.capacity.value(), str(self.modality.currentData()), self.location.text(),
            self.template.template(), self.facilitator_ids())
