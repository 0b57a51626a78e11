"""Shipped fonts, glyph coverage and Paragraph markup for text in any script.

ReportLab draws a run in one font and has no fallback, so ``markup()`` splits text into runs by
the first font of a chain that has each glyph (DejaVu Sans, then Droid Sans Fallback for CJK),
orders right-to-left runs for display (``bidi.visual_runs``) and escapes the rest for Paragraph's
XML. A character no shipped font has is printed as a visible replacement mark and reported, never
dropped. Fonts register once per process; the large CJK font loads only when first needed.
"""

from __future__ import annotations

import re
import sys
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from . import bidi

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
FALLBACK = "DroidSansFallback"
_FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    FALLBACK: "DroidSansFallback.ttf",  # not "Full": this one has Hangul
}
#: Printed in place of a character no shipped font has (DejaVu Sans draws it).
REPLACEMENT = "\ufffd"
_CHAINS = {False: (REGULAR, FALLBACK), True: (BOLD, FALLBACK)}
# Characters that join the character before them (marks, variation selectors, zero-width joiner,
# skin tones): when that one was replaced they are part of the same unprintable cluster.
_CLUSTER_TAIL = frozenset(("Mn", "Me", "Cf", "Sk"))
_lock = threading.Lock()
_cmaps: dict[str, frozenset[int] | set[int]] = {}
_choice: dict[tuple[str, bool], str | None] = {}


def fonts_dir() -> Path:
    """``resources/fonts`` beside the source tree, or inside a PyInstaller bundle."""
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[2]))
    return base / "resources" / "fonts"


def ensure_font(name: str) -> None:
    """Register one shipped font with ReportLab (once per process, thread-safe)."""
    if name in _cmaps:
        return
    with _lock:
        if name in _cmaps:
            return
        path = fonts_dir() / _FILES[name]
        if not path.is_file():
            raise FileNotFoundError(f"The font file {path} is missing from this installation.")
        font = TTFont(name, str(path))
        pdfmetrics.registerFont(font)
        _cmaps[name] = frozenset(font.face.charToGlyph)


def ensure_base_fonts() -> None:
    """The two fonts every document uses (the CJK fallback loads on first need)."""
    ensure_font(REGULAR)
    ensure_font(BOLD)


def font_for(ch: str, bold: bool = False) -> str | None:
    """The first font of the chain that has a glyph for ``ch``; None when none has."""
    key = (ch, bold)
    try:
        return _choice[key]
    except KeyError:
        pass
    found = None
    for name in _CHAINS[bold]:
        ensure_font(name)
        if ord(ch) in _cmaps[name]:
            found = name
            break
    _choice[key] = found
    return found


@dataclass
class Replacements:
    """Collects the characters replaced while building one document (in first-seen order)."""

    seen: dict[str, None] = field(default_factory=dict)

    def add(self, chars: str) -> None:
        self.seen.setdefault(chars, None)

    def as_tuple(self) -> tuple[str, ...]:
        return tuple(self.seen)


# Plain printable ASCII minus the three XML specials needs no run splitting and no escaping work
# beyond the cheap check; most clinical text is that.
_PLAIN = frozenset(chr(c) for c in range(0x20, 0x7F)) - {"<", ">", "&"}
# The same test for a whole string in one C call: a note asks it of every text, ~2,300
# characters a note one by one in Python.
_ALL_PLAIN = re.compile("[\x20-\x25\x27-\x3b\x3d\x3f-\x7e]*").fullmatch


def is_plain(text: str) -> bool:
    """Printable ASCII without XML specials: drawable as is in the primary font."""
    return _ALL_PLAIN(text) is not None


def font_runs(text: str, bold: bool, replaced: Replacements) -> list[tuple[str, str]]:
    """Split one display-ordered string into (font, text) runs. A character no font has is
    replaced by one visible mark (with the marks, joiners and modifiers that cling to it) and
    reported."""
    runs: list[tuple[str, str]] = []
    cur_font: str | None = None
    buf: list[str] = []
    primary = _CHAINS[bold][0]
    cluster = ""  # the unprintable cluster being replaced, reported once it ends
    for ch in text:
        if ch in _PLAIN:
            font = primary
        elif cluster and unicodedata.category(ch) in _CLUSTER_TAIL:
            cluster += ch
            continue
        else:
            font = font_for(ch, bold)
        if cluster:
            replaced.add(cluster)
            cluster = ""
        if font is None:
            cluster, ch, font = ch, REPLACEMENT, primary
        if font != cur_font and buf:
            runs.append((cur_font or primary, "".join(buf)))
            buf = []
        cur_font = font
        buf.append(ch)
    if cluster:
        replaced.add(cluster)
    if buf:
        runs.append((cur_font or primary, "".join(buf)))
    return runs


def clean(text: str) -> str:
    """Line ends unified, tabs as spaces, other control characters as spaces."""
    # Tabs read as spaces; other control characters would print as nothing or as boxes.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        text = "".join(" " if (ord(c) < 0x20 and c != "\n") else c for c in text)
    return text


def line_markup(line: str, bold: bool, replaced: Replacements,
                level: int | None = None) -> str:
    """Markup for one line (no line breaks in it), right-to-left runs in display order."""
    if not line:
        return ""
    if _ALL_PLAIN(line) is not None:
        return line  # the fast path: nothing to split, escape or reorder
    pieces = bidi.visual_runs(line, level) if bidi.has_rtl(line) else [(line, False)]
    out: list[str] = []
    primary = _CHAINS[bold][0]
    for piece, _rtl in pieces:
        for font, run in font_runs(piece, bold, replaced):
            body = escape(run)
            out.append(body if font == primary else f'<font face="{font}">{body}</font>')
    return "".join(out)


def markup(text: str, replaced: Replacements, bold: bool = False) -> str:
    """Paragraph markup for plain ``text``: escaped, font runs, right-to-left runs ordered for
    display, line breaks kept. The paragraph's own font must be the chain's first font."""
    text = clean(text)
    if "\n" not in text:
        return line_markup(text, bold, replaced)
    return "<br/>".join(line_markup(line, bold, replaced) for line in text.split("\n"))


def needs_shaping(text: str) -> bool:
    """True when the text has letters whose shapes depend on their neighbours (Arabic, Hebrew
    points, combining marks), so the paragraph must be shaped with HarfBuzz."""
    return bidi.has_rtl(text) or any(unicodedata.combining(c) for c in text if c not in _PLAIN)
