"""Shape each font's part of a word on its own (a fix around ReportLab 5.1's shaper).

ReportLab shapes a space-separated word as one HarfBuzz buffer using the *first* part's font,
then looks the resulting glyph numbers up in each part's own font. A word that changes font,
such as "(花子)" (brackets in DejaVu Sans, the name in Droid Sans Fallback) in a paragraph that
is shaped because it also holds Arabic, then prints boxes at wild offsets. ``install()`` wraps
the shaper so such a word is shaped font run by font run and put back together; single-font words,
nearly all of them, go straight through.
"""

from __future__ import annotations

import threading

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.platypus import paragraph

_original = ttfonts.shapeFragWord
_lock = threading.Lock()


def _shape_by_font(w, *args, **kwargs):
    parts = w[1:]
    if isinstance(w, ttfonts.ShapedFragWord) or any(hasattr(f, "cbDefn") for f, _ in parts):
        return _original(w, *args, **kwargs)
    names = {f.fontName for f, _ in parts}
    if len(names) < 2:
        return _original(w, *args, **kwargs)
    groups: list[list] = []
    for part in parts:
        if groups and groups[-1][-1][0].fontName == part[0].fontName:
            groups[-1].append(part)
        else:
            groups.append([part])
    width, items, shaped_any = 0.0, [], False
    for group in groups:
        plain = sum(pdfmetrics.stringWidth(s, f.fontName, f.fontSize) for f, s in group)
        shaped = _original([plain, *group], *args, **kwargs)
        shaped_any = shaped_any or isinstance(shaped, ttfonts.ShapedFragWord)
        width += shaped[0]
        items += shaped[1:]
    if not shaped_any:
        return w
    return ttfonts.makeShapedFragWord(w)([width, *items])


def install() -> None:
    """Route Paragraph's shaping through ``_shape_by_font`` (idempotent)."""
    with _lock:
        if paragraph.shapeFragWord is not _shape_by_font:
            paragraph.shapeFragWord = _shape_by_font
