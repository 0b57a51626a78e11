"""How one attendance tile is drawn (``TileDelegate``), and the item roles it reads from
``board.BoardModel``: key, name, status icon and word, minutes against the minimum, forms, an
out-of-room line and a flag line, scaled together so the whole roster fits the board.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ..theme import theme
from .style import scaled_font

ModelIndex = QModelIndex | QPersistentModelIndex

KeyRole = Qt.ItemDataRole.UserRole + 1
StatusRole = Qt.ItemDataRole.UserRole + 2
MinutesRole = Qt.ItemDataRole.UserRole + 3
OutRole = Qt.ItemDataRole.UserRole + 4
FlagRole = Qt.ItemDataRole.UserRole + 5
ParticipantIdRole = Qt.ItemDataRole.UserRole + 6
MinimumMetRole = Qt.ItemDataRole.UserRole + 7
FormsRole = Qt.ItemDataRole.UserRole + 8
RawStatusRole = Qt.ItemDataRole.UserRole + 9  # the stored status ("absent"), not its text
NOT_HERE = ("absent", "excused", "expected")


class TileDelegate(QStyledItemDelegate):
    """Paints a tile: key badge and name on top, then status, minutes, out and flag lines.

    ``BoardView.fit`` sets ``scale`` (fonts shrink so the whole group fits the board without
    scrolling), ``lines`` (the detail lines reserved on every tile) and ``name_lines`` (2 when
    a name does not fit on one line at this width: names are never cut)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lines = 4
        self.name_lines = 1
        self.set_scale(1.0)
        self.tile_width = self.minimum_width()

    def set_scale(self, scale: float) -> None:
        self.scale = scale
        # Margins shrink with the text (at 0.65 fixed margins cost a sixth of each tile).
        self.margin_x, self.margin_y = round(10 * scale), round(8 * scale)
        self.gap = round(6 * scale)  # under the name
        self.name_font = scaled_font(1.6 * scale, bold=True)
        self.line_font = scaled_font(1.2 * scale)
        self.alert_font = scaled_font(1.2 * scale, bold=True)

    def minimum_width(self) -> int:
        name = QFontMetrics(self.name_font)
        line = QFontMetrics(self.line_font)
        return max(name.horizontalAdvance("M") * 7, line.horizontalAdvance("M") * 12)

    def name_width(self, tile_width: int) -> int:
        """Room for the name beside the key badge on a tile this wide."""
        return tile_width - 6 - 2 * self.margin_x - QFontMetrics(self.name_font).height() - 10

    def split_name(self, name: str, width: int) -> list[str]:
        """The name on one line, or on two at a space or after a hyphen when it does not fit
        (the second line is elided only when even two lines cannot hold it)."""
        metrics = QFontMetrics(self.name_font)
        if metrics.horizontalAdvance(name) <= width or self.name_lines < 2:
            return [metrics.elidedText(name, Qt.TextElideMode.ElideRight, width)]
        breaks = [i + 1 for i, ch in enumerate(name) if ch in " -"]
        fitting = [b for b in breaks if metrics.horizontalAdvance(name[:b].rstrip()) <= width]
        cut = fitting[-1] if fitting else len(metrics.elidedText(
            name, Qt.TextElideMode.ElideNone, width))
        while cut > 1 and metrics.horizontalAdvance(name[:cut]) > width:
            cut -= 1  # one long word: break it where it overflows
        rest = name[cut:].strip()
        return [name[:cut].rstrip(), metrics.elidedText(rest, Qt.TextElideMode.ElideRight,
                                                        width)]

    def tile_height(self) -> int:
        name = QFontMetrics(self.name_font)
        line = QFontMetrics(self.line_font)
        return (self.name_lines * name.height() + self.lines * line.height() + 6
                + 2 * self.margin_y + self.gap)

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        return QSize(self.tile_width, self.tile_height())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        painter.save()
        rect = option.rect.adjusted(3, 3, -3, -3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        flag = index.data(FlagRole)
        out = index.data(OutRole)
        status = str(index.data(StatusRole) or "")
        # From the stored status, never from the text shown: a departure line or a translated
        # word must not decide who is dimmed.
        absent = index.data(RawStatusRole) in NOT_HERE
        t = theme()
        background = QColor(t.surface_dim if absent else t.surface)
        if flag:
            background = QColor(t.alert_surface)
        painter.fillRect(rect, background)
        pen = QPen(QColor(t.selection) if selected else QColor(t.border))
        pen.setWidth(5 if selected else 1)
        painter.setPen(pen)
        painter.drawRect(rect)
        inner = rect.adjusted(self.margin_x, self.margin_y, -self.margin_x, -self.margin_y)
        name_h = QFontMetrics(self.name_font).height()
        line_h = QFontMetrics(self.line_font).height()
        # Key badge: inverted when selected, so selection is not shown by colour alone.
        key = str(index.data(KeyRole) or "")
        badge = QRect(inner.left(), inner.top(), name_h, name_h)
        painter.setFont(self.name_font)
        if selected:
            painter.fillRect(badge, QColor(t.selection))
            painter.setPen(QColor(t.on_selection))
        else:
            painter.setPen(QPen(QColor(t.text), 2))
            painter.drawRect(badge)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, key)
        painter.setPen(QColor(t.text_dim if absent else t.text))
        name_left = badge.right() + 10
        names = self.split_name(str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
                                inner.right() - name_left)
        for n, part in enumerate(names):
            painter.drawText(QRect(name_left, inner.top() + n * name_h,
                                   inner.right() - name_left, name_h),
                             Qt.AlignmentFlag.AlignVCenter, part)
        top = inner.top() + self.name_lines * name_h + self.gap
        lines: list[tuple[str, object, str]] = [
            (status, self.line_font, t.text),
            (str(index.data(MinutesRole) or ""), self.line_font, t.text),
        ]
        forms = str(index.data(FormsRole) or "")
        if forms:
            lines.append((forms, self.line_font, t.text))
        if out:
            lines.append((str(out), self.alert_font, t.caution))
        if flag:
            lines.append((str(flag), self.alert_font, t.alert))
        for text, font, colour in lines:
            painter.setFont(font)  # type: ignore[arg-type]
            painter.setPen(QColor(colour))
            metrics = QFontMetrics(font)  # type: ignore[arg-type]
            painter.drawText(QRect(inner.left(), top, inner.width(), line_h),
                             Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(text, Qt.TextElideMode.ElideRight, inner.width()))
            top += line_h
        painter.restore()
