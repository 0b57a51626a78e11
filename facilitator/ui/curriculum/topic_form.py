"""The add/edit form for a clinic topic. List fields take one entry per line.

The dialog collects a ``TopicDraft``; the caller's ``submit`` callback calls the service, and a
``ValidationError`` is shown next to the fields it names while the dialog stays open.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from facilitator.services.curriculum.dto import ModuleView, TopicDraft

from ..errors import FieldErrors, attempt
from ..widgets import ErrorLabel, add_field

Submit = Callable[[str, TopicDraft], object]  # (module key, draft) → saved topic


def _lines(edit: QPlainTextEdit) -> tuple[str, ...]:
    return tuple(line.strip() for line in edit.toPlainText().splitlines() if line.strip())


class TopicForm(QDialog):
    def __init__(self, modules: Sequence[ModuleView], submit: Submit, *,
                 draft: TopicDraft | None = None, module_key: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._submit = submit
        self._editing = draft is not None
        self._build_ui(modules)
        if draft is not None:
            self._fill(draft)
        if module_key is not None:
            self.module.setCurrentIndex(max(0, self.module.findData(module_key)))
        self.module.setEnabled(not self._editing)

    def _build_ui(self, modules: Sequence[ModuleView]) -> None:
        self.setWindowTitle(self.tr("Edit topic") if self._editing else self.tr("Add topic"))
        self.module = QComboBox()
        for m in modules:
            self.module.addItem(m.title, m.key)
        self.title = QLineEdit()
        self.duration = QSpinBox()
        self.duration.setRange(15, 120)
        self.duration.setSingleStep(5)
        self.duration.setValue(45)
        self.duration.setSuffix(self.tr(" min"))
        self.objectives = QPlainTextEdit()
        self.key_points = QPlainTextEdit()
        self.activity = QPlainTextEdit()
        self.prompts = QPlainTextEdit()
        self.homework = QPlainTextEdit()
        self.handout = QPlainTextEdit()
        self.phrases = QPlainTextEdit()
        for edit in (self.objectives, self.key_points, self.prompts, self.phrases,
                     self.activity, self.homework):
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 4 + 12)
        self.handout.setTabChangesFocus(True)
        self.handout.setMinimumHeight(self.handout.fontMetrics().lineSpacing() * 8)
        self.phrases.setPlaceholderText(self.tr(
            "e.g. Facilitator taught and modeled …; participants practiced …"))
        form = QFormLayout()
        self.errors = FieldErrors(ErrorLabel())
        for field, label, widget in (
            ("module", self.tr("&Module"), self.module),
            ("title", self.tr("&Title"), self.title),
            ("duration_min", self.tr("&Duration"), self.duration),
            ("objectives", self.tr("&Objectives (one per line)"), self.objectives),
            ("key_points", self.tr("&Key points (one per line)"), self.key_points),
            ("activity", self.tr("&Activity"), self.activity),
            ("discussion_prompts", self.tr("Discussion &prompts (one per line)"), self.prompts),
            ("homework", self.tr("&Homework / practice"), self.homework),
            ("intervention_phrases", self.tr("&Note phrases (one per line)"), self.phrases),
            ("handout", self.tr("Hando&ut"), self.handout),
        ):
            self.errors.add(field, add_field(form, label, widget))
        inner = QWidget()
        inner.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(scroll, 1)
        lay.addWidget(self.errors.general)
        lay.addWidget(self.buttons)
        self.resize(720, 760)

    def _fill(self, d: TopicDraft) -> None:
        self.title.setText(d.title)
        self.duration.setValue(d.duration_min)
        self.objectives.setPlainText("\n".join(d.objectives))
        self.key_points.setPlainText("\n".join(d.key_points))
        self.activity.setPlainText(d.activity)
        self.prompts.setPlainText("\n".join(d.discussion_prompts))
        self.homework.setPlainText(d.homework)
        self.handout.setPlainText(d.handout)
        self.phrases.setPlainText("\n".join(d.intervention_phrases))

    def draft(self) -> TopicDraft:
        return TopicDraft(
            title=self.title.text(), duration_min=self.duration.value(),
            objectives=_lines(self.objectives), key_points=_lines(self.key_points),
            activity=self.activity.toPlainText(), discussion_prompts=_lines(self.prompts),
            homework=self.homework.toPlainText(), handout=self.handout.toPlainText(),
            intervention_phrases=_lines(self.phrases))

    def _on_save(self) -> None:
        self.errors.clear()
        key = self.module.currentData()
        if key is None:
            self.errors.set("module", self.tr("Add a clinic module first."))
            return
        if attempt(lambda: self._submit(key, self.draft()), self.errors.show) is not None:
            self.accept()
