"""Adjusting a participant's arrival, departure and times out of the room afterwards, with a
reason (inline, no modal).

E on the board opens it for the selected participant. Times are typed as HH:MM in the clinic's
time zone on the session date; a blank departure means "has not left", a blank return "still
out". Only the fields edited are sent, all in one call (``correct_attendance``: one
transaction and one undo entry), which checks the order of times and overlaps, requires the
reason and audits the change; a refused part leaves every part unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from facilitator.services.console.dto import AttendanceView

from ..theme import follow, panel_style
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


@dataclass(frozen=True)
class AdjustChanges:
    """What was edited: ``times`` (arrived, departed) or None; changed out-of-room intervals
    as (interval id, left at, returned at)."""

    times: tuple[datetime | None, datetime | None] | None
    intervals: tuple[tuple[int, datetime, datetime | None], ...]
    reason: str

    @property
    def empty(self) -> bool:
        return self.times is None and not self.intervals


class AdjustPanel(QFrame):
    """Arrived / left / reason; Enter in any field applies."""

    apply_requested = Signal(int)
    """Apply ``values()`` to this participant id."""
    close_requested = Signal()

    def __init__(self, timezone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adjustPanel")
        follow(self, lambda t: self.setStyleSheet(panel_style("adjustPanel", t)))
        self._tz = timezone
        self._pid: int | None = None
        self._date: date | None = None
        self.title = QLabel()
        self.title.setFont(scaled_font(1.4, bold=True))
        self.arrived = QLineEdit()
        self.departed = QLineEdit()
        self.reason = QLineEdit()
        self.arrived.setAccessibleName(self.tr("Arrived (HH:MM)"))
        self.departed.setAccessibleName(self.tr("Left (HH:MM)"))
        self.reason.setAccessibleName(self.tr("Reason for the correction"))
        self.reason.setPlaceholderText(self.tr("Required, e.g. 'arrived before I marked it'"))
        self.error = QLabel()
        self.error.setWordWrap(True)
        follow(self.error, lambda t: self.error.setStyleSheet(f"color: {t.alert};"))
        self._original: dict[QLineEdit, str] = {}
        self._intervals: list[tuple[int, QLineEdit, QLineEdit]] = []
        self._cycle: list[QLineEdit] = []
        self.form = QFormLayout()
        for label, edit in ((self.tr("Arrived (HH:MM)"), self.arrived),
                            (self.tr("Left (HH:MM, blank: still here)"), self.departed),
                            (self.tr("Reason"), self.reason)):
            self._setup(edit)
            self.form.addRow(label, edit)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 12, 16, 12)
        box.addWidget(self.title)
        box.addLayout(self.form)
        box.addWidget(self.error)
        box.addWidget(QLabel(self.tr("Tab next field · Enter applies · Esc cancels")))
        box.addStretch(1)

    def _setup(self, edit: QLineEdit) -> None:
        edit.setFont(scaled_font(1.2))
        edit.returnPressed.connect(self._on_enter)

    def begin(self, view: AttendanceView, session_date: date) -> None:
        self._pid, self._date = view.participant_id, session_date
        self.title.setText(self.tr("Adjust times: {name}").format(name=view.short_name))
        self.arrived.setText(self._hhmm(view.arrived_at))
        self.departed.setText(self._hhmm(view.departed_at))
        while self.form.rowCount() > 3:  # out-of-room rows of the previous participant
            self.form.removeRow(2)
        self._intervals = []
        for n, gap in enumerate(view.out_of_room, 1):
            left, back = QLineEdit(self._hhmm(gap.left_at)), QLineEdit(self._hhmm(gap.returned_at))
            back.setPlaceholderText(self.tr("still out"))
            row = QHBoxLayout()
            for edit, word in ((left, self.tr("out")), (back, self.tr("back"))):
                edit.setAccessibleName(self.tr("Out of the room {n}: {word} (HH:MM)").format(
                    n=n, word=word))
                self._setup(edit)
                row.addWidget(QLabel(word))
                row.addWidget(edit, 1)
            self.form.insertRow(self.form.rowCount() - 1,
                                self.tr("Out of the room {n}").format(n=n), row)
            self._intervals.append((gap.id, left, back))
        edits = [self.arrived, self.departed] + [e for _i, a, b in self._intervals for e in (a, b)]
        self._original = {edit: edit.text() for edit in edits}
        self._cycle = [*edits, self.reason]  # Tab order; focusNextPrevChild keeps Tab inside
        self.reason.clear()
        self.error.clear()
        self.reason.setFocus()

    def values(self) -> AdjustChanges:
        """What was edited, as times; ValueError if a time is not HH:MM."""
        assert self._date is not None
        day, tz = self._date, self._tz

        def edited(*edits: QLineEdit) -> bool:
            return any(e.text().strip() != self._original.get(e, "") for e in edits)

        times = None
        if edited(self.arrived, self.departed):
            times = (parse_clock(self.arrived.text(), day, tz),
                     parse_clock(self.departed.text(), day, tz))
        intervals = []
        for interval_id, left, back in self._intervals:
            if edited(left, back):
                out = parse_clock(left.text(), day, tz)
                if out is None:
                    raise ValueError(left.text())
                intervals.append((interval_id, out, parse_clock(back.text(), day, tz)))
        return AdjustChanges(times, tuple(intervals), self.reason.text())

    def show_problem(self, message: str) -> None:
        self.error.setText("⚠ " + message)

    def _hhmm(self, when: datetime | None) -> str:
        return f"{when.astimezone(self._tz):%H:%M}" if when else ""

    def _on_enter(self) -> None:
        if self._pid is not None:
            self.apply_requested.emit(self._pid)

    def focusNextPrevChild(self, next: bool) -> bool:
        # Tab and Shift+Tab go round the panel's fields and never leave it: past the last field
        # the keys would reach the board, where letters are one-key clinical actions (typing a
        # reason there marked people absent and raised a flag). setTabOrder cannot close a
        # cycle (each call moves its second widget), hence this override.
        current = self.focusWidget()
        cycle = self._cycle
        if current in cycle:
            step = 1 if next else -1
            cycle[(cycle.index(current) + step) % len(cycle)].setFocus(
                Qt.FocusReason.TabFocusReason if next else Qt.FocusReason.BacktabFocusReason)
            return True
        return super().focusNextPrevChild(next)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close_requested.emit()
            return
        super().keyPressEvent(event)
