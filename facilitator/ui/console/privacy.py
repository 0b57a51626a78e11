"""The privacy shield (F12): a neutral view that replaces everything personal on screen.

The laptop may face the room or a projector. The console swaps its whole body for this widget,
so no participant name, status, answer, jot or flag is in any visible widget; only the running
segment and its time left stay, because they are about the group, not a person.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from facilitator.services.console.dto import ConsoleState

from ..widgets import SEGMENT_KIND_TEXT
from .header import format_duration
from .style import ICON_SHIELD, scaled_font

# An "other" segment's own title could say too much on a projector: a neutral text instead.
_KIND_TEXT = {**SEGMENT_KIND_TEXT, "other": "Group in session"}


class PrivacyShield(QFrame):
    """Shows only: "privacy shield on", the kind of segment, time left, how to return."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("privacyShield")
        # Deliberately dark in either scheme (a projector, a room): background *and* text set.
        self.setStyleSheet("#privacyShield { background: #2b3440; }"
                           " #privacyShield QLabel { color: #f4f4f4; }")
        self.title = QLabel(f"{ICON_SHIELD} " + self.tr("Privacy shield on"))
        self.title.setFont(scaled_font(2.0, bold=True))
        self.segment = QLabel()
        self.segment.setFont(scaled_font(3.0, bold=True))
        self.time_left = QLabel()
        self.time_left.setFont(scaled_font(2.4))
        self.hint = QLabel(self.tr("Press F12 to show the console again. The block keeps running."))
        self.hint.setFont(scaled_font(1.2))
        box = QVBoxLayout(self)
        box.addStretch(2)
        for label in (self.title, self.segment, self.time_left, self.hint):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            box.addWidget(label)
            box.addSpacing(12)
        box.addStretch(3)

    def show_state(self, state: ConsoleState | None) -> None:
        seg = state.current_segment if state else None
        if state is None or seg is None or state.session.status != "running":
            self.segment.setText("")
            self.time_left.setText("")
            return
        # The kind, not the title: a segment title is free text and could name someone.
        self.segment.setText(self.tr(_KIND_TEXT.get(seg.kind, "Group in session")))
        if state.overrun:
            self.time_left.setText(self.tr("Over time by {time}").format(
                time=format_duration(state.overrun_s)))
        else:
            self.time_left.setText(self.tr("{time} left").format(
                time=format_duration(state.segment_remaining_s)))
