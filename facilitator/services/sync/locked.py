"""Pulled changes to the facts a note signed here states (``storage.guards``).

Once a note is signed, its session's facts (attendance, times out of the room, form answers,
segments, topics, facilitators) and the goal ratings of the signed revision can no longer
change on the laptop that signed it: a correction goes in an addendum. Another laptop that
had not yet pulled the signing may still have changed them, and its change must neither stop
sync (the guard refusing it in every round) nor be lost. What the signing laptop does with it:

* an **edit** of such a row is not written: the row keeps what the note states, the pulled
  value is kept beside it (``rows.HELD``) and the field is flagged (``apply``);
* a **new row** (a check-in answered on the other laptop after the session) is taken in,
  the guard set aside for that one insert: the note does not state it, so nothing it states
  changes, the laptops hold the same rows, and rows that refer to it (a safety flag raised by
  the answer) find it. The record is flagged (``APART``, "inserted"), so an admin or the
  supervisor sees what arrived after the signing;
* a **deletion** is not made here: the note states the row. It is flagged (``APART``,
  "deleted"): gone on the other laptop, kept here.

Only the laptop that had signed knows the change came apart from its signing, so only it flags
it; after an edit or a deletion the laptops differ there (the README's "Not built yet": a rule
that converges would need to know what the signer had seen). Settling the flag acknowledges
it; nothing the note states changes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ...models.sync import SyncRow
from ...storage.guards import GUARDS, lifted
from . import clashes, rows

# Tables whose rows a signed note's guards lock (``storage.guards``): the facts it states, and
# the goal ratings of a signed revision (its text is ``numbering``'s).
LOCKED_BY_SIGNING = frozenset({"attendance", "out_of_room", "form_responses", "segments",
                               "topic_deliveries", "session_facilitators", "group_sessions",
                               "note_goal_links"})
# Tables a signed note's guards refuse new rows of. Not goal ratings: one arriving after its
# signed revision is let in by ``apply`` (its writer linked the goal before signing).
_GUARD_NAMES = frozenset(g.name for g in GUARDS)
INSERT_LOCKED = frozenset(name for name in LOCKED_BY_SIGNING - {"note_goal_links"}
                          if f"{name}_signed_no_insert" in _GUARD_NAMES)

# A record's sync state: how a row came apart from a signing here ("inserted" or "deleted").
APART = rows.APART
INSERTED, DELETED = "inserted", "deleted"


def written(s: Session, name: str, record: SyncRow, values: dict[str, Any]) -> bool:
    """Write a pulled update; False where a signed note's guard refuses it (a row of the facts
    the note states, edited on a laptop that had not seen the signing)."""
    if name not in LOCKED_BY_SIGNING:
        clashes.update_row(s, name, record, values)
        return True
    return rows.attempt(s, lambda: clashes.update_row(s, name, record, values))[1]


def insert(s: Session, name: str, values: dict[str, Any]) -> tuple[Any, bool]:
    """Insert a pulled row: (the result, whether it came apart from a signing here and was let
    in past the guard)."""
    conn = s.connection()
    statement = rows.table(name).insert()
    if name not in INSERT_LOCKED:
        return conn.execute(statement, values), False
    if conn.dialect.name == "sqlite":
        # No savepoint: a guard's RAISE(ABORT) backs out its one-row statement and nothing
        # else, and a first pull inserts most rows one by one (see ``covered``).
        try:
            return conn.execute(statement, values), False
        except DBAPIError as error:
            if not rows.refused(error):
                raise
    else:
        result, done = rows.attempt(s, lambda: conn.execute(statement, values))
        if done:
            return result, False
    with lifted(conn, f"{name}_signed_no_insert"):
        return conn.execute(statement, values), True


def covered(s: Session, name: str, batch: list[dict[str, Any]]) -> bool:
    """Whether a signed note covers a session some of these new rows of ``name`` belong to,
    so that a guard may refuse one. Asked once per run of a first pull's inserts, so that
    most runs go in without the savepoint a refusal needs (``executemany`` keeps the rows
    before a refused one): savepoints around every locked row made the first pull of the
    five-year clinic 6-11 s slower (126-130 s against 120 s, 2026-12-04). The driver's own
    statement: asked some 27,000 times in that pull, SQLAlchemy's took 0.5 ms a time."""
    if name not in INSERT_LOCKED or not batch:
        return False
    if name == "out_of_room":
        keys = sorted({r["attendance_id"] for r in batch})
        sessions = f"SELECT session_id FROM attendance WHERE id IN ({_marks(keys)})"
    else:
        keys = sorted({r["session_id"] for r in batch if r.get("session_id") is not None})
        if not keys:
            return False
        sessions = _marks(keys)
    found = s.connection().exec_driver_sql(_COVERED.format(sessions), tuple(keys)).first()
    return found is not None


_COVERED = ("SELECT 1 FROM progress_notes n JOIN note_revisions r ON r.note_id = n.id"
            " WHERE n.session_id IN ({}) AND r.signed_at IS NOT NULL LIMIT 1")


def _marks(keys: list[Any]) -> str:
    return ", ".join("?" * len(keys))


def deleted(s: Session, name: str, key: str) -> bool:
    """Delete a row as a pulled change asks; False where a signed note states it (kept)."""
    statement = delete(rows.table(name)).where(*rows.key_filter(name, key))
    if name not in LOCKED_BY_SIGNING:
        s.execute(statement)
        return True
    return rows.attempt(s, lambda: s.execute(statement))[1]


def mark(fields: dict[str, Any], change_id: str, how: str) -> dict[str, Any]:
    """A record's sync fields, noting it came apart from a signing here (``how``)."""
    return {**fields, APART: [[change_id, how]]}


def how_apart(fields: dict[str, Any]) -> str | None:
    heads = fields.get(APART)
    return str(heads[0][1]) if heads else None
