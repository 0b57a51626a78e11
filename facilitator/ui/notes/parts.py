"""Small pieces of the note editor: goals, pre-signing findings, safety flags, the inline bars
for signing and addenda. Each collects input and emits an intent; the editor calls services."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import notes

from ..widgets import password_edit

RATINGS = (("none", "No progress"), ("some", "Some progress"), ("good", "Good progress"),
           ("met", "Goal met"), ("regressed", "Regressed"))


def clear_layout(layout: QLayout, keep: QWidget | None = None) -> None:
    """Remove every widget from ``layout`` at once (hidden now, deleted later), so a reload
    never paints the old rows under the new ones."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None and widget is not keep:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()


class GoalsBox(QFrame):
    """The participant's open goals: tick the ones today addressed, rate, add a sentence."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self._rows: list[tuple[notes.GoalEntry, QCheckBox, QComboBox, QLineEdit]] = []
        self.empty = QLabel(self.tr("No treatment-plan goals on file for this participant: add "
                                    "them in the roster so notes can show progress."))
        self.empty.setWordWrap(True)

    def set_goals(self, goals: tuple[notes.GoalEntry, ...], editable: bool) -> None:
        clear_layout(self.grid, keep=self.empty)
        self._rows = []
        if not goals:
            self.grid.addWidget(self.empty, 0, 0)
            self.empty.show()
            return
        self.empty.hide()
        for n, g in enumerate(goals):
            box = QCheckBox(g.text)
            box.setChecked(g.addressed)
            rating = QComboBox()
            for code, label in RATINGS:
                rating.addItem(self.tr(label), code)
            rating.setCurrentIndex(max(0, [c for c, _ in RATINGS].index(g.rating)
                                       if g.rating in dict(RATINGS) else 1))
            comment = QLineEdit(g.comment)
            comment.setPlaceholderText(self.tr("One sentence on progress today"))
            comment.setAccessibleName(self.tr("Progress on: {goal}").format(goal=g.text))
            for w in (box, rating, comment):
                w.setEnabled(editable)
            box.toggled.connect(self.changed)
            rating.currentIndexChanged.connect(self.changed)
            comment.textEdited.connect(self.changed)
            # The goal's own words on one line, today's rating and sentence under it.
            self.grid.addWidget(box, 2 * n, 0, 1, 2)
            self.grid.addWidget(rating, 2 * n + 1, 0)
            self.grid.addWidget(comment, 2 * n + 1, 1)
            self._rows.append((g, box, rating, comment))
        self.grid.setColumnStretch(1, 1)

    def entries(self) -> list[notes.GoalEntry]:
        return [notes.GoalEntry(g.goal_id, g.text, g.status, box.isChecked(),
                                rating.currentData(), comment.text())
                for g, box, rating, comment in self._rows]


class FindingsBox(QFrame):
    """What the checks found before signing, and the reasons typed for findings kept."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findings")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.clone_reason = QLineEdit()
        self.clone_reason.setPlaceholderText(self.tr("Reason the text is alike (if it must "
                                                     "stay)"))
        self.names_reason = QLineEdit()
        self.names_reason.setPlaceholderText(self.tr("Reason a name must stay (e.g. not a "
                                                     "person)"))
        box = QVBoxLayout(self)
        box.addWidget(self.text)
        box.addWidget(self.clone_reason)
        box.addWidget(self.names_reason)
        self.clone_reason.textEdited.connect(self.changed)
        self.names_reason.textEdited.connect(self.changed)
        self.hide()

    def set_reasons(self, justifications: dict[str, str]) -> None:
        self.clone_reason.setText(justifications.get("clone", ""))
        self.names_reason.setText(justifications.get("names", ""))

    def reasons(self) -> dict[str, str]:
        return {"clone": self.clone_reason.text(), "names": self.names_reason.text()}

    def show_check(self, check: notes.SignCheck) -> None:
        messages = check.messages()
        if not messages:
            self.text.setText("✓ " + self.tr("Ready to sign: nothing blocks this note."))
        else:
            self.text.setText("\n".join(f"⚠ {m}" for m in messages))
        self.clone_reason.setVisible(bool(check.clones))
        self.names_reason.setVisible(bool(check.names))
        self.show()


class FlagsBox(QFrame):
    """Safety flags from this session; an open one is addressed right here (never a dialog)."""

    address_requested = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)

    def set_flags(self, flags: tuple[notes.FlagItem, ...]) -> None:
        clear_layout(self.box)
        for f in flags:
            if not f.open:
                label = QLabel("✓ " + self.tr("Flag: {m} — addressed: {f}").format(
                    m=f.message, f=f.follow_up))
                label.setWordWrap(True)
                self.box.addWidget(label)
                continue
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            label = QLabel("⚑ " + self.tr("OPEN safety flag: {m}").format(m=f.message))
            label.setWordWrap(True)
            follow = QLineEdit()
            follow.setPlaceholderText(self.tr("Follow-up done (what, with whom)"))
            button = QPushButton(self.tr("Address"))
            line.addWidget(label, 1)
            line.addWidget(follow, 1)
            line.addWidget(button)
            button.clicked.connect(lambda _=False, i=f.id, e=follow:
                                   self.address_requested.emit(i, e.text()))
            follow.returnPressed.connect(lambda i=f.id, e=follow:
                                         self.address_requested.emit(i, e.text()))
            self.box.addWidget(row)
        self.setVisible(bool(flags))


class PasswordBar(QFrame):
    """An inline password re-entry for signing, co-signing or an addendum (no modal box)."""

    confirmed = Signal(str)

    def __init__(self, button_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.password = password_edit(self.tr("Your password"))
        self.password.setAccessibleName(self.tr("Password to sign"))
        self.button = QPushButton(button_text)
        self.cancel = QPushButton(self.tr("Cancel"))
        row = QHBoxLayout(self)
        row.addWidget(self.text, 1)
        row.addWidget(self.password)
        row.addWidget(self.button)
        row.addWidget(self.cancel)
        self.button.clicked.connect(self._confirm)
        self.password.returnPressed.connect(self._confirm)
        self.cancel.clicked.connect(self.close_bar)
        self.hide()

    def ask(self, text: str) -> None:
        self.text.setText(text)
        self.password.clear()
        self.show()
        self.password.setFocus()

    def _confirm(self) -> None:
        password = self.password.text()
        self.password.clear()  # never kept in the widget longer than needed
        self.confirmed.emit(password)

    def close_bar(self) -> None:
        self.password.clear()
        self.hide()


class AddendumBox(QFrame):
    """A correction or addition under a signed note: reason, text, then the password."""

    submitted = Signal(str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("Reason (e.g. arrival time corrected)"))
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(self.tr("The correction or addition, dated and signed "
                                             "under the note"))
        self.text.setMaximumHeight(120)
        self.bar = PasswordBar(self.tr("Sign addendum"))
        box = QVBoxLayout(self)
        box.addWidget(QLabel(self.tr("Addendum")))
        box.addWidget(self.reason)
        box.addWidget(self.text)
        box.addWidget(self.bar)
        self.bar.confirmed.connect(lambda pw: self.submitted.emit(
            self.reason.text(), self.text.toPlainText(), pw))
        self.bar.cancel.clicked.connect(self.hide)
        self.hide()

    def open_box(self) -> None:
        self.show()
        self.bar.ask(self.tr("Signing needs your password."))
        self.reason.setFocus()

    def done(self) -> None:
        self.reason.clear()
        self.text.clear()
        self.bar.close_bar()
        self.hide()
