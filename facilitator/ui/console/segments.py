"""The segment list: planned and actual times; reorder, add, skip and record topics by keyboard.

Keys while the list has focus: Ctrl+↑/Ctrl+↓ move the selected (pending) segment, Del skips it,
Ins adds a segment (type "title minutes", Enter), T opens the topic picker (the console shows
it), Esc back to the board. A module segment with no topic yet shows the rotation plan's topic
as "☆ Planned: …". Which moves are allowed is the service's decision; refusals show in the
message strip.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator.services.console.dto import SegmentView

from .style import ICON_CHECK, ICON_PLANNED, scaled_font

ModelIndex = QModelIndex | QPersistentModelIndex
SegmentIdRole = Qt.ItemDataRole.UserRole + 1
_TITLE_MINUTES = re.compile(r"^\s*(?:(\d{1,3})\s+(.+?)|(.+?)\s+(\d{1,3}))\s*(?:min)?\s*$")


def parse_new_segment(text: str) -> tuple[str, int] | None:
    """``"Mindfulness 20"`` or ``"20 Mindfulness"`` → (title, minutes); None if no number."""
    found = _TITLE_MINUTES.match(text)
    if not found:
        return None
    if found.group(1):
        return found.group(2).strip(), int(found.group(1))
    return found.group(3).strip(), int(found.group(4))


class SegmentModel(QAbstractTableModel):
    """Segments in running order with their state, planned minutes and actual times."""

    COLUMNS = ("state", "title", "planned", "actual", "topic")

    def __init__(self, timezone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tz = timezone
        self._rows: tuple[SegmentView, ...] = ()
        self._planned: dict[int, str] = {}

    def set_segments(self, segments: tuple[SegmentView, ...],
                     planned: dict[int, str] | None = None) -> None:
        """Segments in order; ``planned`` maps module segment ids to the plan's topic title."""
        planned = planned or {}
        if segments == self._rows and planned == self._planned:
            return
        self._planned = planned
        if [s.id for s in segments] == [s.id for s in self._rows]:
            self._rows = segments
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(segments) - 1, len(self.COLUMNS) - 1))
            return
        self.beginResetModel()
        self._rows = segments
        self.endResetModel()

    def segment_at(self, row: int) -> SegmentView | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, segment_id: int) -> int:
        return next((i for i, s in enumerate(self._rows) if s.id == segment_id), -1)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt default
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        titles = (self.tr("State"), self.tr("Segment"), self.tr("Planned"), self.tr("Actual"),
                  self.tr("Topic"))
        return titles[section] if 0 <= section < len(titles) else None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        seg = self._rows[index.row()]
        if role == SegmentIdRole:
            return seg.id
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and column in ("title", "topic"):
            return self.data(index, Qt.ItemDataRole.DisplayRole) or None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == "state":
            if seg.skipped:
                return "⤼ " + self.tr("Skipped")
            if seg.running:
                return "▶ " + self.tr("Now")
            if seg.done:
                return f"{ICON_CHECK} " + self.tr("Done")
            return "· " + self.tr("Next") if index.row() == self._first_pending() else ""
        if column == "title":
            return seg.title
        if column == "planned":
            return self.tr("{m} min").format(m=seg.planned_minutes)
        if column == "actual":
            if seg.actual_start is None:
                return ""
            start = f"{seg.actual_start.astimezone(self._tz):%H:%M}"
            if seg.actual_end is None:  # "14:37–…" read as text cut off
                return self.tr("since {time}").format(time=start)
            return f"{start}–{seg.actual_end.astimezone(self._tz):%H:%M}"
        if not seg.topic_text and seg.id in self._planned:
            return f"{ICON_PLANNED} " + self.tr("Planned: {title}").format(
                title=self._planned[seg.id])
        return seg.topic_text

    def running_or_next(self) -> int:
        """Row of the running segment, else of the first pending one, else -1."""
        running = next((i for i, s in enumerate(self._rows) if s.running), -1)
        return running if running >= 0 else self._first_pending()

    def _first_pending(self) -> int:
        return next((i for i, s in enumerate(self._rows) if s.pending), -1)


