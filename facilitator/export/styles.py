"""Paragraph and table styles, and the ``Writer`` that turns plain text into flowables.

Every string from the document model goes through ``Writer.p``: it is escaped, split into font
runs and ordered for display (``fonts.markup``); paragraphs with Arabic or Hebrew get HarfBuzz
shaping, the rest skip it because shaping every word costs time and changes nothing for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from . import bidi, fonts, shaping
from .bidipara import BidiParagraph

INK = colors.HexColor("#1c1c1c")
MUTED = colors.HexColor("#5a5a5a")
RULE = colors.HexColor("#b8b8b8")
SHADE = colors.HexColor("#eef1f4")
ACCENT = colors.HexColor("#1f4e79")

_BASE = ParagraphStyle("body", fontName=fonts.REGULAR, fontSize=9.5, leading=12.5, textColor=INK,
                       splitLongWords=True)
STYLES: dict[str, ParagraphStyle] = {
    "body": _BASE,
    "small": ParagraphStyle("small", parent=_BASE, fontSize=8, leading=10, textColor=MUTED),
    "cell": ParagraphStyle("cell", parent=_BASE, fontSize=8.5, leading=10.5),
    "label": ParagraphStyle("label", parent=_BASE, fontName=fonts.BOLD, fontSize=8,
                            leading=10.5, textColor=MUTED),
    "title": ParagraphStyle("title", parent=_BASE, fontName=fonts.BOLD, fontSize=15,
                            leading=19, textColor=ACCENT, spaceAfter=2 * mm),
    "h2": ParagraphStyle("h2", parent=_BASE, fontName=fonts.BOLD, fontSize=11, leading=14,
                         textColor=ACCENT, spaceBefore=3.5 * mm, spaceAfter=1.2 * mm),
    "h3": ParagraphStyle("h3", parent=_BASE, fontName=fonts.BOLD, fontSize=9.5, leading=12.5,
                         spaceBefore=2 * mm, spaceAfter=0.6 * mm),
    "notice": ParagraphStyle("notice", parent=_BASE, fontName=fonts.BOLD, fontSize=9,
                             leading=11.5),
    "header": ParagraphStyle("header", parent=_BASE, fontName=fonts.BOLD, fontSize=9.5,
                             leading=11),
    "center": ParagraphStyle("center", parent=_BASE, alignment=TA_CENTER),
    "right": ParagraphStyle("right", parent=_BASE, fontSize=8, leading=10, textColor=MUTED,
                            alignment=TA_RIGHT),
}
_LONG_FACT = 400  # characters: longer values are set as text below their label
_LONG_CELL = 1500  # characters: longer table cells are set in full below their table
_BOLD_STYLES = {"label", "title", "h2", "h3", "notice", "header"}
_SHAPED = {name: ParagraphStyle(f"{name}-shaped", parent=s, shaping=1)
           for name, s in STYLES.items()}

# Table cells set their own font before drawing, even around a Paragraph: not Helvetica, which
# would be the one font left unembedded.
_CELL_FONT = ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR)
GRID = TableStyle([
    _CELL_FONT,
    ("FONTSIZE", (0, 0), (-1, -1), 8.5),
    ("TEXTCOLOR", (0, 0), (-1, -1), INK),
    ("FONTNAME", (0, 0), (-1, 0), fonts.BOLD),
    ("FONTSIZE", (0, 0), (-1, 0), 8),
    ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
    ("GRID", (0, 0), (-1, -1), 0.4, RULE),
    ("BACKGROUND", (0, 0), (-1, 0), SHADE),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
])


class PlainLine(Flowable):
    """Plain ASCII text that fits on one line is drawn as a string (headings, labels, short
    values: most paragraphs of a note); anything longer becomes a Paragraph when wrapped.
    Parsing markup for every short heading was a large share of a note's render time."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text, self.style = text, style
        self._para: Paragraph | None = None

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        st = self.style
        if self._para is None and stringWidth(self.text, st.fontName, st.fontSize) <= \
                avail_width - st.leftIndent - st.rightIndent:
            self.width, self.height = avail_width, st.leading
            return self.width, self.height
        if self._para is None:
            self._para = Paragraph(self.text, st)  # plain: nothing to escape
        self.width, self.height = self._para.wrap(avail_width, avail_height)
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self.wrap(avail_width, avail_height)
        return self._para.split(avail_width, avail_height) if self._para is not None else []

    def draw(self) -> None:
        if self._para is not None:
            self._para.drawOn(self.canv, 0, 0)
            return
        st = self.style
        self.canv.setFont(st.fontName, st.fontSize)
        self.canv.setFillColor(st.textColor)
        self.canv.drawString(st.leftIndent, self.height - st.fontSize, self.text)

    def getSpaceBefore(self) -> float:
        return self.style.spaceBefore

    def getSpaceAfter(self) -> float:
        return self.style.spaceAfter


