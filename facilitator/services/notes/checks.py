"""Pre-signing checks on the clinician's words (pure): cloned text and other members' names.

**Cloned-note check.** Payers recoup notes that are "exactly alike or similar to" other entries.
Two individualized texts are compared after normalisation (Unicode NFKC, case-folded, the
participant's own names replaced by one token, punctuation dropped, whitespace collapsed) as
sets of word 3-grams (shingles). Their Jaccard similarity at or above ``CLONE_THRESHOLD``
(0.80), or identical normalised text, flags the pair. Shingles keep the comparison linear in
the text's length, so a 100,000-character section is checked in milliseconds. Texts of fewer
than ``MIN_WORDS`` words are compared for identity only (short plans such as "Continue IOP."
are legitimately alike).

**Confidentiality check.** A participant's note must not name another group member. Every
legal, preferred and first name of the session's other participants is searched for as a
whole word, case-insensitively; each hit is reported with its position so the editor can
highlight it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CLONE_THRESHOLD = 0.80
MIN_WORDS = 8
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_text(text: str, own_names: Iterable[str] = ()) -> list[str]:
    """Words of ``text`` for comparison (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    for name in sorted((n for n in own_names if n.strip()), key=len, reverse=True):
        pattern = r"(?<!\w)" + re.escape(unicodedata.normalize("NFKC", name).casefold()) + r"(?!\w)"
        folded = re.sub(pattern, " selfname ", folded)
    return _WORD.findall(folded)


def _shingles(words: Sequence[str]) -> set[tuple[str, ...]]:
    if len(words) < 3:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Jaccard similarity of word 3-gram sets, 1.0 for identical word lists."""
    if list(a) == list(b):
        return 1.0 if a else 0.0
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def is_clone(a: Sequence[str], b: Sequence[str]) -> tuple[bool, float]:
    if not a or not b:
        return False, 0.0
    if list(a) == list(b):
        return True, 1.0
    if min(len(a), len(b)) < MIN_WORDS:
        return False, similarity(a, b)
    score = similarity(a, b)
    return score >= CLONE_THRESHOLD, score


@dataclass(frozen=True)
class CloneFinding:
    against: str  # "another participant's note of this session" or "their note of <date>"
    similarity: float


@dataclass(frozen=True)
class NameFinding:
    name: str
    section: str
    start: int
    end: int


def first_name(name: str) -> str:
    parts = name.split()
    return parts[0] if parts else ""


def name_candidates(legal: str, preferred: str) -> set[str]:
    """The names a participant could be called by in a note (at least two letters each)."""
    names = {legal.strip(), preferred.strip(), first_name(legal), first_name(preferred)}
    return {n for n in names if sum(ch.isalpha() for ch in n) >= 2}


def find_names(sections: dict[str, str], others: Iterable[str]) -> list[NameFinding]:
    """Whole-word, case-insensitive hits of any of ``others`` in the section texts."""
    found: list[NameFinding] = []
    names = sorted({n for n in others if n.strip()}, key=len, reverse=True)
    if not names:
        return found
    pattern = re.compile("|".join(r"(?<!\w)" + re.escape(n) + r"(?!\w)" for n in names),
                         re.IGNORECASE)
    for key, text in sections.items():
        for m in pattern.finditer(text):
            found.append(NameFinding(m.group(0), key, m.start(), m.end()))
    return found
