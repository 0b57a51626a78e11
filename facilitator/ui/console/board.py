"""The attendance board: one large tile per participant, readable from a metre away.

Each tile shows the participant's key (1–9, 0, then letters), name, status as icon *and* word,
minutes so far against the daily minimum, whether check-in and check-out are done (box glyph and
words), an out-of-room line while they are out and a safety flag line that stays until the flag
is addressed. ``BoardModel`` adapts the service's
``AttendanceView`` tuples; ``BoardView`` fits the tiles to the window (``tiles.TileDelegate``
paints each) and leaves letter keys to the console.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QModelIndex,
    Qt,
)
from PySide6.QtGui import QFontMetrics, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QWidget,
)

from facilitator.services.console.dto import AttendanceView

from ..theme import follow
from .keymap import participant_key
from .style import (
    ICON_ABSENT,
    ICON_DEPARTED,
    ICON_DONE_BOX,
    ICON_EXCUSED,
    ICON_EXPECTED,
    ICON_FLAG,
    ICON_LATE,
    ICON_OPEN_BOX,
    ICON_OUT,
    ICON_PRESENT,
    ICON_TELEHEALTH,
)
from .tiles import (
    FlagRole,
    FormsRole,
    KeyRole,
    MinimumMetRole,
    MinutesRole,
    ModelIndex,
    OutRole,
    ParticipantIdRole,
    RawStatusRole,
    StatusRole,
    TileDelegate,
)

STATUS_ICONS = {
    "expected": ICON_EXPECTED, "present": ICON_PRESENT, "late": ICON_LATE,
    "left_early": ICON_DEPARTED, "absent": ICON_ABSENT, "excused": ICON_EXCUSED,
    "telehealth": ICON_TELEHEALTH,
}


class BoardModel(QAbstractListModel):
    """One row per participant on today's list, in the service's order."""

    def __init__(self, timezone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tz = timezone
        self._rows: tuple[AttendanceView, ...] = ()
        self._now: datetime | None = None

    # -- data in --------------------------------------------------------------------------------
    def set_rows(self, rows: tuple[AttendanceView, ...], now: datetime) -> None:
        """Replace the data; a same-people refresh is a ``dataChanged`` so selection survives."""
        same_people = [r.participant_id for r in rows] == [r.participant_id for r in self._rows]
        self._now = now
        if same_people:
            changed = rows != self._rows
            self._rows = rows
            if changed and rows:
                self.dataChanged.emit(self.index(0), self.index(len(rows) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row_view(self, row: int) -> AttendanceView | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, participant_id: int) -> int:
        for row, view in enumerate(self._rows):
            if view.participant_id == participant_id:
                return row
        return -1

    def views(self) -> tuple[AttendanceView, ...]:
        return self._rows

    # -- Qt model API ---------------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt default
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        view = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return view.short_name
        if role == KeyRole:
            return participant_key(index.row())
        if role == StatusRole:
            return self.status_text(view)
        if role == RawStatusRole:
            return view.status
        if role == MinutesRole:
            # Weekly hours beside today's minutes: payers check both (REFERENCE: 3 h a day,
            # 9 h scheduled a week), and a shortfall is only visible if both are on screen.
            return self.tr("{minutes}/{minimum} min today · {week:.1f}/{week_min:g} h week").format(
                minutes=view.minutes_today, minimum=view.daily_minimum,
                week=view.week_minutes / 60, week_min=view.weekly_minimum / 60)
        if role == MinimumMetRole:
            return view.daily_met
        if role == OutRole:
            return self.out_text(view)
        if role == FormsRole:
            return self.forms_text(view)
        if role == FlagRole:
            if not view.open_flags:
                return ""
            return f"{ICON_FLAG} " + (self.tr("Safety flag open") if view.open_flags == 1 else
                                      self.tr("{n} safety flags open").format(n=view.open_flags))
        if role == ParticipantIdRole:
            return view.participant_id
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            parts = [participant_key(index.row()), view.display_name, self.status_text(view),
                     self.data(index, MinutesRole), self.forms_text(view), self.out_text(view),
                     self.data(index, FlagRole)]
            return " · ".join(str(p) for p in parts if p)
        return None

    def status_text(self, view: AttendanceView) -> str:
        words = {
            "expected": self.tr("Not here yet"), "present": self.tr("Present"),
            "late": self.tr("Late"), "left_early": self.tr("Left early"),
            "absent": self.tr("Absent"), "excused": self.tr("Excused"),
            "telehealth": self.tr("Telehealth"),
        }
        text = f"{STATUS_ICONS.get(view.status, '')} {words.get(view.status, view.status)}"
        if view.arrived_at is not None and view.status in ("present", "late", "telehealth"):
            text += " " + self.tr("since {time}").format(time=self._local(view.arrived_at))
        if view.departed_at is not None:
            text = f"{ICON_DEPARTED} " + self.tr("Left at {time}").format(
                time=self._local(view.departed_at))
        return text

    def forms_text(self, view: AttendanceView) -> str:
        """Check-in / check-out done, as box glyph *and* words; empty for people not coming."""
        if view.status in ("absent", "excused") or (view.status == "expected"
                                                   and not view.checked_in):
            return ""
        checkin = (f"{ICON_DONE_BOX} " + self.tr("Checked in") if view.checked_in
                   else f"{ICON_OPEN_BOX} " + self.tr("No check-in"))
        checkout = (f"{ICON_DONE_BOX} " + self.tr("Checked out") if view.checked_out
                    else f"{ICON_OPEN_BOX} " + self.tr("No check-out"))
        return f"{checkin} · {checkout}"

    def out_text(self, view: AttendanceView) -> str:
        for interval in view.out_of_room:
            if interval.returned_at is None:
                minutes = 0
                if self._now is not None:
                    minutes = max(0, int((self._now - interval.left_at).total_seconds() // 60))
                return f"{ICON_OUT} " + self.tr("Out since {time} ({m} min)").format(
                    time=self._local(interval.left_at), m=minutes)
        return ""

    def _local(self, when: datetime) -> str:
        return f"{when.astimezone(self._tz):%H:%M}"


class BoardView(QListView):
    """Tiles in a wrapping grid. Letters, digits and Space go to the console's key map."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attendanceBoard")
        self.setAccessibleName(self.tr("Attendance board"))
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setSpacing(6)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tiles = TileDelegate(self)
        self.setItemDelegate(self.tiles)
        follow(self, lambda t: self.setStyleSheet(
            f"#attendanceBoard {{ background: {t.window}; border: none; }}"))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # The view's own type-ahead search would swallow the console's one-key actions.
        navigation = (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
                      Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() in navigation and plain:
            super().keyPressEvent(event)
            return
        event.ignore()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.fit()
        super().resizeEvent(event)

    def setModel(self, model: QAbstractItemModel | None) -> None:  # Qt override
        super().setModel(model)
        if model is not None:
            for signal in (model.modelReset, model.dataChanged, model.rowsInserted,
                           model.rowsRemoved):
                signal.connect(self.fit)

    def fit(self, *_args: object) -> None:
        """Size the tiles so the whole group fits the board without scrolling: the largest
        font scale at which some column count fits every tile with every name whole (two
        lines where one is short), preferring the detail lines whole too; tiles stretch to
        fill whole columns."""
        model = self.model()
        count = model.rowCount() if model is not None else 0
        tiles = self.tiles
        spacing = self.spacing()
        # The whole inside of the frame: a scroll bar shown before this fit must not narrow it.
        area = self.contentsRect()
        free_w, free_h = area.width() - spacing, area.height() - spacing
        names = [str(model.index(r, 0).data()) for r in range(count)] if model else []
        details = [str(model.index(r, 0).data(role) or "") for r in range(count)
                   for role in (StatusRole, MinutesRole, FormsRole)] if model else []
        lines = max([4, *(self._lines(r) for r in range(count))])
        # Called on every refresh (dataChanged each second): only work when something that
        # decides the layout changed.
        key = (tuple(names), tuple(details), lines, free_w, free_h)
        if key == getattr(self, "_fit_key", None):
            return
        self._fit_key = key
        tiles.lines = lines
        chosen: tuple[float, int] | None = None
        # First with the detail lines whole as well, down to a readable 0.7; else only the
        # names whole (details may elide; the tile's tooltip has them) down to 0.5.
        for details_whole, lowest in ((True, 0.7), (False, 0.5)):
            chosen = self._largest_fit(count, names, details if details_whole else [],
                                       lowest, free_w, free_h)
            if chosen is not None:
                break
        if chosen is None:  # a tiny window: the smallest tiles, and the board scrolls
            columns = max(1, free_w // (tiles.minimum_width() + 2 * spacing))
            chosen = (tiles.scale, max(tiles.minimum_width(), free_w // columns - 2 * spacing))
        tiles.set_scale(chosen[0])
        self._names_whole(names, chosen[1])  # sets name_lines for this width
        if (chosen[1], chosen[0], tiles.name_lines) != (tiles.tile_width,
                                                        getattr(self, "_fitted", None),
                                                        getattr(self, "_name_lines", None)):
            tiles.tile_width = chosen[1]
            self._fitted, self._name_lines = chosen[0], tiles.name_lines
            self.doItemsLayout()

    def _largest_fit(self, count: int, names: list[str], details: list[str], lowest: float,
                     free_w: int, free_h: int) -> tuple[float, int] | None:
        """(scale, tile width) of the largest scale from 1.5 down to ``lowest`` at which some
        column count fits all tiles with the names and ``details`` whole, or None."""
        tiles = self.tiles
        spacing = self.spacing()
        for step in range(round((1.5 - lowest) / 0.05) + 1):
            tiles.set_scale(1.5 - step * 0.05)
            metrics = QFontMetrics(tiles.line_font)
            needed = max([tiles.minimum_width(),
                          *(metrics.horizontalAdvance(d) + 12 + 2 * tiles.margin_x
                            for d in details)])
            for columns in range(1, max(1, count) + 1):
                width = free_w // columns - 2 * spacing
                if width < needed:
                    break
                if not self._names_whole(names, width):
                    continue
                if -(-count // columns) * (tiles.tile_height() + 2 * spacing) <= free_h:
                    return tiles.scale, width
        return None

    def _names_whole(self, names: list[str], width: int) -> bool:
        """Set the tiles' name lines (1, or 2 if a name needs it) for tiles ``width`` wide;
        True when every name then shows whole."""
        tiles = self.tiles
        room = tiles.name_width(width)
        metrics = QFontMetrics(tiles.name_font)
        tiles.name_lines = 2 if any(metrics.horizontalAdvance(n) > room for n in names) else 1
        return all("".join(tiles.split_name(n, room)).replace(" ", "") == n.replace(" ", "")
                   for n in names)

    def _lines(self, row: int) -> int:
        """Detail lines this tile needs: status and minutes, then forms, out, flag if shown."""
        index = self.model().index(row, 0)
        return 2 + sum(1 for role in (FormsRole, OutRole, FlagRole) if index.data(role))

    def select_row(self, row: int) -> None:
        model = self.model()
        if model is None or not 0 <= row < model.rowCount():
            return
        self.setCurrentIndex(model.index(row, 0))

    def current_row(self) -> int:
        index = self.currentIndex()
        return index.row() if index.isValid() and self.selectionModel().isSelected(index) else -1
