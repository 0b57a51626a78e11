"""Go-around mode: one participant at a time, the form answered with number keys, Enter for the
next person, Esc to leave. Aimed at 5–15 seconds per person.

The questions and options come from the form definition (``facilitator.forms``); the key
conventions live in ``answer_keys``. The widget only collects answers: it emits
``save_requested(participant_id)`` and the console reads ``answers()`` and calls the service, so
answers (PHI) never travel in a signal.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from facilitator.forms import FormDefinition, Item
from facilitator.services.console.dto import GoAroundEntry

from ..theme import follow, panel_style
from .answer_keys import NUMBER_TYPES, TEXT_TYPES, AnswerEntry
from .style import ICON_CHECK, scaled_font


class GoAroundPanel(QFrame):
    """Shows the current person, every question with its answer so far, and the key hints."""

    save_requested = Signal(int)
    """Enter with answers typed: save ``answers()`` for this participant id, then ``advance()``."""
    close_requested = Signal()
    """Esc: leave the go-around (unsaved answers of the current person are dropped)."""
    finished = Signal()
    """Everyone in the go-around has had a turn."""
    person_changed = Signal(int)
    """The go-around moved to this participant id (the board highlights their tile)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("goAround")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._entries: list[GoAroundEntry] = []
        self._index = 0
        self._entry: AnswerEntry | None = None
        self._labels: list[tuple[QLabel, QLabel]] = []
        self._build_ui()

    def _build_ui(self) -> None:
        follow(self, lambda t: self.setStyleSheet(panel_style("goAround", t)))
        self.title = QLabel()
        self.title.setFont(scaled_font(1.2, bold=True))
        self.person = QLabel()
        self.person.setFont(scaled_font(2.2, bold=True))
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(16)
        self.grid.setColumnStretch(0, 3)
        self.grid.setColumnStretch(1, 2)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setFont(scaled_font(1.2, bold=True))
        follow(self.hint, lambda t: self.hint.setStyleSheet(f"color: {t.info_text};"))
        self.keys = QLabel(self.tr("Enter: save, next person · → skip person · ← previous "
                                   "person · Tab/↓ next question · Backspace clear · Esc leave"))
        self.keys.setWordWrap(True)
        self.keys.setFont(scaled_font(1.0))
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 12, 16, 12)
        box.addWidget(self.title)
        box.addWidget(self.person)
        box.addLayout(self.grid)
        box.addWidget(self.hint)
        box.addStretch(1)
        box.addWidget(self.keys)

    # -- driving --------------------------------------------------------------------------------
    def start(self, form: FormDefinition, entries: list[GoAroundEntry]) -> None:
        """Begin with the first participant who has not answered this form yet."""
        self._form = form
        self._entries = list(entries)
        self._build_questions(form)
        self._index = next((i for i, e in enumerate(self._entries) if not e.answered), 0)
        self._begin_person()

    def form_id(self) -> str:
        return self._form.id

    def participant_id(self) -> int | None:
        if 0 <= self._index < len(self._entries):
            return self._entries[self._index].participant_id
        return None

    def answers(self) -> dict[str, object]:
        return self._entry.final_answers() if self._entry else {}

    def advance(self) -> None:
        """The current person was saved: mark them answered and go to the next one."""
        if 0 <= self._index < len(self._entries):
            e = self._entries[self._index]
            self._entries[self._index] = GoAroundEntry(e.participant_id, e.short_name, e.status,
                                                       True)
        self._move(1)

    def show_problem(self, message: str, link_ids: tuple[str, ...] = ()) -> None:
        """A save was refused: stay on this person, on the first question named."""
        if self._entry is not None and link_ids:
            self._entry.go_to(link_ids[0])
        self._render()
        self.hint.setText("⚠ " + message)

    def _move(self, step: int) -> None:
        index = self._index + step
        if index >= len(self._entries):
            self.finished.emit()
            return
        self._index = max(0, index)
        self._begin_person()

    def _begin_person(self) -> None:
        self._entry = AnswerEntry(self._form)
        self._entry.start()
        self._render()
        pid = self.participant_id()
        if pid is not None:
            self.person_changed.emit(pid)

    # -- view -----------------------------------------------------------------------------------
    def _build_questions(self, form: FormDefinition) -> None:
        while self.grid.count():
            widget = self.grid.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self._labels = []
        for row, item in enumerate(form.answerable_items()):
            question = QLabel(item.text)
            question.setFont(scaled_font(1.25))
            question.setWordWrap(True)
            answer = QLabel()
            answer.setFont(scaled_font(1.4, bold=True))
            # Column widths come from the stretch factors alone, never from the text: an answer
            # being typed must not squeeze the questions into a new wrap (the panel jumped).
            for label in (question, answer):
                policy = label.sizePolicy()
                policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
                label.setSizePolicy(policy)
            self.grid.addWidget(question, row, 0)
            self.grid.addWidget(answer, row, 1)
            self._labels.append((question, answer))

    def _render(self) -> None:
        entry = self._entry
        if entry is None:
            return
        total = len(self._entries)
        done = sum(1 for e in self._entries if e.answered)
        self.title.setText(self.tr("{form} go-around · person {n} of {total} · {done} saved")
                           .format(form=self._form.title, n=self._index + 1, total=total,
                                   done=done))
        person = self._entries[self._index] if self._entries else None
        name = person.short_name if person else self.tr("Nobody is in the room")
        if person and person.answered:
            name += f"  {ICON_CHECK} " + self.tr("already answered")
        self.person.setText(name)
        current = entry.current()
        for item, (question, answer) in zip(self._form.answerable_items(), self._labels,
                                            strict=True):
            enabled = entry.enabled(item)
            is_current = current is not None and item.link_id == current.link_id
            marker = "▶ " if is_current else "   "
            question.setText(marker + item.text)
            question.setEnabled(enabled)
            # The marker shows the current question; bold would re-wrap it as it moves.
            text = self._answer_text(item, entry) if enabled else self.tr("(not asked)")
            # One line whatever is typed (a wrap would push the questions below down): a long
            # answer shows its end, where the typing is; the whole of it in the tooltip.
            answer.setText(answer.fontMetrics().elidedText(
                text, Qt.TextElideMode.ElideLeft, max(answer.width(), 1)))
            answer.setToolTip(text if answer.text() != text else "")
        self.hint.setText(self._hint(current))

    def _answer_text(self, item: Item, entry: AnswerEntry) -> str:
        if item.link_id not in entry.answers:
            return "—"
        value = entry.answers[item.link_id]
        if item.type == "boolean":
            return self.tr("Yes") if value else self.tr("No")
        if item.type == "choice":
            option = item.option(str(value))
            return option.display if option else str(value)
        if item.type in TEXT_TYPES:
            current = entry.current()
            typing = current is not None and current.link_id == item.link_id
            return str(value) + ("▌" if typing else "")
        if isinstance(value, float) and value.is_integer() and "." not in entry.buffer:
            return str(int(value))
        return str(value)

    def _hint(self, item: Item | None) -> str:
        if item is None:
            return self.tr("All questions answered: Enter saves and moves to the next person.")
        if item.type == "boolean":
            return self.tr("Y = yes, N = no")
        if item.type == "choice":
            return "   ".join(f"{i} = {o.display}" for i, o in enumerate(item.options[:9], 1))
        if item.type in NUMBER_TYPES:
            low = "" if item.min_value is None else f"{item.min_value:g}"
            high = "" if item.max_value is None else f"{item.max_value:g}"
            text = self.tr("Type a number {low}–{high}").format(low=low, high=high)
            if item.max_value == 10:
                text += self.tr(" (10 = 1 then 0)")
            if item.type == "decimal":
                text += self.tr("; Tab when done")
            return text
        return self.tr("Type the answer; Tab or ↓ for the next question, Enter to save")

    # -- keys -----------------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and \
                event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            # Tab would otherwise move focus out of the panel.
            self.keyPressEvent(event)
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        entry = self._entry
        if entry is None:
            event.ignore()
            return
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.close_requested.emit()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._on_enter()
            return
        elif key in (Qt.Key.Key_Tab, Qt.Key.Key_Down):
            entry.next()
        elif key in (Qt.Key.Key_Backtab, Qt.Key.Key_Up):
            entry.previous()
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_PageDown):
            self._move(1)
            return
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_PageUp):
            self._move(-1)
            return
        elif key == Qt.Key.Key_Backspace:
            entry.clear()
        elif event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            event.ignore()  # Ctrl+Z, Ctrl+E belong to the console
            return
        elif event.text() and not entry.type_text(event.text()):
            self._render()
            self.hint.setText("⚠ " + self.tr("That key does not answer this question.") + " "
                              + self._hint(entry.current()))
            event.accept()
            return
        elif not event.text():
            event.ignore()
            return
        self._render()
        event.accept()

    def _on_enter(self) -> None:
        pid = self.participant_id()
        if pid is None:
            self.finished.emit()
        elif self.answers():
            self.save_requested.emit(pid)
        else:
            self._move(1)  # nothing typed: skip this person
