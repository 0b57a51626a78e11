"""Label/value facts (participant, service, check-in) drawn directly rather than as a Table.

A note has some forty such pairs; ReportLab's Table spends more time on its cell bookkeeping than
on drawing them. This flowable draws plain one-line values with ``drawString`` and lays out
paragraphs only where a value wraps or needs another font, and splits between rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Flowable

from . import fonts
from .styles import INK, MUTED, SHADE

Cell = str | Flowable
_PAD_TOP, _PAD_BOTTOM, _GAP, _LEADING = 1.0, 1.5, 6.0, 10.5
_LABEL = (fonts.BOLD, 8.0, MUTED)
_VALUE = (fonts.REGULAR, 8.5, INK)


class FactsBlock(Flowable):
    """Rows of (label, value) pairs side by side, a hairline under each row."""

    def __init__(self, rows: Sequence[Sequence[tuple[Cell, Cell]]], label_w: float,
                 value_w: float, _laid_out: tuple[list[float], dict[int, float]] | None = None
                 ) -> None:
        super().__init__()
        self.rows, self.label_w, self.value_w = list(rows), label_w, value_w
        # Row heights, and the height of each wrapped cell (by id). Neither depends on the
        # space offered, so they are computed once (the frame wraps a block again to split
        # it, and ``draw`` needed the cells wrapped once more): line breaking was a large part
        # of a note's render time, three times over. A cell is only ever wrapped at its
        # column's width, so the layout its one wrap left behind is the one ``draw`` uses.
        self._heights, self._cell_heights = _laid_out if _laid_out is not None else ([], {})

    def _row_height(self, row: Sequence[tuple[Cell, Cell]]) -> float:
        tallest = _LEADING
        for label, value in row:
            for cell, width in ((label, self.label_w), (value, self.value_w)):
                if not isinstance(cell, str):
                    height = cell.wrap(width - _GAP, 10_000)[1]
                    self._cell_heights[id(cell)] = height
                    tallest = max(tallest, height)
        return tallest + _PAD_TOP + _PAD_BOTTOM

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if len(self._heights) != len(self.rows):
            self._heights = [self._row_height(row) for row in self.rows]
        self.width = (self.label_w + self.value_w) * max((len(r) for r in self.rows), default=1)
        self.height = sum(self._heights)
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self.wrap(avail_width, avail_height)
        used, fit = 0.0, 0
        for height in self._heights:
            if used + height > avail_height:
                break
            used += height
            fit += 1
        if fit == 0:
            return []
        if fit == len(self.rows):
            return [self]
        return [FactsBlock(self.rows[:fit], self.label_w, self.value_w,
                           (self._heights[:fit], self._cell_heights)),
                FactsBlock(self.rows[fit:], self.label_w, self.value_w,
                           (self._heights[fit:], self._cell_heights))]

    def draw(self) -> None:
        canv, top = self.canv, self.height
        # All one-line strings go into one text object: a text object per cell costs more
        # than drawing the text.
        text = canv.beginText()
        look: tuple | None = None
        canv.setStrokeColor(SHADE)
        canv.setLineWidth(0.25)
        for row, height in zip(self.rows, self._heights, strict=True):
            x = 0.0
            for label, value in row:
                for cell, left, this in ((label, x, _LABEL), (value, x + self.label_w, _VALUE)):
                    width = self.label_w if this is _LABEL else self.value_w
                    if not isinstance(cell, str):
                        h = self._cell_heights.get(id(cell))
                        if h is None:  # not wrapped by this block's ``wrap`` (never so far)
                            h = cell.wrap(width - _GAP, 10_000)[1]
                        cell.drawOn(canv, left, top - _PAD_TOP - h)
                        continue
                    if look is not this:
                        text.setFont(this[0], this[1])
                        text.setFillColor(this[2])
                        look = this
                    text.setTextOrigin(left, top - _PAD_TOP - this[1])
                    text.textOut(cell)
                x += self.label_w + self.value_w
            top -= height
            canv.line(0, top, self.width, top)
        canv.drawText(text)
