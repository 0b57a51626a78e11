"""Which documents a stored signature may have signed, and the document a new one signs.

Signatures are made under the newest canonical form (``canonical.FORM_VERSION``: rows named by
global id, ``signed_refs``) and keep verifying under the form they were made with, on every
laptop: form 2 with each global id standing for the rows here; form 1 with this laptop's ids
(signed here before form 2) or with the ids the signing laptop used, carried by sync
(``services.sync.signed_ids``) and accepted only where their global ids name the rows here.
A stored hash is valid when it is one of these; nothing else is ever guessed.
"""

from __future__ import annotations

from itertools import product
from typing import Any

from sqlalchemy.orm import Session

from ...models.notes import Addendum, NoteRevision, ProgressNote
from ..workspace import Workspace
from .canonical import (
    FORM_VERSION,
    LOCAL_IDS_FORM,
    Ref,
    addendum_document,
    content_hash,
    note_document,
)
from .signed_refs import NOTES, PARTICIPANTS, SESSIONS, USERS, Names, mint


def _revision_document(note: ProgressNote, rev: NoteRevision, refs: tuple[Ref, Ref, Ref],
                       version: int, number: int | None = None, kind: str | None = None
                       ) -> dict[str, Any]:
    note_ref, session_ref, participant_ref = refs
    return note_document(note_id=note_ref, revision=rev.number if number is None else number,
                         kind=note.kind if kind is None else kind,
                         format_name=rev.format, session_id=session_ref,
                         participant_id=participant_ref, facts=rev.facts or {},
                         content=rev.content, late_entry=rev.late_entry, version=version)


def revision_document(s: Session, ws: Workspace, note: ProgressNote, rev: NoteRevision
                      ) -> dict[str, Any]:
    """What a signature made now covers: the current form, rows named by global id."""
    refs = (mint(s, ws, NOTES, note.id), mint(s, ws, SESSIONS, note.session_id),
            mint(s, ws, PARTICIPANTS, note.participant_id))
    return _revision_document(note, rev, refs, FORM_VERSION)


def revision_hashes(names: Names, note: ProgressNote, rev: NoteRevision,
                    number: int | None = None, kind: str | None = None) -> set[str]:
    """Every hash a valid signature of this revision may carry: form 2 for each global id
    standing for its note, session and participant here (one each, but for merged notes), and
    form 1 with this laptop's ids (signatures made before form 2, on this laptop). ``number``,
    ``kind``: the revision's number and its note's kind to use instead of their own."""
    found = {content_hash(_revision_document(note, rev, refs, FORM_VERSION, number, kind))
             for refs in product(names.of(NOTES, note.id), names.of(SESSIONS, note.session_id),
                                 names.of(PARTICIPANTS, note.participant_id))}
    found.add(content_hash(_revision_document(
        note, rev, (note.id, note.session_id, note.participant_id), LOCAL_IDS_FORM, number,
        kind)))
    return found


def carried_revision_hash(names: Names, note: ProgressNote, rev: NoteRevision,
                          number: int | None = None, kind: str | None = None) -> str | None:
    """A form-1 signature made on another laptop: its document rebuilt with the ids that
    laptop used (carried by sync, ``services.sync.signed_ids``), if their global ids name this
    note, its session and participant here; None otherwise."""
    ids = names.carried("note_revisions", rev.id, ("note", "session", "participant"))
    if ids is None or not _stand_for(names, ids, ((NOTES, note.id), (SESSIONS, note.session_id),
                                                  (PARTICIPANTS, note.participant_id))):
        return None
    refs = (ids[0][0], ids[1][0], ids[2][0])
    return content_hash(_revision_document(note, rev, refs, LOCAL_IDS_FORM, number, kind))


def revision_signature_holds(names: Names, note: ProgressNote, rev: NoteRevision, sha: str,
                             expected: set[str] | None = None) -> bool:
    """Whether ``sha`` is a hash a valid signature of this revision may carry:
    ``revision_hashes`` (``expected``, when already worked out), the carried form 1, or either
    of them with what the revision was signed with where sync keeps another here: its number
    (two revisions of one note signed on two laptops apart, ``services.sync.numbering``) and
    its note's kind (a note written on two laptops apart, as a session note on one and as an
    absence note on the other, merged into one record that shows one kind until an admin
    settles it: the signing laptop carries the kind with the signature, ``signed_ids``)."""
    if sha in (revision_hashes(names, note, rev) if expected is None else expected) or (
            sha == carried_revision_hash(names, note, rev)):
        return True
    numbers = {rev.number, names.signed_number(rev.id) or rev.number}
    kinds = {note.kind, names.signed_kind(rev.id) or note.kind}
    return any(sha in revision_hashes(names, note, rev, number, kind)
               or sha == carried_revision_hash(names, note, rev, number, kind)
               for number in sorted(numbers) for kind in sorted(kinds)
               if (number, kind) != (rev.number, note.kind))


def _stand_for(names: Names, ids: list[tuple[int, str]],
               rows: tuple[tuple[str, int], ...]) -> bool:
    return all(gid in names.of(table, key) for (_, gid), (table, key) in zip(ids, rows,
                                                                            strict=True))


def _addendum_document(add: Addendum, note_ref: Ref, author_ref: Ref, version: int
                       ) -> dict[str, Any]:
    return addendum_document(note_id=note_ref, author_id=author_ref, written_at=add.written_at,
                             reason=add.reason, text=add.text, version=version)


def carried_addendum_hash(names: Names, add: Addendum) -> str | None:
    """As ``carried_revision_hash``, for an addendum (its note and author)."""
    ids = names.carried("note_addenda", add.id, ("note", "author"))
    if ids is None or not _stand_for(names, ids, ((NOTES, add.note_id), (USERS, add.author_id))):
        return None
    return content_hash(_addendum_document(add, ids[0][0], ids[1][0], LOCAL_IDS_FORM))


def addendum_hashes(names: Names, add: Addendum) -> set[str]:
    """As ``revision_hashes``, for an addendum (its note and author)."""
    found = {content_hash(_addendum_document(add, note_ref, author_ref, FORM_VERSION))
             for note_ref, author_ref in product(names.of(NOTES, add.note_id),
                                                 names.of(USERS, add.author_id))}
    found.add(content_hash(_addendum_document(add, add.note_id, add.author_id,
                                              LOCAL_IDS_FORM)))
    return found


def addendum_document_now(s: Session, ws: Workspace, add: Addendum) -> dict[str, Any]:
    """What an addendum's signature made now covers: the current form, rows by global id."""
    return _addendum_document(add, mint(s, ws, NOTES, add.note_id),
                              mint(s, ws, USERS, add.author_id), FORM_VERSION)
