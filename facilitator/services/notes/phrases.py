"""Quick phrases for note sections: a clinic-editable library, inserted by keyboard.

Placeholders: ``{name}`` (preferred name, else legal), ``{they}``, ``{them}``, ``{their}``
(from the participant's pronouns: she/her, he/him, they/them; anything else reads as the
name). The shipped starter phrases are ours; a clinic's own rows replace them once it has any.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ...models.notes import QuickPhrase
from .. import audit
from ..errors import NotFound
from ..validation import MAX_TEXT, Checker
from ..workspace import Workspace

STARTER: tuple[tuple[str, str], ...] = (
    ("*", "{name} arrived on time and joined the check-in."),
    ("*", "{name} participated actively and stayed on topic."),
    ("*", "{name} was quiet during the module and engaged more during process group."),
    ("*", "{They} described using a coping skill since the last group."),
    ("*", "{name} practised the skill in the room and described when {they} would use it."),
    ("*", "{name} offered support to a peer and received feedback openly."),
    ("*", "No safety concerns were reported or observed."),
    ("*", "{name} denied thoughts of harming {them}self or others."),
    ("plan", "Continue IOP as scheduled; practise the skill taught today before the next group."),
    ("plan", "Review {their} relapse-prevention plan at the next individual session."),
)

_PRONOUNS = {"she": ("she", "her", "her"), "he": ("he", "him", "his"),
             "they": ("they", "them", "their")}


@dataclass(frozen=True)
class PhraseView:
    id: int | None  # None: a shipped starter phrase
    section: str
    text: str


def expand(text: str, name: str, pronouns: str) -> str:
    """Fill a phrase's placeholders for one participant."""
    key = pronouns.strip().casefold().split("/")[0] if pronouns.strip() else ""
    they, them, their = _PRONOUNS.get(key, (name, name, f"{name}'s"))
    values = {"name": name, "they": they, "them": them, "their": their,
              "They": they[:1].upper() + they[1:], "Their": their[:1].upper() + their[1:]}
    out = text
    for k, v in values.items():
        out = out.replace("{" + k + "}", v)
    return out


def list_phrases(ws: Workspace, section: str | None = None) -> list[PhraseView]:
    """Active phrases for a section (and those for any section), the clinic's or the starters."""
    with ws.read() as s:
        rows = s.scalars(select(QuickPhrase).where(QuickPhrase.active.is_(True))
                         .order_by(QuickPhrase.position, QuickPhrase.id)).all()
        if not s.scalar(select(func.count(QuickPhrase.id))):
            views = [PhraseView(None, sec, text) for sec, text in STARTER]
        else:
            views = [PhraseView(p.id, p.section, p.text) for p in rows]
    return [v for v in views if section is None or v.section in ("*", section)]


def add_phrase(ws: Workspace, section: str, text: str) -> PhraseView:
    """Add a clinic phrase (the first one also keeps the starters, so nothing disappears)."""
    ws.require("therapist", "supervisor", "admin")
    c = Checker()
    text = c.text("text", "The phrase", text, max_len=MAX_TEXT)
    section = c.text("section", "The section", section or "*", max_len=30)
    c.raise_if_any()
    with ws.transaction() as s:
        now = ws.clock.now()
        if not s.scalar(select(func.count(QuickPhrase.id))):
            for i, (sec, t) in enumerate(STARTER):
                s.add(QuickPhrase(section=sec, text=t, position=i, active=True, created_at=now,
                                  created_by_id=ws.actor.user_id))
        position = (s.scalar(select(func.max(QuickPhrase.position))) or 0) + 1
        phrase = QuickPhrase(section=section, text=text, position=position, active=True,
                             created_at=now, created_by_id=ws.actor.user_id)
        s.add(phrase)
        s.flush()
        audit.record(s, ws, "phrase.added", "phrase", phrase.id)
        return PhraseView(phrase.id, phrase.section, phrase.text)


def remove_phrase(ws: Workspace, phrase_id: int) -> None:
    with ws.transaction() as s:
        phrase = s.get(QuickPhrase, phrase_id)
        if phrase is None:
            raise NotFound("That phrase no longer exists.")
        phrase.active = False
        phrase.updated_at, phrase.updated_by_id = ws.clock.now(), ws.actor.user_id
        audit.record(s, ws, "phrase.removed", "phrase", phrase.id)
