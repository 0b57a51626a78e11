"""The facts block lays each wrapping cell out once, however often the frame asks."""

from __future__ import annotations

import io

from pypdf import PdfReader
from reportlab.lib.pagesizes import LETTER
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from facilitator.export import fonts
from facilitator.export.facts import FactsBlock
from facilitator.export.styles import STYLES


class CountingParagraph(Paragraph):
    """A real paragraph that counts how often it is laid out."""

    def __init__(self, text: str) -> None:
        super().__init__(text, STYLES["cell"])
        self.wraps = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.wraps += 1
        return super().wrap(avail_width, avail_height)


def test_each_wrapping_cell_is_laid_out_once_also_across_a_page_break() -> None:
    fonts.ensure_base_fonts()
    cells = [CountingParagraph(f"Value {n} " + "runs over several lines " * 6)
             for n in range(60)]
    block = FactsBlock([[(f"Label {n}", cell)] for n, cell in enumerate(cells)], 80, 200)
    buf = io.BytesIO()
    # Most of the first page taken, so the frame wraps the block, splits it and goes on.
    SimpleDocTemplate(buf, pagesize=LETTER).build([Spacer(0, 500), block])
    pages = PdfReader(io.BytesIO(buf.getvalue())).pages
    assert len(pages) >= 2
    text = " ".join(p.extract_text() for p in pages)
    assert "Value 0" in text and "Value 59" in text
    assert [c.wraps for c in cells] == [1] * len(cells)