class Writer:
    """Builds flowables for one document and collects the characters it had to replace."""

    def __init__(self) -> None:
        fonts.ensure_base_fonts()
        shaping.install()
        self.replaced = fonts.Replacements()

    def markup(self, text: str, bold: bool = False) -> str:
        return fonts.markup(text, self.replaced, bold=bold)

    def p(self, text: str, style: str = "body") -> Flowable:
        """A paragraph of plain text (any script, any length)."""
        bold = style in _BOLD_STYLES
        if bidi.has_rtl(text):  # wrapped first, each line reordered after (bidipara)
            return BidiParagraph(text, _SHAPED[style], bold, self.replaced,
                                 align_rtl=style == "body")
        if fonts.is_plain(text) and STYLES[style].alignment == 0:
            return PlainLine(text, STYLES[style])
        chosen = _SHAPED[style] if fonts.needs_shaping(text) else STYLES[style]
        return Paragraph(self.markup(text, bold), chosen)

    def cell(self, text: str, style: str, width: float) -> str | Flowable:
        """A table cell: the plain string when it is plain ASCII and fits on one line (a table
        draws that far faster than a Paragraph), else a wrapping, font-split paragraph."""
        st = STYLES[style]
        if fonts.is_plain(text) and stringWidth(text, st.fontName, st.fontSize) <= width - 7:
            return text
        return self.p(text, style)

    def text_block(self, text: str, style: str = "body") -> list[Flowable]:
        """Free text: one paragraph per blank-line-separated block, so a very long text splits
        across pages paragraph by paragraph (and a single huge paragraph still splits by line).
        """
        blocks = [b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
        if not blocks:
            return [self.p("—", "small")]
        return [self.p(b, style) for b in blocks]

    def facts(self, pairs: Iterable[tuple[str, str]], width: float,
              columns: int = 2) -> list[Flowable]:
        """Label/value pairs, ``columns`` pairs per row. A long value (free text typed into a
        fact) is set full width after its label instead, where it can run across pages."""
        from .facts import FactsBlock  # it draws in this module's colours

        label_w = 30 * mm
        value_w = width / columns - label_w
        out: list[Flowable] = []
        cells: list[tuple[str | Flowable, str | Flowable]] = []

        def flush() -> None:
            if cells:
                out.append(FactsBlock([cells[i:i + columns]
                                       for i in range(0, len(cells), columns)],
                                      label_w, value_w))
                cells.clear()

        for label, value in pairs:
            if len(value) > _LONG_FACT or value.count("\n") > 3:
                flush()
                out += [self.p(label, "label"), *self.text_block(value, "cell")]
            else:
                cells.append((self.cell(label, "label", label_w),
                              self.cell(value, "cell", value_w)))
        flush()
        return out

    def grid(self, header: Sequence[str], rows: Iterable[Sequence[str]],
             widths: Sequence[float], empty: str = "None recorded.") -> list[Flowable]:
        """A ruled table with a shaded header row that repeats on every page it spans. A very
        long cell (free text pasted into a comment) is set full width below the table, under
        a label naming its column and row: a table row must fit a page, and splitting inside a
        row costs time that grows with the square of its length."""
        body, below = [], []
        for n, row in enumerate(rows, start=1):
            cells = []
            for c, (text, width) in enumerate(zip(row, widths, strict=True)):
                if len(text) > _LONG_CELL:
                    owner = row[0] if c and len(row[0]) <= 60 else f"row {n}"
                    below += [self.p(f"{header[c]} ({owner}), in full:", "label"),
                              *self.text_block(text, "cell")]
                    text = "In full below the table."
                cells.append(self.cell(text, "cell", width))
            body.append(cells)
        if not body:
            return [self.p(empty, "small")]
        data = [[self.cell(h, "label", w) for h, w in zip(header, widths, strict=True)], *body]
        # splitInRow: a row still taller than a page splits inside itself rather than failing
        # the layout; pieces shorter than two lines move on instead.
        table = Table(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT",
                      splitInRow=24)
        table.setStyle(GRID)
        return [table, *below]
