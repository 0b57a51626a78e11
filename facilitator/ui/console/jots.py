"""Quick jots: pick a participant (a tile's digit key or part of a name), type, Enter saves.

Jots are timestamped by the service when saved and later feed the progress note. The panel
emits ``save_requested(participant_id)`` (0 for a note about the whole group) and the console
reads ``text()``, so what was typed never travels in a signal.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QVBoxLayout, QWidget

from ..theme import follow, panel_style
from .style import scaled_font

GROUP = 0  # participant id used for a jot about the whole group


@dataclass(frozen=True)
class Pickable:
    participant_id: int
    key: str
    name: str


class _Line(QLineEdit):
    """A line edit that hands Esc (and Tab, for the picker) to its panel."""

    escaped = Signal()
    tabbed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            return
        if event.key() == Qt.Key.Key_Tab:
            self.tabbed.emit()
            return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:  # Qt names it "next"
        self.tabbed.emit()
        return True


class JotPanel(QFrame):
    """Who (picker) + what (text); Enter in the text saves."""

    save_requested = Signal(int)
    """Save ``text()`` as a jot about this participant id (``GROUP``: the whole group)."""
    close_requested = Signal()
    """Esc: close without saving."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jotPanel")
        follow(self, lambda t: self.setStyleSheet(panel_style("jotPanel", t)))
        self._people: list[Pickable] = []
        self._chosen: Pickable | None = None
        title = QLabel(self.tr("Quick jot"))
        title.setFont(scaled_font(1.5, bold=True))
        self.who = _Line()
        self.who.setPlaceholderText(self.tr("Who? Tile key (1–9, 0) or part of a name; "
                                            "Enter for the whole group"))
        self.who.setAccessibleName(self.tr("Participant"))
        self.who.setFont(scaled_font(1.3))
        self.match = QLabel()
        self.match.setFont(scaled_font(1.4, bold=True))
        self.text_edit = _Line()
        self.text_edit.setPlaceholderText(self.tr("What did you notice? Enter saves"))
        self.text_edit.setAccessibleName(self.tr("Observation"))
        self.text_edit.setFont(scaled_font(1.3))
        self.text_edit.setMaxLength(4000)
        self.recent = QLabel()
        self.recent.setWordWrap(True)
        self.recent.setFont(scaled_font(1.05))
        hint = QLabel(self.tr("Enter saves with the time · Tab: about someone else · "
                              "Esc closes"))
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 12, 16, 12)
        for widget in (title, self.who, self.match, self.text_edit, hint, self.recent):
            box.addWidget(widget)
        box.addStretch(1)
        self.who.textEdited.connect(self._on_who_edited)
        self.who.returnPressed.connect(self._on_who_done)
        self.who.tabbed.connect(self._on_who_done)
        self.who.escaped.connect(self.close_requested)
        self.text_edit.returnPressed.connect(self._on_text_done)
        self.text_edit.escaped.connect(self.close_requested)
        self.text_edit.tabbed.connect(self._on_text_tabbed)

    def set_people(self, people: list[Pickable]) -> None:
        self._people = people

    def set_recent(self, lines: list[str]) -> None:
        self.recent.setText("\n".join(lines))

    def begin(self, preselected: int | None = None) -> None:
        """Open for a new jot; a participant selected on the board is offered (Enter keeps)."""
        self.who.clear()
        self.text_edit.clear()
        self._chosen = next((p for p in self._people if p.participant_id == preselected), None)
        self._show_match()
        if self._chosen is not None:
            # The keys go straight into the note about them: typing must never overwrite the
            # name (and turn the jot into one about the whole group). Someone else: Tab first.
            self.who.setText(self._chosen.name)
            self.text_edit.setFocus()
        else:
            self.who.setFocus()

    def _on_text_tabbed(self) -> None:
        # A deliberate step to change who the jot is about: the name is selected to be replaced.
        self.who.setFocus()
        self.who.selectAll()

    def text(self) -> str:
        return self.text_edit.text()

    def saved(self) -> None:
        self.text_edit.clear()

    # -- picking --------------------------------------------------------------------------------
    def candidates(self, typed: str) -> list[Pickable]:
        typed = typed.strip()
        if not typed:
            return []
        if typed.isdigit():
            return [p for p in self._people if p.key == typed]
        folded = typed.casefold()
        return [p for p in self._people if folded in p.name.casefold()]

    def _on_who_edited(self, typed: str) -> None:
        found = self.candidates(typed)
        self._chosen = found[0] if len(found) == 1 else None
        if typed.strip().isdigit() and self._chosen is not None:
            # A digit key picks at once: one key, then straight on to typing the jot.
            self.who.setText(self._chosen.name)
            self.text_edit.setFocus()
        self._show_match(found if self._chosen is None else None)

    def _on_who_done(self) -> None:
        found = self.candidates(self.who.text())
        if self._chosen is None and found:
            self._chosen = found[0]
        self._show_match()
        self.text_edit.setFocus()

    def _show_match(self, several: list[Pickable] | None = None) -> None:
        if self._chosen is not None:
            self.match.setText(self.tr("About: {name}").format(name=self._chosen.name))
        elif several:
            self.match.setText(self.tr("Several match: {names}").format(
                names=", ".join(p.name for p in several[:5])))
        elif self.who.text().strip():
            self.match.setText(self.tr("Nobody matches; Enter for the whole group"))
        else:
            self.match.setText(self.tr("About: the whole group"))

    def _on_text_done(self) -> None:
        self.save_requested.emit(self._chosen.participant_id if self._chosen else GROUP)
