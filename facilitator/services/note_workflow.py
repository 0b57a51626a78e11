"""A note's workflow fields follow from its revisions, signatures and reviews.

``ProgressNote.state``, ``signed_at``, ``final_at`` and ``returned_comment`` sit on the note so
that queues and aging read one row. The services set them as they act (``signing``,
``review``); ``derive`` states the same rule from the append-only records they leave behind:

* the top revision is a draft: the note is a **draft**, not signed, not final. Its returned
  comment is that of the supervisor's return of the highest signed revision that was
  returned (a return leaves the returned revision signed and a new draft above it);
* the top revision is signed and co-signed: **final** since the first co-signature;
* the top revision is signed, not co-signed: **awaiting co-signature** if its author's licence
  needed supervision when signing (``COSIGN_REQUIRED``, a fact signed with the revision), else
  **final** since signing. A revision signed before that fact was recorded says nothing: the
  note's own state stands where it names that signing, else the author's licence as it is now.

Clinic sync relies on it (``services.sync.note_state``): one note written on two laptops apart
becomes one note whose revisions both laptops number alike; every laptop then derives these
fields from the same records and shows the same state, with nothing for an admin to settle.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models.notes import NoteReview, NoteRevision, ProgressNote, Signature
from ..models.users import User

__all__ = ["AUTHOR", "COSIGN_REQUIRED", "CO_SIGNER", "FIELDS", "RETURNED", "Header", "Review",
           "Revision", "derive", "derived"]

# The key in a signed revision's facts saying whether its author's signature needed a
# supervisor's co-signature when it was made.
COSIGN_REQUIRED = "cosign_required"
FIELDS = ("state", "signed_at", "final_at", "returned_comment")
# The records ``derive`` reads: signatures by meaning, reviews by decision (no other counts).
AUTHOR, CO_SIGNER, RETURNED = "author", "co-signer", "returned"


@dataclass(frozen=True)
class Header:
    state: str
    signed_at: datetime | None
    final_at: datetime | None
    returned_comment: str

    def values(self) -> dict[str, object]:
        return {f: getattr(self, f) for f in FIELDS}


@dataclass(frozen=True)
class Revision:
    """What the rule reads of one revision: its number, when it was signed (None: a draft),
    its first co-signature's time, and ``COSIGN_REQUIRED`` from its facts (None: not stated)."""

    id: int
    number: int
    signed_at: datetime | None
    cosigned_at: datetime | None = None
    cosign_required: bool | None = None


@dataclass(frozen=True)
class Review:
    """A supervisor's return of a signed revision (other decisions change no field)."""

    revision_id: int
    at: datetime
    comment: str


def derive(revisions: Iterable[Revision], returns: Iterable[Review], now: Header,
           author_needs_cosign: bool) -> Header:
    """The note's workflow fields. ``now``: the fields as the note holds them (read only for a
    revision signed before ``COSIGN_REQUIRED`` was recorded); ``author_needs_cosign``: whether
    the top revision's author needs co-signature today (the last resort for such a revision)."""
    by_number = sorted(revisions, key=lambda r: r.number)
    top = by_number[-1]
    if top.signed_at is None:
        returned: dict[int, list[Review]] = {}
        for review in returns:
            returned.setdefault(review.revision_id, []).append(review)
        comment = ""
        for rev in reversed(by_number):
            if rev.signed_at is not None and rev.id in returned:
                # Two supervisors returning one revision on two laptops apart: the later
                # return's comment (then the greater text, so that every laptop agrees).
                comment = max(returned[rev.id], key=lambda r: (r.at, r.comment)).comment
                break
        return Header("draft", None, None, comment)
    if top.cosigned_at is not None:
        return Header("final", top.signed_at, top.cosigned_at, "")
    if top.cosign_required is not None:
        needs = top.cosign_required
    elif now.signed_at == top.signed_at and now.state in ("awaiting_cosign", "final"):
        needs = now.state == "awaiting_cosign"
    else:
        needs = author_needs_cosign
    if needs:
        return Header("awaiting_cosign", top.signed_at, None, "")
    return Header("final", top.signed_at, top.signed_at, "")


AT_ONCE = 500  # notes per statement


def derived(s: Session, note_ids: Iterable[int]) -> dict[int, tuple[Header, Header]]:
    """For each of these notes that exists: (its fields as they are, as ``derive`` has them).
    A few statements per 500 notes."""
    out: dict[int, tuple[Header, Header]] = {}
    wanted = sorted(set(note_ids))
    for start in range(0, len(wanted), AT_ONCE):
        out.update(_derived(s, wanted[start:start + AT_ONCE]))
    return out


def _derived(s: Session, ids: list[int]) -> dict[int, tuple[Header, Header]]:
    n, r, sig, rv = ProgressNote, NoteRevision, Signature, NoteReview
    revisions: dict[int, list[Any]] = {}
    for row in s.execute(select(r.id, r.note_id, r.number, r.signed_at)
                         .where(r.note_id.in_(ids))):
        revisions.setdefault(row.note_id, []).append(row)
    if not revisions:
        return {}  # notes without a revision yet (a pull brings the notes before them)
    notes = {row.id: Header(row.state, row.signed_at, row.final_at, row.returned_comment)
             for row in s.execute(select(n.id, n.state, n.signed_at, n.final_at,
                                         n.returned_comment).where(n.id.in_(list(revisions))))}
    cosigned: dict[int, datetime] = {}
    for rev_id, at in s.execute(select(sig.revision_id, func.min(sig.signed_at))
                                .join(r, r.id == sig.revision_id)
                                .where(r.note_id.in_(list(notes)), sig.meaning == CO_SIGNER)
                                .group_by(sig.revision_id)):
        cosigned[rev_id] = at
    returns: dict[int, list[Review]] = {}
    for row in s.execute(select(rv.note_id, rv.revision_id, rv.at, rv.comment)
                         .where(rv.note_id.in_(list(notes)), rv.decision == RETURNED)):
        returns.setdefault(row.note_id, []).append(Review(row.revision_id, row.at, row.comment))
    tops = {nid: max(found, key=lambda x: x.number) for nid, found in revisions.items()}
    # What a signed, uncosigned top revision states of co-signature (the one key of its facts,
    # read by the database), and whether its author needs it today (the last resort).
    waiting = [top.id for top in tops.values()
               if top.signed_at is not None and top.id not in cosigned]
    required: dict[int, bool | None] = {}
    signer_needs: dict[int, bool] = {}
    if waiting:
        for rev_id, said, needs in s.execute(
                select(r.id, r.facts[COSIGN_REQUIRED].as_boolean(), User.requires_cosign)
                .where(r.id.in_(waiting))
                .outerjoin(sig, (sig.revision_id == r.id) & (sig.meaning == AUTHOR))
                .outerjoin(User, User.id == sig.signer_id)):
            required[rev_id] = said
            signer_needs[rev_id] = bool(needs)
    out: dict[int, tuple[Header, Header]] = {}
    for nid, found in revisions.items():
        now = notes[nid]
        made = [Revision(x.id, x.number, x.signed_at, cosigned.get(x.id), required.get(x.id))
                for x in found]
        out[nid] = now, derive(made, returns.get(nid, []), now,
                               signer_needs.get(tops[nid].id, False))
    return out
