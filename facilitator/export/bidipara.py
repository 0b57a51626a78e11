"""A paragraph with right-to-left text that wraps first and reorders each line afterwards.

The bidi algorithm reorders *lines* (UAX #9, L1–L2), after line breaking. Reordering a whole
paragraph before ReportLab wraps it would start a long Hebrew or Arabic paragraph's first line
with its last words. So this flowable breaks the logical text into lines for the width it is
offered, orders each line for display, and hands the lines to an ordinary Paragraph joined by
explicit breaks. Text with no right-to-left character never comes here.
"""

from __future__ import annotations

import uharfbuzz
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

from . import bidi, fonts

_SLACK = 0.99  # room for rounding: a line the Paragraph must wrap again would lose its order


class BidiParagraph(Flowable):
    """Logical-order text in any mix of directions. With ``align_rtl`` (running text, not a
    form's value cell, which stays beside its label) a wholly right-to-left paragraph aligns
    right."""

    def __init__(self, text: str, style: ParagraphStyle, bold: bool,
                 replaced: fonts.Replacements, align_rtl: bool = False) -> None:
        super().__init__()
        self.text, self.bold, self.replaced = fonts.clean(text), bold, replaced
        self.style = style
        if align_rtl and bidi.base_level(self.text) == 1:
            self.style = ParagraphStyle(f"{style.name}-rtl", parent=style, alignment=TA_RIGHT)
        self._para: Paragraph | None = None
        self._width: float | None = None

    def _layout(self, avail_width: float) -> Paragraph:
        if self._para is None or self._width != avail_width:
            markup = "<br/>".join(
                fonts.line_markup(line, self.bold, self.replaced, bidi.base_level(logical))
                for logical in self.text.split("\n")
                for line in _break(logical, avail_width * _SLACK, self.style, self.bold))
            self._para, self._width = Paragraph(markup, self.style), avail_width
        return self._para

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        para = self._layout(avail_width)
        self.width, self.height = para.wrap(avail_width, avail_height)
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        return self._layout(avail_width).split(avail_width, avail_height)

    def draw(self) -> None:
        assert self._para is not None, "wrap() comes before draw()"
        self._para.drawOn(self.canv, 0, 0)

    def getSpaceBefore(self) -> float:
        return self.style.spaceBefore

    def getSpaceAfter(self) -> float:
        return self.style.spaceAfter


def _width(word: str, style: ParagraphStyle, bold: bool) -> float:
    """The printed width of one word: shaped with HarfBuzz when it has right-to-left letters
    (joined Arabic is much narrower than its letters side by side)."""
    primary = fonts.BOLD if bold else fonts.REGULAR
    total, run, run_font = 0.0, "", primary
    for ch in word + "\0":
        font = primary if ch == "\0" else fonts.font_for(ch, bold) or primary
        if font != run_font or ch == "\0":
            total += _run_width(run, run_font, style.fontSize)
            run, run_font = "", font
        run += ch
    return total


def _run_width(run: str, font_name: str, size: float) -> float:
    if not run:
        return 0.0
    if not bidi.has_rtl(run):
        return stringWidth(run, font_name, size)
    font = pdfmetrics.getFont(font_name)
    buf = uharfbuzz.Buffer()
    buf.add_str(run)
    buf.guess_segment_properties()
    uharfbuzz.shape(font.hbFont(size), buf, {"kern": True, "liga": True})
    return sum(font.pdfScale(p.x_advance) for p in buf.glyph_positions) * size / 1000


def _break(text: str, width: float, style: ParagraphStyle, bold: bool) -> list[str]:
    """Greedy line breaking of logical text at spaces (a word longer than a line is left to
    the Paragraph, which splits long words)."""
    words = text.split(" ")
    space = stringWidth(" ", fonts.BOLD if bold else fonts.REGULAR, style.fontSize)
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    for word in words:
        w = _width(word, style, bold)
        if current and used + space + w > width:
            lines.append(" ".join(current))
            current, used = [word], w
        else:
            used += (space if current else 0) + w
            current.append(word)
    lines.append(" ".join(current))
    return lines
