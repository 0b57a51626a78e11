"""The local ids a form-1 signature was made with, carried to the other laptops.

Signatures of signed-content form 1 (``services.notes.canonical``) name the note, session,
participant and an addendum's author by the signing laptop's integer ids; the other laptops
number those rows otherwise, so they cannot rebuild the signed document from their own rows.
Form 2 names the rows by global id and needs none of this; form-1 signatures made before form
2 existed (on a laptop that set up sync later, or whose rows had not travelled yet) still do.

When a signed revision or addendum first travels (the insert of an addendum, or of a revision
signed already; the update that signs a revision) from the laptop that signed it, the change
carries, beside its columns, ``_signed_ids``: for each row the document named, this laptop's
id *and* its global id (and, for a revision, its note's kind there: ``KIND``). A receiving
laptop keeps it in the record's sync state (an unknown column is stored there and never
written to the row), so a laptop that enrols later pulls it too. Verifying there
(``services.notes.signing``), the form-1 document is rebuilt with the carried ids; the carried
global ids must stand for the note's session and participant (the addendum's author) here, so
moving a signed note to another participant is still found.

The carried ids are the signing laptop's statement, inside its signed entry; its local ids
never change, so they are the ids its signatures were made with. Rows that travelled before
this existed carry nothing and stay verifiable only on the laptop that signed them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models.notes import ProgressNote
from ...models.sync import SyncRow
from . import rows

FIELD = "_signed_ids"
# A revision's: its note's kind on the signing laptop. The signed document states it, and a
# note written on two laptops apart may be a session note on one and an absence note on the
# other, merged into one record (``clashes``) that keeps each laptop's kind until settled.
KIND = "kind"


def carries(name: str, current: dict[str, Any]) -> bool:
    """Whether a change of this row, signed as it is now, carries its signing ids."""
    return name == "note_addenda" or (name == "note_revisions"
                                      and current.get("signed_at") is not None)


def signing_ids(gids: rows.GidCache, name: str, current: dict[str, Any]) -> dict[str, Any]:
    """This laptop's id and global id of each row the signed document names."""
    def pair(table: str, key: int) -> list[Any]:
        return [key, gids(table, key)]

    note = pair("progress_notes", current["note_id"])
    if name == "note_addenda":
        return {"note": note, "author": pair("users", current["author_id"])}
    session_id, participant_id, kind = gids.s.execute(
        select(ProgressNote.session_id, ProgressNote.participant_id, ProgressNote.kind)
        .where(ProgressNote.id == current["note_id"])).one()
    return {"note": note, "session": pair("group_sessions", session_id),
            "participant": pair("participants", participant_id), KIND: kind}


def carried(s: Session, name: str, key: int) -> dict[str, Any] | None:
    """The signing ids another laptop sent with this row, if it sent any."""
    fields = s.scalar(select(SyncRow.fields).where(SyncRow.tbl == name,
                                                   SyncRow.row_key == str(key)))
    heads = (fields or {}).get(FIELD)
    if not heads:
        return None
    value = max(heads, key=lambda h: h[0])[1]
    return value if isinstance(value, dict) else None


# A signed note revision that sync placed at another number than the one it was signed with
# (two revisions of one note signed on two laptops before either synced, ``numbering``): the
# number its signature covers, kept in its sync record beside the fields (never a column, so
# never sent, and every laptop records it alike when it places the row).
NUMBER = "_signed_number"


def signed_number(s: Session, key: int) -> int | None:
    """The number note revision ``key`` was signed with, when sync placed it at another."""
    return signed_numbers(s, [key]).get(key)


def signed_numbers(s: Session, keys: list[int]) -> dict[int, int]:
    """``signed_number`` of each of these note revisions that sync placed at another number."""
    found: dict[int, int] = {}
    if not keys:
        return found  # a note with no signed revision yet: nothing to ask
    for key, fields in s.execute(select(SyncRow.row_key, SyncRow.fields).where(
            SyncRow.tbl == "note_revisions", SyncRow.row_key.in_([str(k) for k in keys]))):
        heads = (fields or {}).get(NUMBER)
        value = heads[0][1] if heads else None
        if isinstance(value, int) and not isinstance(value, bool):
            found[int(key)] = value
    return found
