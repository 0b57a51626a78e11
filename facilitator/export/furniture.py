"""Page furniture shared by every document: page template, header, footer, watermark, notice.

Every page carries a header (clinic; the participant, or for a packet the group and date), a
footer ("Page X of Y", export time and exporting user, CONFIDENTIAL) and, on pages of an unsigned
note only, a "DRAFT – NOT SIGNED" watermark. What a page shows depends on the note being drawn on
it, so zero-size ``PageMark`` flowables in the story update a ``PageState`` as they are drawn and
the page-end hook paints from it. "Page X of Y" needs the total first: ``_NumberedCanvas`` holds
the finished pages back and stamps the footers when the document is saved.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from . import fmt, fonts
from .model import ClinicInfo, ExportMeta, ProgramInfo, RenderResult
from .styles import ACCENT, MUTED, RULE, STYLES, Writer

PAGE_W, PAGE_H = LETTER
MARGIN_X = 18 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 20 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X
WATERMARK = "DRAFT – NOT SIGNED"
CONFIDENTIAL = "CONFIDENTIAL"


@dataclass
class PageState:
    """What the page being drawn belongs to (markup already built)."""

    header_right: str = ""
    draft: bool = False


class PageMark(Flowable):
    """Zero-size marker: from here on, pages belong to this participant / note."""

    def __init__(self, state: PageState, header_right: str, draft: bool) -> None:
        super().__init__()
        self.state, self.header_right, self.draft = state, header_right, draft
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.state.header_right = self.header_right
        self.state.draft = self.draft


class Page:
    """One document being built: its writer, page state and fixed furniture text."""

    def __init__(self, clinic: ClinicInfo, meta: ExportMeta, title: str) -> None:
        self.clinic, self.meta, self.title = clinic, meta, title
        self.w = Writer()
        self.state = PageState()
        self.pages = 0
        self._clinic = (f"{self.w.markup(clinic.name, bold=True)}<br/>"
                        f'<font name="{fonts.REGULAR}" size="7.5" color="#5a5a5a">'
                        f"{self.w.markup(clinic.address)}</font>")
        released = "" if meta.purpose == "internal" else f" · Released for: {meta.purpose}"
        self._footer = self.w.markup(
            f"Exported {fmt.moment(meta.exported_at, clinic.timezone)} by {meta.exported_by}"
            f"{released}")

    @property
    def tz(self) -> ZoneInfo:
        return self.clinic.timezone

    def mark(self, header_right: str, draft: bool = False) -> PageMark:
        return PageMark(self.state, self.w.markup(header_right), draft)

    # --- drawing -------------------------------------------------------------------------
    def _page_end(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        canv.saveState()
        top = PAGE_H - 10 * mm
        _draw(canv, self._clinic, STYLES["header"], MARGIN_X, top, CONTENT_W * 0.5)
        _draw(canv, self.state.header_right, STYLES["small"], PAGE_X_RIGHT, top, CONTENT_W * 0.5,
              right=True)
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN_X, top - 9 * mm, PAGE_W - MARGIN_X, top - 9 * mm)
        if self.state.draft:
            _watermark(canv)
        canv.restoreState()

    def draw_footer(self, canv: Canvas, number: int, total: int) -> None:
        canv.saveState()
        y = 11 * mm
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN_X, y + 5 * mm, PAGE_W - MARGIN_X, y + 5 * mm)
        _draw(canv, self._footer, STYLES["small"], MARGIN_X, y + 3.5 * mm, CONTENT_W * 0.62)
        canv.setFont(fonts.BOLD, 8)
        canv.setFillColor(ACCENT)
        canv.drawCentredString(MARGIN_X + CONTENT_W * 0.74, y, CONFIDENTIAL)
        canv.setFillColor(MUTED)
        canv.setFont(fonts.REGULAR, 8)
        canv.drawRightString(PAGE_W - MARGIN_X, y, f"Page {number} of {total}")
        canv.restoreState()

    def build(self, story: list[Flowable]) -> RenderResult:
        """Lay the story out on pages and return the finished PDF."""
        buf = io.BytesIO()
        doc = BaseDocTemplate(
            buf, pagesize=LETTER, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, title=self.title,
            author="", subject="", creator="Facilitator", producer="Facilitator",
            # Not Helvetica: every page would reference a font that is not embedded.
            initialFontName=fonts.REGULAR,
        )
        frame = Frame(MARGIN_X, MARGIN_BOTTOM, CONTENT_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
        doc.addPageTemplates([PageTemplate("page", [frame], onPageEnd=self._page_end)])
        page = self

        class _Canvas(_NumberedCanvas):
            furniture = page

        doc.build(story, canvasmaker=_Canvas)
        return RenderResult(buf.getvalue(), self.pages, self.w.replaced.as_tuple())

    # --- blocks every document starts with -----------------------------------------------
    def notice(self, program: ProgramInfo | None) -> list[Flowable]:
        """The Part 2 redisclosure notice box (substance-use programs only)."""
        text = program.notice if program is not None else ""
        if not text:
            return []
        box = Table([[self.w.p(text, "notice")]], colWidths=[CONTENT_W])
        box.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
            ("BOX", (0, 0), (-1, -1), 1, ACCENT),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ]))
        return [box]


PAGE_X_RIGHT = PAGE_W - MARGIN_X


# Per thread: a Paragraph remembers the canvas it is drawing on, so two batches rendering at once
# must not share one.
_local = threading.local()


def _draw(canv: Canvas, markup: str, style: ParagraphStyle, x: float, y_top: float,
          width: float, right: bool = False) -> None:
    """A line or two of furniture text (any script) with its top at ``y_top``. The same header
    and footer repeat on every page, so each is laid out once and drawn many times."""
    if not markup:
        return
    style = STYLES["right"] if right else style
    key = (markup, style.name, width)
    _wrapped: dict[tuple[str, str, float], tuple[Paragraph, float]]
    _wrapped = _local.__dict__.setdefault("wrapped", {})
    if key not in _wrapped:
        if len(_wrapped) > 256:  # a long batch of different participants: start over
            _wrapped.clear()
        para = Paragraph(markup, style)
        _wrapped[key] = (para, para.wrap(width, 40 * mm)[1])
    para, height = _wrapped[key]
    para.drawOn(canv, x - width if right else x, y_top - height)


def _watermark(canv: Canvas) -> None:
    canv.saveState()
    canv.setFillColorRGB(0.75, 0.1, 0.1, alpha=0.16)
    canv.setFont(fonts.BOLD, 54)
    canv.translate(PAGE_W / 2, PAGE_H / 2)
    canv.rotate(40)
    canv.drawCentredString(0, -18, WATERMARK)
    canv.restoreState()


class _NumberedCanvas(Canvas):
    """Holds finished pages back until the total is known, then stamps "Page X of Y"."""

    furniture: Page

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[dict] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        self.furniture.pages = total
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            self.furniture.draw_footer(self, number, total)
            super().showPage()
        super().save()
