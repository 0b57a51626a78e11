"""Sizes, icons and the message strip shared by the console widgets.

Fonts are multiples of the system font, so the console scales with the user's accessibility
settings (DESIGN.md: "sizes scale with the system font"). Icons are text glyphs so every state
reads as icon *and* word, never colour alone, and screenshots need no image files.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from ..theme import theme
from ..widgets import scaled_font

# Glyphs paired with words wherever a state is shown.
ICON_PRESENT = "✔"
ICON_LATE = "◷"
ICON_OUT = "⇥"
ICON_DEPARTED = "⇤"
ICON_ABSENT = "✖"
ICON_EXCUSED = "○"
ICON_TELEHEALTH = "▣"
ICON_EXPECTED = "…"
ICON_FLAG = "⚑"
ICON_OVERRUN = "⚠"
ICON_BREAK = "☕"
ICON_SHIELD = "◈"
ICON_CHECK = "✔"
ICON_DONE_BOX = "☑"
ICON_OPEN_BOX = "☐"
ICON_TOPIC = "❖"
ICON_PLANNED = "☆"


def short_day(day: date) -> str:
    """"Mon 2 Mar": the day of a block of an earlier day that nobody ended."""
    return f"{day:%a} {day.day} {day:%b}"


class MessageStrip(QFrame):
    """A one-line, non-modal message under the header: errors and confirmations.

    Never a dialog, never a traceback: the text is a service error's human sentence. It fades
    after a while so a stale message cannot be mistaken for a new one.
    """

    dismissed = Signal()
    """Emitted when the message is cleared (timeout or ``clear``)."""

    def __init__(self, parent: QWidget | None = None, *, keep_place: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("messageStrip")
        self._icon = QLabel()
        self._text = QLabel()
        self._text.setWordWrap(True)
        font = scaled_font(1.15, bold=True)
        self._icon.setFont(font)
        self._text.setFont(font)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 4, 12, 4)
        row.addWidget(self._icon)
        row.addWidget(self._text, 1)
        if keep_place:
            # The strip keeps its place (two lines) while empty or hidden: in the console a
            # message appearing or going must never move the tiles about to be pressed.
            margins = row.contentsMargins()
            self.setFixedHeight(QFontMetrics(font).lineSpacing() * 2 + margins.top()
                                + margins.bottom())
            policy = self.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            self.setSizePolicy(policy)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear)
        self.hide()

    def show_error(self, text: str, msec: int = 12_000) -> None:
        t = theme()
        self._show("⚠", self.tr("Not saved:") + " " + text, t.alert_surface, t.alert, msec)

    def show_info(self, text: str, msec: int = 6_000) -> None:
        t = theme()
        self._show("ℹ", text, t.info_surface, t.info_text, msec)

    def _show(self, icon: str, text: str, bg: str, fg: str, msec: int) -> None:
        self._icon.setText(icon)
        self._text.setText(text)
        self._text.setToolTip(text)  # in full, should it ever need more than the two lines
        self.setStyleSheet(f"#messageStrip {{ background: {bg}; border-radius: 4px; }}"
                           f" #messageStrip QLabel {{ color: {fg}; }}")
        self.show()
        self._timer.start(msec)

    def text(self) -> str:
        return self._text.text() if self.isVisible() else ""

    def clear(self) -> None:
        self._timer.stop()
        self._text.clear()
        self.hide()
        self.dismissed.emit()
