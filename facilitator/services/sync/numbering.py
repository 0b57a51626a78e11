"""A note's revisions numbered alike on every laptop, whatever order each learned of them.

Revisions of one note can be made on several laptops before they sync: two co-facilitators
each write and sign revision 1 of one participant's note; a supervisor returns a note on one
laptop (a new draft, revision 2) while its revision 1 was signed apart on another. The notes
become one (one note per participant and session, ``clashes``), and their revisions must then
be numbered so that every laptop shows the same history. A rule of the kind "the row already
here keeps its number, the one arriving takes the next free one" depends on arrival order:
with three laptops, or a returned draft, two laptops learned of the same rows in different
orders and numbered them differently.

So a note's revision numbers are a function of the revisions a laptop holds (``order``):

* signed revisions first, by the number each was signed with, then by global id (UUIDv7: the
  earlier); a signature covers its revision's number, so a signed revision moves only where
  revisions of its note were signed with one number on laptops apart, and its sync record
  keeps the number it was signed with (``signed_ids.NUMBER``), which verification uses;
* drafts after every signed revision, by global id: the note's top revision is the one its
  writer goes on with, so a draft written on one laptop is never buried under a revision
  signed on another (the note's state then follows from its top revision: ``note_state``);
* a revision that has not travelled yet (no global id) sorts after those of its kind; when it
  goes out (``collect``) it has its global id and its note is numbered again.

Where the laptops hold the same revisions they number them alike. Numbering is worked out
again for every note whose revisions a pull brought or a round sent (``renumber``); a note
whose revisions are numbered in order already (the usual case: all from one laptop) is only
read. A number sent with a revision (its insert, or the update that signs it) is the number it
had where it was made or signed, never a placement: a pulled revision goes in above the note's
revisions when its number is taken here (``place``), and ``renumber`` then places it.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...models.notes import NoteRevision
from ...models.sync import SyncRow
from ...storage.guards import lifted
from . import rows, signed_ids
from .codec import encode

__all__ = ["order", "place", "placed", "renumber", "take_update"]

TABLE = "note_revisions"
COLUMN = "number"
AT_ONCE = 500  # notes (and revisions) per statement
LAST = "\uffff"  # sorts after every global id: a revision that has not travelled yet


@dataclass(frozen=True)
class Revision:
    """What numbering knows of one revision: its local id, number, whether it is signed, its
    global id (None before it travels), the number it was signed with where sync placed it
    elsewhere, and whether its sync record has fields to keep up to date."""

    id: int
    number: int
    signed: bool
    gid: str | None
    signed_number: int | None
    travelled: bool


def order(revisions: Iterable[Revision]) -> list[Revision]:
    """The revisions of one note in the order they are numbered 1, 2, 3, ..."""
    def key(r: Revision) -> tuple[int, int, str]:
        if r.signed:
            return 0, r.signed_number or r.number, r.gid or LAST
        return 1, 0, r.gid or LAST

    return sorted(revisions, key=key)


def place(s: Session, values: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
    """A pulled revision's values with a number free under its note (the next one) when a
    revision here holds the number it came with, and that revision's local id (None when the
    number was free). ``renumber`` places it among the others afterwards."""
    t = NoteRevision.__table__
    holder = s.scalar(select(t.c.id).where(t.c.note_id == values["note_id"],
                                           t.c.number == values[COLUMN]))
    if holder is None:
        return values, None
    top = s.scalar(select(t.c.number).where(t.c.note_id == values["note_id"])
                   .order_by(t.c.number.desc()).limit(1)) or 0
    return {**values, COLUMN: top + 1}, holder


def take_update(s: Session, record: SyncRow, values: dict[str, Any],
                signing: dict[str, Any] | None = None, change_id: str = "") -> None:
    """Write a pulled update of a revision (``values``: what its heads show; ``signing``: the
    update's own values when it signs the revision, ``change_id`` its id).

    A revision signed here is not written by an edit of its draft made on a laptop that had not
    seen the signing: the edit stays among its sync record's heads, flagged for an admin, and
    the signed text stands. A signing that reaches a draft writes the revision as it was signed,
    whatever edit of the draft was made here meanwhile (kept among the heads the same way).
    One draft signed on two laptops apart: every laptop shows the signing with the smaller
    change id (the other laptop's row is written over, the one write of a signed revision
    sync makes); the other signing's text stays among the heads and its signature no longer
    matches the revision, which verification reports as signed apart.

    A number in the update (an update that signs the revision carries the number the
    signature covers, ``collect``) does not place the row: the row keeps its place until
    ``renumber``, and its sync record keeps the number it was signed with where that
    differs."""
    assert record.row_key is not None
    t, key = NoteRevision.__table__, int(record.row_key)
    number, signed_at = s.execute(select(t.c.number, t.c.signed_at)
                                  .where(t.c.id == key)).one()
    if signed_at is not None and (signing is None
                                  or not _signed_later_here(record, signed_at, change_id)):
        if COLUMN in values:  # its number's heads name the place it has (``placed``)
            record.fields = {**record.fields, COLUMN: [
                [h[0], number, *h[2:]] for h in record.fields.get(COLUMN, [])]}
        return
    if signing is not None:
        values = dict(signing)
    sent = values.pop(COLUMN, None)
    if values:
        with lifted(s.connection(), "note_revisions_signed_no_update") if (
                signed_at is not None) else nullcontext():
            s.execute(update(t).where(t.c.id == key).values(**values))
    if sent is None:
        return
    record.fields = placed(record.fields, number, sent if signing is not None else None)


def _signed_later_here(record: SyncRow, signed_at: datetime, change_id: str) -> bool:
    """Whether the signing this revision holds here has a greater change id than
    ``change_id``, another signing of it made apart."""
    at = NoteRevision.__table__.c.signed_at
    here = [h[0] for h in record.fields.get("signed_at", [])
            if h[0] != change_id and h[1] == encode(at, signed_at)]
    return bool(here) and min(here) > change_id


def renumber(s: Session, revision_ids: Iterable[int]) -> int:
    """Number the revisions of the notes of these revisions by ``order``; returns how many
    moved. A note with a signed revision that has not travelled yet and would have to move
    waits (its sync record could not keep the number it was signed with): that revision
    travels in the next round, which numbers the note again."""
    t = NoteRevision.__table__
    wanted = sorted(set(revision_ids))
    note_ids: set[int] = set()
    for start in range(0, len(wanted), AT_ONCE):
        note_ids.update(s.scalars(select(t.c.note_id).where(
            t.c.id.in_(wanted[start:start + AT_ONCE])).distinct()))
    moved = 0
    notes = sorted(note_ids)
    for start in range(0, len(notes), AT_ONCE):
        by_note: dict[int, list[Any]] = {}
        for row in s.execute(select(t.c.id, t.c.note_id, t.c.number, t.c.signed_at)
                             .where(t.c.note_id.in_(notes[start:start + AT_ONCE]))):
            by_note.setdefault(row.note_id, []).append(row)
        several = {n: found for n, found in by_note.items() if len(found) > 1}
        if not several:
            continue  # one revision each (nearly every note of a first pull): nothing to order
        records = rows.records_of(s, TABLE, [r.id for found in several.values()
                                             for r in found])
        for found in several.values():
            moved += _number(s, [_revision(r, records.get(r.id)) for r in found])
    return moved


def _revision(row: Any, record: tuple[str, dict[str, Any]] | None) -> Revision:
    gid, fields = record if record is not None else (None, {})
    heads = fields.get(signed_ids.NUMBER)
    signed_number = heads[0][1] if heads else None
    return Revision(row.id, row.number, row.signed_at is not None, gid,
                    signed_number if isinstance(signed_number, int) else None, bool(fields))


def _number(s: Session, revisions: list[Revision]) -> int:
    """Move the revisions of one note to their places (two steps: above every number the note
    has, then down, so no two ever hold one number); returns how many moved."""
    moving = [(r, place) for place, r in enumerate(order(revisions), start=1)
              if r.number != place]
    if not moving:
        return 0
    if any(r.signed and not r.travelled for r, _ in moving):
        return 0  # a signed revision that has not travelled: numbered once it has
    t = NoteRevision.__table__
    top = max(r.number for r in revisions)

    def write() -> None:
        for step, (r, _place) in enumerate(moving, start=1):
            s.execute(update(t).where(t.c.id == r.id).values({COLUMN: top + step}))
        for r, place in moving:
            s.execute(update(t).where(t.c.id == r.id).values({COLUMN: place}))

    if any(r.signed for r, _ in moving):
        with lifted(s.connection(), f"{TABLE}_signed_no_update"):
            write()
    else:
        write()
    for r, place in moving:
        record = s.get(SyncRow, r.gid) if r.travelled else None
        if record is not None:
            record.fields = placed(record.fields, place,
                                   (r.signed_number or r.number) if r.signed else None)
    return len(moving)


def placed(fields: dict[str, Any], place: int, signed_with: int | None) -> dict[str, Any]:
    """A revision's sync state once it stands at ``place``: its number's heads name that place
    (so no round sends the placement as an edit: every laptop places it itself), and a signed
    one (``signed_with``: the number it was signed with) keeps that number while it stands
    elsewhere."""
    heads = fields.get(COLUMN, [])
    out = {**fields, COLUMN: [[h[0], place, *h[2:]] for h in heads]}
    out.pop(signed_ids.NUMBER, None)
    if signed_with is not None and signed_with != place and heads:
        out[signed_ids.NUMBER] = [[heads[0][0], signed_with]]
    return out
