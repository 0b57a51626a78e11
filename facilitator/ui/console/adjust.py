"""Adjusting a participant's arrival and departure afterwards, with a reason (inline, no modal).

E on the board opens it for the selected participant. Times are typed as HH:MM in the clinic's
time zone on the session date; a blank departure means "has not left". The service checks the
order of times, requires the reason and audits the change.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QLineEdit, QVBoxLayout, QWidget

from facilitator.services.console.dto import AttendanceView

from .style import scaled_font

_HHMM = re.compile(r"^\s*(\d{1,2})[:.h]?(\d{2})\s*$")


def parse_clock(text: str, on: date, tz: ZoneInfo) -> datetime | None:
    """``"9:05"`` / ``"0905"`` on ``on`` in ``tz`` → aware UTC datetime; ValueError if garbled,
    None if blank."""
    if not text.strip():
        return None
    found = _HHMM.match(text)
    if not found or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        raise ValueError(text)
    local = datetime.combine(on, time(int(found.group(1)), int(found.group(2))), tzinfo=tz)
    return local.astimezone(ZoneInfo("UTC"))


class AdjustPanel(QFrame):
    """Arrived / left / reason; Enter in any field applies."""

    apply_requested = Signal(int)
    """Apply ``values()`` to this participant id."""
    close_requested = Signal()

    def __init__(self, timezone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adjustPanel")
        self.setStyleSheet("#adjustPanel { background: #ffffff; border: 2px solid #1d4f91;"
                           " border-radius: 6px; }")
        self._tz = timezone
        self._pid: int | None = None
        self._date: date | None = None
        self.title = QLabel()
        self.title.setFont(scaled_font(1.4, bold=True))
        self.arrived = QLineEdit()
        self.departed = QLineEdit()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("Required, e.g. 'arrived before I marked it'"))
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #8a1c12;")
        form = QFormLayout()
        for label, edit in ((self.tr("Arrived (HH:MM)"), self.arrived),
                            (self.tr("Left (HH:MM, blank: still here)"), self.departed),
                            (self.tr("Reason"), self.reason)):
            edit.setFont(scaled_font(1.2))
            edit.returnPressed.connect(self._on_enter)
            form.addRow(label, edit)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 12, 16, 12)
        box.addWidget(self.title)
        box.addLayout(form)
        box.addWidget(self.error)
        box.addWidget(QLabel(self.tr("Enter applies · Esc cancels")))
        box.addStretch(1)

    def begin(self, view: AttendanceView, session_date: date) -> None:
        self._pid, self._date = view.participant_id, session_date
        self.title.setText(self.tr("Adjust times: {name}").format(name=view.short_name))
        self.arrived.setText(self._hhmm(view.arrived_at))
        self.departed.setText(self._hhmm(view.departed_at))
        self.reason.clear()
        self.error.clear()
        self.reason.setFocus()

    def values(self) -> tuple[datetime | None, datetime | None, str]:
        """(arrived, departed, reason); ValueError if a time is not HH:MM."""
        assert self._date is not None
        return (parse_clock(self.arrived.text(), self._date, self._tz),
                parse_clock(self.departed.text(), self._date, self._tz), self.reason.text())

    def show_problem(self, message: str) -> None:
        self.error.setText("⚠ " + message)

    def _hhmm(self, when: datetime | None) -> str:
        return f"{when.astimezone(self._tz):%H:%M}" if when else ""

    def _on_enter(self) -> None:
        if self._pid is not None:
            self.apply_requested.emit(self._pid)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close_requested.emit()
            return
        super().keyPressEvent(event)
