"""A note's workflow fields, worked out again from its records wherever sync changed them.

One participant's note for one session can be written on two laptops apart; sync makes the two
one note (``clashes``) and numbers their revisions alike (``numbering``). Each laptop's note
still holds the state its own last action gave it: one laptop could show a draft (returned by
the supervisor there) while the other shows the note waiting for co-signature, and a
supervisor's queue would depend on the laptop she signs in to. The state, signing time, final
time and returned comment follow from the note's revisions, signatures and reviews, which are
append-only and travel whole (``services.note_workflow``). So:

* those fields never flag a conflict: like "who changed it last", they show the greatest
  change id (``rows.latest_only``);
* after every pull (``apply``) and every renumbering when a round goes out (``collect``), the
  notes whose records came or moved are worked out again, and a field that differs is written
  with its head naming the value, so nothing goes out for it: every laptop works it out
  itself from the same records.

A pull works its notes out once, after its last entry (``pull``), not after each write slice:
a new laptop's first pull brings a note's revision and its co-signature in far-apart slices,
and working the note out in between wrote a state the note never had (waiting for a
co-signature it has) and then its own back, for 22,000 of the five-year clinic's notes, and
worked every note out twice (a seventh of its first pull's profile; once, it takes 7 s of the
~97 s). Until then a note shows the fields it was pulled with, its writer's. A
pull that stops before it settles leaves ``UNSETTLED`` set, and the next one works out every
note.

A note whose records all came from one laptop is worked out to the fields it already has (the
services set them by the same rule), so only merged notes ever change here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ...models.notes import NoteReview, NoteRevision, ProgressNote, Signature
from ...models.sync import SyncRow
from ...models.sync_security import SyncMark
from ..note_workflow import AUTHOR, COSIGN_REQUIRED, FIELDS, RETURNED, derived
from . import codec, rows
from .rows import MissingRecord, conflicted

__all__ = ["TABLES", "UNSETTLED", "left_unsettled", "notes_of", "remember", "settle",
           "settle_part", "take_touched"]

NOTES = "progress_notes"
# The tables whose rows decide a note's workflow fields, and how a row names its note.
TABLES = (NOTES, "note_revisions", "signatures", "note_reviews")
AT_ONCE = 500


def notes_of(s: Session, keys: dict[str, set[int]]) -> set[int]:
    """The notes whose workflow fields these rows (table -> local keys) may change: every
    note and revision's; of the reviews, the returns (``note_workflow.derive`` reads no other
    decision); of the signatures, co-signatures, and an author's where the revision does not
    state whether it needed co-signature (only then does ``derive`` read who signed). A new
    laptop's first pull brings the signatures after their revisions: its notes are worked out
    once for the revisions, then again only where a co-signature came."""
    found = set(keys.get(NOTES, ()))
    wanted = sorted(keys.get("note_revisions", ()))
    for start in range(0, len(wanted), AT_ONCE):
        found.update(s.scalars(select(NoteRevision.note_id).where(
            NoteRevision.id.in_(wanted[start:start + AT_ONCE]))))
    wanted = sorted(keys.get("note_reviews", ()))
    for start in range(0, len(wanted), AT_ONCE):
        found.update(s.scalars(select(NoteReview.note_id).where(
            NoteReview.id.in_(wanted[start:start + AT_ONCE]),
            NoteReview.decision == RETURNED)))
    signed = sorted(keys.get("signatures", ()))
    unstated = NoteRevision.facts[COSIGN_REQUIRED].as_boolean().is_(None)
    for start in range(0, len(signed), AT_ONCE):
        found.update(s.scalars(select(NoteRevision.note_id).join(
            Signature, Signature.revision_id == NoteRevision.id).where(
                Signature.id.in_(signed[start:start + AT_ONCE]),
                or_(Signature.meaning != AUTHOR, unstated))))
    return found


def settle(s: Session, note_ids: Iterable[int]) -> int:
    """Write the workflow fields of these notes where they differ from what their records
    say; returns how many notes changed."""
    changed = {nid: new for nid, (now, new) in derived(s, note_ids).items() if now != new}
    if not changed:
        return 0
    t = ProgressNote.__table__
    for nid, header in changed.items():
        s.execute(update(t).where(t.c.id == nid).values(**header.values()))
    columns = {c.name: c for c in rows.table(NOTES).columns}
    keys = [str(nid) for nid in changed]
    for start in range(0, len(keys), AT_ONCE):
        for record in s.scalars(select(SyncRow).where(
                SyncRow.tbl == NOTES, SyncRow.row_key.in_(keys[start:start + AT_ONCE]))):
            if not record.fields:
                continue  # never travelled: it goes out whole, as it is now
            values = changed[int(str(record.row_key))].values()
            fields = dict(record.fields)
            for col in FIELDS:
                if fields.get(col):  # the head shown (``rows.latest_only``) names it now
                    top = max(fields[col], key=lambda h: h[0])[0]
                    fields[col] = [[h[0], codec.encode(columns[col], values[col]), *h[2:]]
                                   if h[0] == top else h for h in fields[col]]
            record.fields = fields
            record.conflicted = conflicted(NOTES, fields)
    return len(changed)


def remember(changes: list[dict[str, Any]], index: Any) -> None:
    """Note in ``index`` (``gid_index.GidIndex``) the local keys of the rows these applied changes
    wrote in ``TABLES`` (a change addressed to a note merged into another: the standing one)."""
    for c in changes:
        if c["table"] not in TABLES or c["op"] == "delete" or c["gid"] not in index.known:
            continue
        try:
            key = index.local(c["table"], c["gid"])
        except MissingRecord:
            continue  # deleted here meanwhile
        index.touched.setdefault(c["table"], set()).add(key)


# Set (1) from a pull's first write slice that brought a note's records until its notes are
# worked out: still set when a pull begins, an earlier one stopped before it got there.
UNSETTLED = "notes_unsettled"


def take_touched(s: Session, index: Any) -> set[int]:
    """The notes whose records the entries applied with ``index`` brought, to be worked out
    when the pull has applied its last entry (``settle_part``); marks that they wait."""
    if not index.touched:
        return set()
    found = notes_of(s, index.touched)
    index.touched = {}
    if found and s.get(SyncMark, UNSETTLED) is None:
        s.add(SyncMark(name=UNSETTLED, value=1))
        s.flush()
    return found


def left_unsettled(s: Session) -> set[int]:
    """Every note, when an earlier pull stopped before working out the notes it brought
    (which ones is not known); else none."""
    if s.get(SyncMark, UNSETTLED) is None:
        return set()
    return set(s.scalars(select(ProgressNote.id)))


def settle_part(s: Session, waiting: set[int], at_once: int) -> None:
    """Work out up to ``at_once`` of the ``waiting`` notes (taken out of it); with the last
    of them, the mark that notes wait goes."""
    part = sorted(waiting)[:at_once]
    waiting.difference_update(part)
    settle(s, part)
    if not waiting and (mark := s.get(SyncMark, UNSETTLED)) is not None:
        s.delete(mark)
    s.flush()
