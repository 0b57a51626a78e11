"""Immutable definitions of a form, as parsed from a FHIR R4 ``Questionnaire`` subset.

These dataclasses are the only shape the rest of the app sees: the JSON layout stays inside
``loader.py``, so a future change of file format does not ripple into services or UI.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

ItemType = Literal["group", "display", "boolean", "integer", "decimal", "string", "text", "choice"]
ITEM_TYPES: frozenset[str] = frozenset(
    {"group", "display", "boolean", "integer", "decimal", "string", "text", "choice"}
)
# Items that only structure or explain the form; they never carry an answer.
NON_ANSWERABLE_TYPES: frozenset[str] = frozenset({"group", "display"})

OPERATORS: frozenset[str] = frozenset({"exists", "=", "!=", ">", "<", ">=", "<="})
ORDERING_OPERATORS: frozenset[str] = frozenset({">", "<", ">=", "<="})
ENABLE_BEHAVIORS: frozenset[str] = frozenset({"all", "any"})

SCORING_RULES: frozenset[str] = frozenset({"phq9", "gad7", "checkin", "checkout"})

# Free text is capped so one runaway paste cannot bloat the database or a PDF note.
MAX_TEXT_LENGTH = 100_000

AnswerValue = bool | int | float | str


@dataclass(frozen=True)
class AnswerOption:
    """One choice of a ``choice`` item; ``ordinal`` is its score weight, if any."""

    code: str
    display: str
    ordinal: float | None = None


@dataclass(frozen=True)
class EnableWhen:
    """One condition on another item's answer (``answer`` is the code for codings)."""

    question: str
    operator: str
    answer: AnswerValue


@dataclass(frozen=True)
class Item:
    """A question, a display text or a group of items."""

    link_id: str
    text: str
    type: str
    required: bool = False
    children: tuple[Item, ...] = ()
    options: tuple[AnswerOption, ...] = ()
    enable_when: tuple[EnableWhen, ...] = ()
    enable_behavior: str = "all"
    min_value: int | float | None = None
    max_value: int | float | None = None

    @property
    def answerable(self) -> bool:
        return self.type not in NON_ANSWERABLE_TYPES

    def option(self, code: str) -> AnswerOption | None:
        """The option with this code, or None."""
        for opt in self.options:
            if opt.code == code:
                return opt
        return None


@dataclass(frozen=True)
class FormDefinition:
    """A whole form; ``source`` is the file name it came from, for error messages."""

    id: str
    title: str
    version: str
    scoring: str | None
    items: tuple[Item, ...]
    source: str = field(default="", compare=False)

    def all_items(self) -> tuple[Item, ...]:
        """Every item, depth-first in document order (a group comes before its children)."""
        return tuple(item for item, _parent in self._walk(self.items, None))

    def answerable_items(self) -> tuple[Item, ...]:
        """Items that take an answer (not groups or display texts)."""
        return tuple(item for item in self.all_items() if item.answerable)

    def item(self, link_id: str) -> Item:
        """The item with this linkId; KeyError if the form has none."""
        return self._index[link_id][0]

    def parent(self, link_id: str) -> Item | None:
        """The group containing this item, or None at top level."""
        return self._index[link_id][1]

    def __contains__(self, link_id: object) -> bool:
        return link_id in self._index

    @cached_property
    def _index(self) -> dict[str, tuple[Item, Item | None]]:
        # cached_property writes to the instance __dict__ directly, so it works on a frozen class.
        return {item.link_id: (item, parent) for item, parent in self._walk(self.items, None)}

    @classmethod
    def _walk(
        cls, items: tuple[Item, ...], parent: Item | None
    ) -> Iterator[tuple[Item, Item | None]]:
        for item in items:
            yield item, parent
            yield from cls._walk(item.children, item)


class FormError(ValueError):
    """A form file that cannot be used; the message names the file and, when known, the item."""
