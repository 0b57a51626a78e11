"""What the Sync conflicts page lists, and who may settle it: one flagged field (or record)
with the values kept (``Flagged``, ``Choice``), and what settling it did (``Resolved``).
Shared by ``conflicts`` (fields two laptops changed at once, records apart from a signing) and
``made_twice`` (records two laptops each made with one chart number, login or version)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..workspace import Workspace

# The clinic's set-up: only admins change these records anywhere in the app.
ADMIN_TABLES = frozenset({
    "clinic", "users", "programs", "groups", "group_facilitators", "curriculum_modules",
    "curriculum_topics", "topic_versions", "rotation_plans", "rotation_entries",
    "quick_phrases", "travel_slots"})


@dataclass(frozen=True)
class Choice:
    """One kept value of a flagged field."""

    value: Any
    """As sync keeps it (JSON; a reference as a global id): pass it back to ``resolve``."""
    text: str
    at: datetime | None
    """When its laptop sent the change (its change id is time-ordered): the first sync round
    after the edit, so the edit itself was made at or before this time."""
    shown: bool
    """The value the record shows now on this laptop: the newest, the same on every laptop,
    but where a record merged from two laptops' (``clashes``) keeps its own until someone
    settles it (facts a signed note states are restored by the laptop that signed it,
    ``locked``)."""


@dataclass(frozen=True)
class Flagged:
    gid: str
    table: str
    row_key: str
    field: str
    kind: str
    """What the record is, in words ("participant")."""
    label: str
    """Which one (a name and chart number, a group's name and date...): PHI."""
    field_name: str
    choices: tuple[Choice, ...]
    free_text: bool
    """A new value may be typed instead of picking one."""
    can_resolve: bool
    """The signed-in user may settle it (see the module's docstring)."""
    note: str = ""
    """A sentence about how the conflict came about, when it is not two edits of one field."""
    why_not: str = ""
    """Why the signed-in user cannot settle it, when ``can_resolve`` is False."""

    @property
    def values(self) -> tuple[Any, ...]:
        return tuple(c.value for c in self.choices)


@dataclass(frozen=True)
class Resolved:
    kind: str
    label: str
    field_name: str
    text: str
    here_only: bool = False
    """An entry of this laptop acknowledged (a record set apart from a signing, ``locked``):
    nothing goes to the other laptops, each of which has its own entry."""


def may(ws: Workspace, table: str) -> bool:
    return ws.actor.is_admin or (ws.actor.role == "supervisor" and table not in ADMIN_TABLES)



ADMINS_ONLY = "Only an admin settles the clinic's set-up (users, programs, groups, curriculum)."