class _SegmentTable(QTableView):
    """Forwards the panel's keys instead of letting the table search or edit."""

    key_pressed = Signal(QKeyEvent)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        plain_nav = event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and not (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if plain_nav:
            super().keyPressEvent(event)
            return
        self.key_pressed.emit(event)


class SegmentsPanel(QFrame):
    """The segment table plus one inline line for "add" and "topic"."""

    move_requested = Signal(int, int)
    """Move segment id to a 0-based position."""
    skip_requested = Signal(int)
    add_requested = Signal()
    """Add ``new_segment()`` (title, minutes) after the last segment."""
    topic_requested = Signal(int)
    """T: open the topic picker for this segment id."""
    close_requested = Signal()

    def __init__(self, model: SegmentModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("segmentsPanel")
        self._mode = ""
        title = QLabel(self.tr("Segments"))
        title.setFont(scaled_font(1.5, bold=True))
        self.table = _SegmentTable()
        self.table.setModel(model)
        self.table.setFont(scaled_font(1.15))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The times column is as wide as its widest text from the start, so the table does
        # not shift as segments start and end.
        metrics = self.table.fontMetrics()
        times = max(metrics.horizontalAdvance(t) for t in (
            "00:00–00:00", self.tr("since {time}").format(time="00:00"))) + \
            3 * metrics.averageCharWidth()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(3, times)
        # Segment and topic titles share the spare width and wrap onto more lines rather
        # than being cut; rows grow to fit (the tooltip has the text too).
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.line = QLineEdit()
        self.line.setFont(scaled_font(1.2))
        self.line.hide()
        self.hint = QLabel(self.tr("Ctrl+↑/↓ move · Del skip · Ins add · T pick the topic · "
                                   "Esc board"))
        self.hint.setWordWrap(True)
        box = QVBoxLayout(self)
        box.setContentsMargins(8, 8, 8, 8)
        for widget in (title, self.table, self.line, self.hint):
            box.addWidget(widget)
        self.table.setAccessibleName(self.tr("Segments of the block"))
        self.table.setAccessibleDescription(self.hint.text())
        self.line.setAccessibleName(self.tr("New segment: title and minutes"))
        QWidget.setTabOrder(self.table, self.line)
        self.table.key_pressed.connect(self._on_table_key)
        self.line.returnPressed.connect(self._on_line_enter)

    @property
    def model(self) -> SegmentModel:
        return self.table.model()  # type: ignore[return-value]

    def focus_list(self, *, at_running: bool = False) -> None:
        """Keys to the table; ``at_running`` (S from the board) selects the running segment,
        or the next one when none runs: what T is most likely meant for."""
        if self.model.rowCount() and (at_running or not self.table.currentIndex().isValid()):
            self.table.selectRow(max(0, self.model.running_or_next()))
        self.table.setFocus()

    def selected(self) -> SegmentView | None:
        index = self.table.currentIndex()
        return self.model.segment_at(index.row()) if index.isValid() else None

    def new_segment(self) -> tuple[str, int] | None:
        return parse_new_segment(self.line.text())

    def done(self) -> None:
        self.line.clear()
        self.line.hide()
        self._mode = ""
        self.table.setFocus()

    def _on_table_key(self, event: QKeyEvent) -> None:
        seg = self.selected()
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.close_requested.emit()
        elif ctrl and key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and seg is not None:
            self.move_requested.emit(seg.id, max(0, seg.position + (-1 if key == Qt.Key.Key_Up
                                                                    else 1)))
        elif key == Qt.Key.Key_Delete and seg is not None:
            self.skip_requested.emit(seg.id)
        elif key == Qt.Key.Key_Insert:
            self._open_line("add", self.tr("New segment: title and minutes, e.g. "
                                                 "'Mindfulness practice 20'; Enter adds"))
        elif key == Qt.Key.Key_T and seg is not None:
            self.topic_requested.emit(seg.id)
        else:
            event.ignore()
            return
        event.accept()

    def _open_line(self, mode: str, placeholder: str) -> None:
        self._mode = mode
        self.line.clear()
        self.line.setPlaceholderText(placeholder)
        self.line.show()
        self.line.setFocus()

    def _on_line_enter(self) -> None:
        if self._mode == "add":
            self.add_requested.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            if self.line.isVisible():
                self.done()
            else:
                self.close_requested.emit()
            return
        super().keyPressEvent(event)
