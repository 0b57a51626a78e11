"""Records two laptops each made with one chart number, login, curriculum key or topic version
(``clashes.open_clashes``), as entries of the Sync conflicts page: what happened and what an
admin can do, in words. Both records stay (``clashes``). A chart given its right number on any
laptop closes its entry on every laptop the edit reaches; otherwise the entry is acknowledged
on this laptop only (each laptop met the clash itself and keeps its own record of it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models.curriculum import TopicVersion
from ...models.sync import SyncRow
from ...models.sync_security import SyncClash
from .. import audit
from ..curriculum._store import current_version_ids
from ..errors import Conflict, PermissionDenied
from ..workspace import Workspace
from . import clashes, describe, rows
from .entries import ADMINS_ONLY, Choice, Flagged, Resolved, may

# The field of an entry for two rows that stayed two (``clashes``), settled by acknowledging
# (``resolve`` with its one choice).
CLASH = "(made on two laptops)"
CLASH_KEPT = "Both kept as they are"
# What happened, per table, and what an admin can do about it. {other}: the other row's label;
# {value}: what this row shows; {base}: the value both rows were given.
CLASH_NOTES = {
    "participants":
        "Two laptops gave the chart number \u201c{base}\u201d to two people: {other}, and this"
        " participant. Both charts are kept, never merged; this one shows \u201c{value}\u201d on"
        " every laptop. Give it its right chart number on the Roster page: this entry then"
        " clears on every laptop the edit reaches. Acknowledge it to keep both as they are.",
    "users":
        "Two laptops each made an account with the login \u201c{base}\u201d: {other} keeps it,"
        " and this account signs in as \u201c{value}\u201d on every laptop from now on (a login"
        " cannot change; the Users page shows the one it had). Tell its user, then acknowledge.",
    "curriculum_modules":
        "Two laptops each added a module with the key \u201c{base}\u201d: both are kept, the"
        " other one ({other}) under that key and this one under \u201c{value}\u201d. If they are"
        " one module, retire one under Library & planning; then acknowledge.",
    "curriculum_topics":
        "Two laptops each added a topic with the key \u201c{base}\u201d: both are kept, the"
        " other one under that key and this one under \u201c{value}\u201d. If they are one"
        " topic, retire one under Library & planning; then acknowledge.",
    "topic_versions":
        "Two laptops each wrote a new text of this topic offline, both as version {base}."
        " Both texts are kept; this laptop numbers this one {value}, and the laptop that wrote"
        " it numbers the two the other way round.{current} A signed note keeps naming the"
        " version it was signed with. To have one current text on every laptop, edit the topic"
        " under Library & planning: its next version follows both. Acknowledge it when you"
        " have seen it.",
}
# Whether the version a clash numbered apart is the one this laptop teaches (the newest it
# took in; the laptop that wrote it teaches the other): the laptops differ until an edit.
CURRENT_APART = (" This laptop shows this text as the topic's current one, the laptop that"
                 " wrote it the other text.")


def entry(ws: Workspace, s: Session, labels: describe.Labels, clash: SyncClash
           ) -> Flagged | None:
    """An entry for two rows that stayed two (``clashes.open_clashes``), in words."""
    key = s.scalar(select(SyncRow.row_key).where(SyncRow.gid == clash.gid,
                                                 SyncRow.tbl == clash.tbl))
    if key is None:
        return None
    column = _clash_column(clash)
    value = clashes.suffixed_value(s, clash) or ""
    base = value.removesuffix(clashes.suffix_of(clash.gid))
    if not value:  # a counter: the number this row took, and the one both rows had
        here = rows.read_rows(s, clash.tbl, [key])[0]
        other_key = s.scalar(select(SyncRow.row_key).where(
            SyncRow.gid == rows.standing(s, clash.other_gid), SyncRow.tbl == clash.tbl))
        there = rows.read_rows(s, clash.tbl, [other_key]) if other_key is not None else []
        value, base = str(here[column]), str(there[0][column]) if there else "?"
    kind = describe.kind_of(clash.tbl)
    other = (labels.of_gid(clash.tbl, clash.other_gid) if clash.other_gid
             else f"another {kind}")
    note = CLASH_NOTES.get(clash.tbl, "Two laptops each made this record; both are kept.")
    why_not = "" if may(ws, clash.tbl) else ADMINS_ONLY
    return Flagged(clash.gid, clash.tbl, key, CLASH, kind, labels(clash.tbl, key),
                   describe.field_name(clash.tbl, column),
                   (Choice(clash.id, CLASH_KEPT, None, True),), False, not why_not,
                   note.format(other=other, value=value, base=base,
                               current=CURRENT_APART if _current(s, clash.tbl, key) else ""),
                   why_not)


def _current(s: Session, table: str, key: str) -> bool:
    """Whether the topic version ``key`` is its topic's current text here."""
    return table == "topic_versions" and s.scalar(select(TopicVersion.id).where(
        TopicVersion.id == int(key), TopicVersion.id.in_(current_version_ids()))) is not None


def _clash_column(clash: SyncClash) -> str:
    """The column that took a suffix or another number (a chart number, a version)."""
    columns = tuple(clash.columns.split(","))
    return clashes.kind(clash.tbl, columns)[1] or columns[-1]


def acknowledge(s: Session, ws: Workspace, gid: str, clash_id: Any) -> Resolved:
    """Acknowledge two rows that stayed two: the entry closes here, nothing else changes."""
    clash = s.get(SyncClash, clash_id) if isinstance(clash_id, int) else None
    if clash is None or clash.gid != gid or clash not in clashes.open_clashes(s):
        raise Conflict("This entry has been settled meanwhile (a chart number given its right"
                       " value, here or on another laptop); nothing was changed. The list shows"
                       " what is left to settle.")
    kind = describe.kind_of(clash.tbl)
    if not may(ws, clash.tbl):
        raise PermissionDenied(f"Only an admin settles a {kind}'s values: it is part of the"
                               " clinic's set-up. Ask an admin.")
    found = entry(ws, s, describe.Labels(s, ws.timezone), clash)
    clash.resolved_at = ws.clock.now()
    # The record by its kind and local id and the field, never its values (a name, a login).
    audit.record(s, ws, "sync.clash_acknowledged", kind.replace(" ", "_"),
                 found.row_key if found else "", table=clash.tbl, fields=[_clash_column(clash)])
    return Resolved(kind, found.label if found else "", found.field_name if found else "",
                    CLASH_KEPT, here_only=True)
