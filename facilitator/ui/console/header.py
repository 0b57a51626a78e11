"""The big, glanceable header: current segment, elapsed and remaining time, next segment, and
the running segment's curriculum topic (title only).

Readable from a metre away: the segment title and the remaining time are the largest text on the
screen. An overrun shows a warning icon *and* the words "over by", never colour alone. All
numbers come from ``ConsoleState`` (computed by the service from stored wall-clock times), so the
header is right after sleep, lock or a crash.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from facilitator.services.console.dto import ConsoleState

from ..theme import follow
from .style import ICON_BREAK, ICON_OVERRUN, ICON_TOPIC, scaled_font, short_day


def format_duration(seconds: int) -> str:
    """``h:mm:ss`` from one hour on, else ``m:ss``; negative values clamp to zero."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# A start this far from the planned time is asked about once: more likely the wrong group (or
# the wrong day) than a block that really starts hours early.
START_CONFIRM = timedelta(minutes=30)


def off_schedule_question(planned: datetime, now: datetime, timezone: ZoneInfo) -> str | None:
    """"Planned for 18:00; it is 14:40 (3 h 20 min early). Start now?" — or None when the
    start is within ``START_CONFIRM`` of the planned time."""
    offset = now - planned
    if abs(offset) <= START_CONFIRM:
        return None
    hours, minutes = divmod(int(abs(offset).total_seconds()) // 60, 60)
    amount = (f"{hours} h {minutes} min" if minutes else f"{hours} h") if hours \
        else f"{minutes} min"
    tr = QCoreApplication.translate
    text = tr("ConsoleHeader", "This block is planned for {planned}; it is {now} ({amount} "
              "{when}). Start it now?")
    return text.format(planned=f"{planned.astimezone(timezone):%H:%M}",
                       now=f"{now.astimezone(timezone):%H:%M}", amount=amount,
                       when=tr("ConsoleHeader", "early") if offset < timedelta(0)
                       else tr("ConsoleHeader", "late"))


def status_running(state: ConsoleState) -> bool:
    return state.session.status == "running"


class ConsoleHeader(QFrame):
    """Shows one ``ConsoleState``; it never computes times itself."""

    def __init__(self, timezone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consoleHeader")
        self._tz = timezone
        self._build_ui()

    def _build_ui(self) -> None:
        follow(self, lambda t: self.setStyleSheet(
            f"#consoleHeader {{ background: {t.header_surface}; border-radius: 6px; }}"
            f" #consoleHeader QLabel {{ color: {t.text}; }}"
            f" QLabel#overrun {{ color: {t.alert}; }} QLabel#breakBadge {{ color: {t.caution}; }}"))
        self.segment = QLabel()
        self.segment.setObjectName("segment")
        self.segment.setFont(scaled_font(2.4, bold=True))
        self.remaining = QLabel()
        self.remaining.setObjectName("remaining")
        self.remaining.setFont(scaled_font(2.4, bold=True))
        self.elapsed = QLabel()
        self.elapsed.setFont(scaled_font(1.3))
        self.overrun = QLabel()
        self.overrun.setObjectName("overrun")
        self.overrun.setFont(scaled_font(1.5, bold=True))
        self.overrun.setWordWrap(True)
        self.next_segment = QLabel()
        self.next_segment.setFont(scaled_font(1.3))
        self.block = QLabel()
        self.block.setFont(scaled_font(1.3))
        self.topic = QLabel()
        self.topic.setObjectName("topic")
        self.topic.setFont(scaled_font(1.3, bold=True))
        self.clock = QLabel()
        self.clock.setFont(scaled_font(1.3, bold=True))
        grid = QGridLayout(self)
        grid.setContentsMargins(16, 10, 16, 10)
        grid.setHorizontalSpacing(24)
        grid.addWidget(self.segment, 0, 0)
        grid.addWidget(self.remaining, 0, 1)
        grid.addWidget(self.clock, 0, 2)
        grid.addWidget(self.elapsed, 1, 0)
        grid.addWidget(self.overrun, 1, 1)
        grid.addWidget(self.block, 1, 2)
        grid.addWidget(self.topic, 2, 0, 1, 2)
        grid.addWidget(self.next_segment, 3, 0, 1, 3)
        grid.setColumnStretch(0, 1)

    def show_state(self, state: ConsoleState, topic_title: str = "") -> None:
        """Show the state; ``topic_title`` is the running segment's topic (chosen or planned)."""
        seg = state.current_segment
        self.topic.setText(f"{ICON_TOPIC} " + self.tr("Topic: {title}").format(title=topic_title)
                           if topic_title and seg is not None and status_running(state) else "")
        self.topic.setVisible(bool(self.topic.text()))
        local_now = state.now.astimezone(self._tz)
        self.clock.setText(f"{local_now:%H:%M}")
        status = state.session.status
        if status == "ended":
            self.segment.setText(self.tr("Block ended"))
        elif seg is None:
            self.segment.setText(self.tr("Not started — press Space to begin")
                                 if status == "planned" else self.tr("Between segments"))
        elif state.on_break:
            title = seg.title if "break" in seg.title.casefold() else self.tr(
                "Break: {title}").format(title=seg.title)
            self.segment.setText(f"{ICON_BREAK} {title}")
        else:
            self.segment.setText(seg.title)
        if seg is not None and status == "running":
            self.remaining.setText(
                f"{ICON_OVERRUN} " + self.tr("{time} over").format(
                    time=format_duration(state.overrun_s)) if state.overrun else
                self.tr("{time} left").format(time=format_duration(state.segment_remaining_s)))
            self.elapsed.setText(self.tr("{time} into this segment (planned {minutes} min)").format(
                time=format_duration(state.segment_elapsed_s), minutes=seg.planned_minutes))
        else:
            self.remaining.setText("")
            self.elapsed.setText("")
        if state.overrun and status == "running":
            self.overrun.setText(f"{ICON_OVERRUN} " + self.tr(
                "Over time by {time} · Space: next segment").format(
                time=format_duration(state.overrun_s)))
        else:
            self.overrun.setText("")
        nxt = state.next_segment
        self.next_segment.setText(
            self.tr("Next: {title} ({minutes} min)").format(title=nxt.title,
                                                              minutes=nxt.planned_minutes)
            if nxt is not None else self.tr("Next: end of block"))
        self.block.setText(self.tr("Block {elapsed} · {remaining} to planned end").format(
            elapsed=format_duration(state.session_elapsed_s),
            remaining=format_duration(state.session_remaining_s)))
        if status == "running" and state.session.session_date < local_now.date():
            # Nobody ended it on its day: days of "over time" help no one (and widen the
            # header past the screen); say what ending it does (``ending.end_session``).
            self.remaining.setText(f"{ICON_OVERRUN} " + self.tr("Never ended"))
            self.elapsed.setText(self.tr("This block of {day} was never ended.").format(
                day=short_day(state.session.session_date)))
            self.overrun.setText(self.tr("Ctrl+E twice ends it at its planned end, or at its "
                                         "last action if that came later."))
            self.block.setText("")
        if state.clock_problem:
            self.elapsed.setText(f"{ICON_OVERRUN} {state.clock_problem}")
