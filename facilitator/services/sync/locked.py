"""Pulled changes to the facts a note signed here states (``storage.guards``).

Once a note is signed, its session's facts (attendance, times out of the room, form answers,
segments, topics, facilitators) and the goal ratings of the signed revision can no longer
change on the laptop that signed it: a correction goes in an addendum. Another laptop that
had not yet pulled the signing may still have changed them, and its change must neither stop
sync (the guard refusing it in every round) nor be lost. What a laptop where the note is
signed does with it:

* an **edit** of such a row is not written: the row keeps what the note states, the pulled
  value is set aside (kept in the record's flag, ``EDITED``) and the next round sends the
  row's own value as a **restore**: an update that supersedes both values and that every
  laptop writes past its guard. The laptop that made the edit (it has the signing by the time
  the restore arrives: entries come in chain order) then holds what the note states too, and
  flags the value it set aside;
* a **deletion** is not made: the note states the row. The next round sends the row again
  as a restore (an insert under its own global id, ``rows.REVIVE``), which a laptop that
  deleted it takes in again over its tombstone (``DELETED``);
* a **new row** (a check-in answered on the other laptop after the session) is taken in,
  the guard set aside for that one insert: the note does not state it, so nothing it states
  changes, the laptops hold the same rows, and rows that refer to it (a safety flag raised by
  the answer) find it. The record is flagged (``INSERTED``), so an admin or the supervisor
  sees what arrived after the signing.

So every laptop ends with the rows the note states. The flags are each laptop's own: the
laptop that signed flags what it refused or took in; a laptop whose row a restore changed
flags the value the row showed; a laptop that did not sign holds a pulled edit (``rows.HELD``,
flagged) until the restore comes, which settles that flag when the row keeps its value; a
laptop that joins takes the history in as it stands, without them (``history_taken``).
Settling a flag acknowledges it there and changes nothing the note states. A restore is
written past a guard only where the row is one of these facts and the change says it
restores; an ordinary edit is still refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ...models.audit import AuditEvent
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

# A record's sync state: how a row came apart from a signing ("inserted", "deleted" or
# "edited", the last with the values set aside).
APART = rows.APART
INSERTED, DELETED, EDITED = "inserted", "deleted", "edited"
# A change that puts back what a signed note states (an update or an insert): written past the
# guard on the laptops where the note is signed.
RESTORES = rows.RESTORES


def written(s: Session, name: str, record: SyncRow, values: dict[str, Any],
            restores: bool = False) -> bool:
    """Write a pulled update; False where a signed note's guard refuses it (a row of the facts
    the note states, edited on a laptop that had not seen the signing), unless the change
    ``restores`` what the note states: then past the guard."""
    if name not in LOCKED_BY_SIGNING:
        clashes.update_row(s, name, record, values)
        return True
    if rows.attempt(s, lambda: clashes.update_row(s, name, record, values))[1]:
        return True
    if not restores:
        return False
    with lifted(s.connection(), f"{name}_signed_no_update"):
        clashes.update_row(s, name, record, values)
    return True


def signed_here(s: Session, name: str, key: str) -> bool:
    """Whether a note whose signing locks this row was signed on this laptop (its own audit
    log says so; a copy restored from its backup continues that log). Only there is the row
    sure to hold what the note states: on another laptop it may show an edit made before the
    signing arrived, and restoring that would overwrite the signed facts everywhere."""
    found = rows.read_rows(s, name, [key])
    if not found:
        return False
    row, notes = found[0], rows.table("progress_notes")
    if name == "note_goal_links":  # locked by the signing of its own revision
        return revision_signed_here(s, row["revision_id"])
    if name == "out_of_room":
        attendance = rows.table("attendance")
        row = dict(s.execute(select(attendance).where(
            attendance.c.id == row["attendance_id"])).mappings().one())
    session = row["id"] if name == "group_sessions" else row["session_id"]
    where = [notes.c.session_id == session]
    if name in _PER_PARTICIPANT:
        where.append(notes.c.participant_id == row["participant_id"])
    revisions = rows.table("note_revisions")
    signings = s.execute(select(revisions.c.content_sha256, revisions.c.signed_at)
                         .join(notes, notes.c.id == revisions.c.note_id)
                         .where(*where, revisions.c.signed_at.is_not(None))).all()
    return any(_audited_here(s, sha, at) for sha, at in signings)


def revision_signed_here(s: Session, revision_id: int) -> bool:
    """Whether this note revision was signed on this laptop (its signing audited here, known by
    the signed content's hash: a merged note's revisions may have moved to another note)."""
    revisions = rows.table("note_revisions")
    found = s.execute(select(revisions.c.content_sha256, revisions.c.signed_at).where(
        revisions.c.id == revision_id)).first()
    return found is not None and _audited_here(s, found.content_sha256, found.signed_at)


def _audited_here(s: Session, sha: str | None, signed_at: datetime | None) -> bool:
    """Whether the signing of the revision with this content hash is in this laptop's audit log.

    Asked for every pulled goal rating of a signed revision and every pulled edit of a session's
    facts, so it reads only the audit events of the moment the revision was signed (the event
    is written in the same transaction), by the time index: matching the hash, or the note id,
    among every signing here read each event's details, ~70 ms a look-up with 100,000
    signings."""
    if not sha or signed_at is None:
        return False
    near = s.execute(select(AuditEvent.action, AuditEvent.details).where(AuditEvent.at.between(
        signed_at - _SAME_MOMENT, signed_at + _SAME_MOMENT)))
    return any(action == "note.signed" and (details or {}).get("sha256") == sha
               for action, details in near)


# How far apart a revision's signing time and the audit event of its signing may be (the same
# transaction; a clock set back a little between the two).
_SAME_MOMENT = timedelta(minutes=1)


# The facts a participant's own note locks; the others are locked by any note of the session.
_PER_PARTICIPANT = frozenset({"attendance", "out_of_room", "form_responses"})


def hold(s: Session, name: str, record: SyncRow, before: dict[str, Any],
         change: dict[str, Any], shown: set[str]) -> None:
    """A pulled edit of ``shown`` that the guard refused (``record.fields`` already names it
    among the heads): the row keeps its values and the pulled ones are set aside in the flag.
    Where the note was signed, the next round restores the row's values everywhere
    (``collect``); elsewhere they are held (``rows.HELD``: nothing goes out for them) until
    that restore arrives."""
    fields = {col: (sorted({h[0]: h for h in before.get(col, []) + heads}.values(),
                           key=lambda h: h[0]) if col in shown else heads)
              for col, heads in record.fields.items()}
    if aside := {col: [change["fields"][col]] for col in sorted(shown)
                 if not rows.latest_only(name, col)}:  # not "who changed it last"
        fields = mark(fields, change["id"], EDITED, aside)
    key = record.row_key or ""
    if signed_here(s, name, key):
        fields[rows.RESTORE] = [["", sorted(rows.restoring(fields) | shown)]]
        rows.note_for_sending(s, name, key)
    else:
        fields[rows.HELD] = [["", sorted(rows.held(fields) | shown)]]
    record.fields, record.conflicted = fields, rows.conflicted(name, fields)


def restore(s: Session, name: str, record: SyncRow, change: dict[str, Any],
            shown: dict[str, Any], values: dict[str, Any]) -> None:
    """Write a pulled restore (past the guard where the row is locked here). A value the row
    showed and the restore replaced is set aside in the flag. Where this laptop was holding an
    edit of these fields until the restore came (``hold`` on a laptop that did not sign) and
    the row keeps what it showed, that flag is settled by the restore and goes."""
    assert record.row_key is not None
    found = rows.read_rows(s, name, [record.row_key])
    showing = rows.encode_row(rows.GidCache(s), name, found[0]) if found else {}
    written(s, name, record, values, restores=True)
    held = rows.held(record.fields) & shown.keys()
    fields = rows.unmark(rows.unmark(record.fields, rows.RESTORE, set(shown)), rows.HELD,
                         set(shown))
    if held:
        fields = _unset(fields, held)
    aside = {col: [showing[col]] for col, value in sorted(shown.items())
             if col in showing and showing[col] != value and not rows.latest_only(name, col)}
    if aside:
        fields = mark(fields, change["id"], EDITED, aside)
    record.fields, record.conflicted = fields, rows.conflicted(name, fields)


def _unset(fields: dict[str, Any], columns: set[str]) -> dict[str, Any]:
    """An ``EDITED`` flag without the values it set aside for ``columns`` (gone when none is
    left)."""
    aside = {col: values for col, values in set_aside(fields).items() if col not in columns}
    if how_apart(fields) != EDITED or len(aside) == len(set_aside(fields)):
        return fields
    if not aside:
        return {k: v for k, v in fields.items() if k != APART}
    heads = fields[APART]
    return {**fields, APART: [[heads[0][0], EDITED, aside]]}


def _distinct(values: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


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


def merged(s: Session, name: str, change: dict[str, Any], gid: str) -> None:
    """A row merged with a pulled one (``clashes``: attendance recorded on two laptops apart)
    that a note signed here locks: every field keeps both values and the row its own, which
    the note states. As for an edit made apart, the others are set aside and the row's values
    restored everywhere (elsewhere the merged record shows each laptop's own until settled)."""
    if name not in LOCKED_BY_SIGNING:
        return
    record = s.get(SyncRow, rows.standing(s, gid))
    if record is None or record.row_key is None or not signed_here(s, name, record.row_key):
        return
    here = rows.encode_row(rows.GidCache(s), name, rows.read_rows(s, name, [record.row_key])[0])
    differ = {col: others for col, heads in sorted(record.fields.items())
              if col in here and (others := _distinct(h[1] for h in heads if h[1] != here[col]))}
    if not differ:
        return
    fields = dict(record.fields)
    # "Who changed it last" is restored too, but no value set aside.
    if aside := {col: others for col, others in differ.items()
                 if not rows.latest_only(name, col)}:
        fields = mark(fields, change["id"], EDITED, aside)
    fields[rows.RESTORE] = [["", sorted(rows.restoring(fields) | differ.keys())]]
    record.fields, record.conflicted = fields, rows.conflicted(name, fields)
    rows.note_for_sending(s, name, record.row_key)


def kept_deleted(s: Session, name: str, record: SyncRow, change_id: str) -> None:
    """A pulled deletion the guard refused: the row stays, flagged. Where the note was signed
    (``signed_here``), the next round sends it again as a restore (``collect``), so that the
    laptops that deleted it take it back."""
    record.fields = mark(record.fields, change_id, DELETED)
    record.conflicted = True
    key = record.row_key or ""
    if signed_here(s, name, key):
        record.fields = {**record.fields, rows.REVIVE: [["", True]]}
        rows.note_for_sending(s, name, key)


def revives(s: Session, change: dict[str, Any], index_known: dict[str, Any]) -> bool:
    """Whether a pulled restore (an insert) of a known global id brings back a row deleted
    here (its tombstone goes; the caller inserts the row again). A restore of a row this
    laptop still holds is a no-op, and makes its own restore waiting here moot."""
    gid = change["gid"]
    record = s.get(SyncRow, gid)
    if record is None or rows.standing(s, gid) != gid:
        return False  # merged into another record (``clashes``): that one stands
    if record.row_key is not None:
        if rows.REVIVE in record.fields:
            record.fields = {k: v for k, v in record.fields.items() if k != rows.REVIVE}
        return False
    s.delete(record)
    s.flush()
    index_known.pop(gid, None)
    return True


def history_taken(s: Session) -> int:
    """After a new laptop's first pull: the records sync set apart from a signing while it
    took the history in are flagged on the laptops where that happened (the laptop that
    signed, those whose rows a restore changed); here they are history, and the flags go, as
    do those of records kept or taken back because rows referred to them (``referred``).
    Not an edit still held for a restore that has not come (the laptops differ until then).
    Returns how many went."""
    gone = 0
    for record in s.scalars(select(SyncRow).where(SyncRow.conflicted,
                                                  SyncRow.row_key.is_not(None))):
        if APART not in record.fields or set(set_aside(record.fields)) & rows.held(
                record.fields):
            continue
        fields = {k: v for k, v in record.fields.items() if k != APART}
        record.fields, record.conflicted = fields, rows.conflicted(record.tbl, fields)
        gone += 1
    return gone


def mark(fields: dict[str, Any], change_id: str, how: str,
         aside: dict[str, list[Any]] | None = None) -> dict[str, Any]:
    """A record's sync fields, noting it came apart from a signing (``how``); for ``EDITED``,
    with the values set aside per field, added to those set aside before."""
    old = fields.get(APART)
    if aside is not None and old and old[0][1] == EDITED and len(old[0]) > 2:
        merged = {col: list(values) for col, values in old[0][2].items()}
        for col, values in aside.items():
            merged[col] = _distinct([*merged.get(col, []), *values])
        return {**fields, APART: [[old[0][0], EDITED, merged]]}
    return {**fields, APART: [[change_id, how, *([aside] if aside is not None else [])]]}


def how_apart(fields: dict[str, Any]) -> str | None:
    heads = fields.get(APART)
    return str(heads[0][1]) if heads else None


def set_aside(fields: dict[str, Any]) -> dict[str, list[Any]]:
    """The values an ``EDITED`` record's flag set aside, per field."""
    heads = fields.get(APART)
    return dict(heads[0][2]) if heads and len(heads[0]) > 2 else {}
