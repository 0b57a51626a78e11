"""The part of the Unicode bidi algorithm (UAX #9) a PDF line needs, at the level of runs.

ReportLab with uharfbuzz shapes Arabic and Hebrew letters inside a word (and lays a right-to-left
word's glyphs out right to left), but keeps the words of a line in logical order. So we resolve
embedding levels (rules W1–W7, N1–N2, I1–I2; no explicit embeddings: our text is typed, not
marked up), reorder a line (L1–L2), and then put every right-to-left *word* back into logical
order, because the shaper reverses it once more. Reversing the letters here as well would print
each word backwards (DESIGN.md, PDF traps).

Pure functions, no ReportLab: the ordering is tested on its own.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_STRONG_R = frozenset(("R", "AL"))
_NEUTRAL = frozenset(("B", "S", "WS", "ON"))
_RTL_HINT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff"
                       "\U0001e800-\U0001efff]")


def has_rtl(text: str) -> bool:
    """True when ``text`` holds a right-to-left character (the fast path skips the rest)."""
    return _RTL_HINT.search(text) is not None


@lru_cache(maxsize=4096)
def _bidi_class(ch: str) -> str:
    cls = unicodedata.bidirectional(ch)
    if cls in ("LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI", "BN"):
        return "ON"  # explicit controls are not honoured; treat them as neutral
    return cls or "L"


def base_level(text: str) -> int:
    """The paragraph level: 1 only for text with no left-to-right letter at all.

    UAX #9 takes the first strong character (P2), but our documents are English forms: a line
    such as "ليلى said she slept well" is an English sentence that starts with a name, and a label
    line must keep its left-to-right layout. Text wholly in a right-to-left script still reads
    right to left."""
    rtl = False
    for ch in text:
        cls = _bidi_class(ch)
        if cls == "L":
            return 0
        rtl = rtl or cls in _STRONG_R
    return 1 if rtl else 0


def embedding_levels(text: str, paragraph_level: int = 0) -> list[int]:
    """The resolved level of each character of one line-free paragraph."""
    types = [_bidi_class(ch) for ch in text]
    sos = "R" if paragraph_level % 2 else "L"
    _resolve_weak(types, sos)
    _resolve_brackets(text, types, sos)
    _resolve_neutral(types, sos)
    levels = []
    for t in types:
        if paragraph_level % 2 == 0:
            levels.append(paragraph_level + (1 if t == "R" else 2 if t in ("AN", "EN") else 0))
        else:
            levels.append(paragraph_level + (1 if t in ("L", "AN", "EN") else 0))
    return levels


def _resolve_weak(types: list[str], sos: str) -> None:
    prev, last_strong = sos, sos
    for i, t in enumerate(types):  # W1 (NSM), W2 (EN after AL), W3 (AL -> R)
        if t == "NSM":
            t = types[i] = prev if i else sos
        if t == "EN" and last_strong == "AL":
            t = types[i] = "AN"
        if t in ("L", "R", "AL"):
            last_strong = t
        if t == "AL":
            types[i] = "R"
        prev = types[i]
    n = len(types)
    for i in range(1, n - 1):  # W4: a single separator between two numbers of one kind
        t = types[i]
        if t == "ES" and types[i - 1] == "EN" == types[i + 1]:
            types[i] = "EN"
        elif t == "CS" and types[i - 1] == types[i + 1] and types[i - 1] in ("EN", "AN"):
            types[i] = types[i - 1]
    for i, t in enumerate(types):  # W5: terminators next to European numbers
        if t == "EN":
            j = i - 1
            while j >= 0 and types[j] == "ET":
                types[j] = "EN"
                j -= 1
            j = i + 1
            while j < n and types[j] == "ET":
                types[j] = "EN"
                j += 1
    last_strong = sos
    for i, t in enumerate(types):  # W6 (leftover separators -> ON), W7 (EN after L -> L)
        if t in ("ES", "ET", "CS"):
            types[i] = "ON"
        elif t in ("L", "R"):
            last_strong = t
        elif t == "EN" and last_strong == "L":
            types[i] = "L"


def _strong_of(t: str) -> str | None:
    if t == "L":
        return "L"
    if t in ("R", "EN", "AN"):  # numbers count as R for neutrals (N1)
        return "R"
    return None


_OPENERS = {"(": ")", "[": "]", "{": "}"}
_MIRROR = {**_OPENERS, **{v: k for k, v in _OPENERS.items()},
           "<": ">", ">": "<", "«": "»", "»": "«", "‹": "›", "›": "‹"}
_CLOSERS = frozenset(_OPENERS.values())


def _bracket_pairs(text: str, types: list[str]) -> list[tuple[int, int]]:
    """BD16: matching bracket pairs (only those still neutral), ordered by the opener."""
    stack: list[tuple[str, int]] = []
    pairs = []
    for i, ch in enumerate(text):
        if types[i] != "ON":
            continue
        if ch in _OPENERS:
            if len(stack) == 63:
                break
            stack.append((_OPENERS[ch], i))
        elif ch in _CLOSERS:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == ch:
                    pairs.append((stack[depth][1], i))
                    del stack[depth:]
                    break
    return sorted(pairs)


def _resolve_brackets(text: str, types: list[str], sos: str) -> None:
    """N0: a bracket pair takes the direction of what it encloses, so "(ليلى)" stays whole."""
    embedding = sos
    opposite = "R" if embedding == "L" else "L"
    for start, end in _bracket_pairs(text, types):
        inside = {_strong_of(t) for t in types[start + 1:end]}
        if embedding in inside:
            direction = embedding
        elif opposite in inside:
            before = next((_strong_of(t) for t in reversed(types[:start]) if _strong_of(t)), sos)
            direction = opposite if before == opposite else embedding
        else:
            continue
        types[start] = types[end] = direction


def _resolve_neutral(types: list[str], sos: str) -> None:
    n = len(types)
    i = 0
    while i < n:
        if types[i] not in _NEUTRAL:
            i += 1
            continue
        j = i
        while j < n and types[j] in _NEUTRAL:
            j += 1
        before = _strong_of(types[i - 1]) if i else sos
        after = _strong_of(types[j]) if j < n else sos  # eos = the paragraph direction
        direction = before if before == after else sos  # N1, else N2
        for k in range(i, j):
            types[k] = direction or sos
        i = j


def visual_runs(text: str, paragraph_level: int | None = None) -> list[tuple[str, bool]]:
    """One line in display order, as (text, right_to_left) runs ready for a shaper.

    Runs come left to right as they appear on the page. A right-to-left run holds its words in
    display order, but each word's letters stay in logical order: the shaper reverses those.
    """
    if not text:
        return []
    if paragraph_level is None:
        paragraph_level = base_level(text)
    levels = embedding_levels(text, paragraph_level)
    # L1: trailing whitespace goes back to the paragraph level.
    k = len(text)
    while k and text[k - 1] in " \t":
        k -= 1
        levels[k] = paragraph_level
    order = list(range(len(text)))
    top = max(levels)
    lowest_odd = min(lv for lv in levels if lv % 2) if any(lv % 2 for lv in levels) else top + 1
    for level in range(top, lowest_odd - 1, -1):  # L2
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return _shaper_runs([(text[p], levels[p] % 2 == 1) for p in order])


def _shaper_runs(visual: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Group a display-ordered line into runs the way ReportLab will shape them.

    ReportLab shapes each space-separated word as one HarfBuzz buffer, and HarfBuzz lays a
    buffer with Arabic or Hebrew in it out right to left, mirroring brackets. So a word holding
    any right-to-left character is handed over reversed (its letters back in logical order), with
    the brackets that must *not* turn pre-mirrored; "«اليوم" then prints as written, where
    shaping the display order would print "اليوم»"."""
    runs: list[tuple[str, bool]] = []
    i, n = 0, len(visual)
    while i < n:
        space = visual[i][0].isspace()
        j = i
        while j < n and visual[j][0].isspace() == space:
            j += 1
        token = visual[i:j]
        if not space and any(rtl for _, rtl in token):
            runs.append(("".join(ch if rtl else _MIRROR.get(ch, ch)
                                 for ch, rtl in reversed(token)), True))
        else:
            chunk = "".join(ch for ch, _ in token)
            if runs and not runs[-1][1]:
                runs[-1] = (runs[-1][0] + chunk, False)
            else:
                runs.append((chunk, False))
        i = j
    return runs
