"""In what order a round's changes go out, and where a part of them may end (``collect``).

Changes are cut into entries of about ``CHANGES_PER_ENTRY``, and a laptop applying an entry
must hold every record it names: it settles a reference to a row further on in the same entry
(``apply``), not to one in the next entry. So a new record goes before the records that name
it (``referents_first``), a part of the notes carries the new records it names (``referred``),
a note's records go after the others (``notes_last``), and a revision never travels apart from
its goal links (``cut``, ``batches``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ...storage.sync_capture import SYNCED
from . import rows

CHANGES_PER_ENTRY = 400

# A note's own records: only they name one another (a note, its revisions, goal ratings,
# addenda, signatures and reviews name sessions, people and goals, never the reverse).
NOTE_RECORDS = frozenset({"progress_notes", "note_revisions", "note_goal_links", "note_addenda",
                          "signatures", "note_reviews"})


def notes_last(wanted: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``wanted`` with a note's records after the others (each part in its order; nothing a
    note's record names comes after it). A signed revision new in this seal moves ahead of
    the goal ratings that name it (``referents_first``), and so it went ahead of an edit of
    the session's facts made on this laptop before the signing: every other laptop took the
    signing first, its guard refused the edit, and it waited for a restore the signing laptop
    never sends (its own row had no conflict): they showed Ada present under a note stating
    her absent, for good. Found by the revision property test (seed 92)."""
    return ([k for k in wanted if k[0] not in NOTE_RECORDS]
            + [k for k in wanted if k[0] in NOTE_RECORDS])


# Noted rows a part of the notes may not end beside: a note revision and its goal links travel
# in one entry (``glued``), and they are noted next to each other.
_GLUED_TABLES = frozenset({"note_revisions", "note_goal_links"})


def cut(noted: list[Any], limit: int) -> int:
    """Where the first ``limit`` notes end, moved on past any revision and its goal links."""
    end = max(limit, 1)
    while end < len(noted) and (noted[end - 1][0] in _GLUED_TABLES
                                or noted[end][0] in _GLUED_TABLES):
        end += 1
    return end


def referred(s: Session, gids: rows.GidCache, wanted: list[tuple[str, str]],
              current: dict[tuple[str, str], dict[str, Any]]) -> list[tuple[str, str]]:
    """The new records (no global id yet) that the ``wanted`` ones refer to, and those they
    refer to in turn, when they are not wanted themselves (their current rows added to
    ``current``); those referred to by others come first. A part of the notes (``limit``) is
    taken oldest last-touched first, so a block's session, updated at its end, comes after the
    jots that name it; and a row noted up to ``through`` may name one made after it. Either
    way the part carries the record it names, or the change would name a record with no
    global id, and no other laptop could place it. The look-ups are the ones writing the
    changes needs anyway (``gids`` keeps what it found)."""
    chosen, found = set(wanted), []
    frontier = [k for k in wanted if k in current]
    while frontier:
        named: dict[str, set[str]] = {}
        for name, key in frontier:
            values = current[(name, key)]
            for column, target in rows.refs(name).items():
                ref = values.get(column)
                if (ref is not None and target in SYNCED and rows.key_columns(target) == ("id",)
                        and (target, str(ref)) not in chosen and gids.find(target, ref) is None):
                    named.setdefault(target, set()).add(str(ref))
        frontier = []
        for target, keys in named.items():
            for values in rows.read_rows(s, target, sorted(keys, key=int)):
                key = (target, rows.key_of(target, values))
                current[key] = values
                chosen.add(key)
                frontier.append(key)
        found.extend(frontier)
    return found[::-1]


def referents_first(wanted: list[tuple[str, str]],
                     current: dict[tuple[str, str], dict[str, Any]],
                     new: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """``wanted`` reordered so that a ``new`` record (one that goes as an insert) comes before
    every record that names it; the rest keeps its order."""
    placed: set[tuple[str, str]] = set()
    refs: dict[str, tuple[tuple[str, str], ...]] = {}

    def ahead(key: tuple[str, str]) -> list[tuple[str, str]]:
        """The new records ``key`` names that are not placed yet."""
        values = current.get(key)
        if values is None:  # deleted
            return []
        spec = refs.get(key[0])
        if spec is None:
            spec = refs[key[0]] = tuple(rows.refs(key[0]).items())
        found = []
        for column, target in spec:
            value = values.get(column)
            if value is not None:
                named = (target, str(value))
                if named in new and named not in placed:
                    found.append(named)
        return found

    out: list[tuple[str, str]] = []
    for first in wanted:
        if first in placed:
            continue
        placed.add(first)
        before = ahead(first)
        if not before:  # the usual case: nothing new it names is still to come
            out.append(first)
            continue
        stack = [(first, iter(before))]
        while stack:  # depth first, without recursion: a chain of references may be long
            key, named = stack[-1]
            following = next((k for k in named if k not in placed), None)
            if following is None:
                stack.pop()
                out.append(key)
            else:
                placed.add(following)
                stack.append((following, iter(ahead(following))))
    return out


def glued(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether an entry may not end between these two changes: a note revision and its goal
    links travel together, so no laptop ever holds a signed revision without the goal links it
    was signed with (``services.sync.apply`` lets the links in after their signed revision)."""
    if after["table"] == "note_goal_links":
        revision = after.get("fields", {}).get("revision_id")
        return revision is not None and revision in (
            before["gid"] if before["table"] == "note_revisions" else None,
            before.get("fields", {}).get("revision_id")
            if before["table"] == "note_goal_links" else None)
    return (after["table"] == "note_revisions" and before["table"] == "note_goal_links"
            and before.get("fields", {}).get("revision_id") == after["gid"])


def batches(changes: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """About ``CHANGES_PER_ENTRY`` changes per entry, never parting ``glued`` neighbours."""
    out, start = [], 0
    while start < len(changes):
        end = min(start + CHANGES_PER_ENTRY, len(changes))
        while end < len(changes) and glued(changes[end - 1], changes[end]):
            end += 1
        out.append(changes[start:end])
        start = end
    return out
