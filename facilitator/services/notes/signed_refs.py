"""How a signed document names the rows it binds, so it verifies on every laptop of a clinic.

A signature binds a note revision to its note, session and participant, and an addendum to its
note and author (``canonical.py``). Form 1 named them by this laptop's integer ids. Each laptop
numbers its rows itself (a laptop that joins gets ids in pull order, a note written on B first
takes the id A's note has), so a note signed on A failed verification on B. The choices were:

* keep form 1 and verify with the ids the signing laptop used: those ids mean nothing on
  another laptop unless the signing laptop's id -> global id translation travels with each
  signature and is trusted as such, outside what the signature covers; a signature then binds
  "A's participant 3", and what that is on B is only what A's bookkeeping says;
* name the rows by something people see (chart number, login): sync clashes rename those
  (``services.sync.clashes``), and a legitimate rename would break every signature;
* name them by their global ids (UUIDv7, ``sync_rows``): the same on every laptop and never
  changed. This is form 2. The signature covers the global ids themselves, so binding is
  as strong as before (moving a signed note to another participant changes the participant's
  global id in the rebuilt document, on any laptop).

A row gets its global id when sync first collects it, which may be long after signing (a
laptop that never synced, a note written since the last round). ``mint`` gives the rows a
signature binds their global id at signing, in the signing transaction; sync then sends such a
row with that id when it first travels (``services.sync.collect``: a sync record with no field
state yet is a row never sent). A laptop that never syncs keeps these ids to itself.

Rows that two laptops made for one thing (a note for one participant and session written on
both) are merged by sync: the smaller global id stands and the other becomes its alias
(``SyncClash``). A signature made on the laptop whose note lost names the alias, so ``Names``
offers every global id that stands for a local note. Of the rows a signature names only notes
are ever merged (participants, logins and sessions clash by renaming, never merging), so no
alias is looked for elsewhere: an alias recorded for a participant is no way to move a note.

The binding leans on ``sync_rows`` (which global id is which local row) as form 1 leaned on
the local ids themselves: someone with a SQL shell who swaps two participants' global ids there
could move a signed note unseen by this check, as they could by swapping the participants'
local ids under form 1.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models.sync import SyncRow
from ...models.sync_security import SyncClash
from ..sync.collect import new_id
from ..sync.signed_ids import KIND, carried, signed_number
from ..workspace import Workspace

NOTES, SESSIONS, PARTICIPANTS, USERS = ("progress_notes", "group_sessions", "participants",
                                        "users")


def mint(s: Session, ws: Workspace, name: str, key: int) -> str:
    """The global id of row ``key`` of table ``name``, made now if it has none yet."""
    gid = s.scalar(select(SyncRow.gid).where(SyncRow.tbl == name,
                                             SyncRow.row_key == str(key)))
    if gid is None:
        gid = new_id(ws)
        s.add(SyncRow(gid=gid, tbl=name, row_key=str(key), fields={}, conflicted=False))
        s.flush()
    return gid


class Names:
    """For verification: the global ids that stand for local rows. ``whole``: each table's ids
    are read once (verifying every signature); otherwise one row at a time (co-signing)."""

    def __init__(self, s: Session, *, whole: bool = True) -> None:
        self.s, self.whole = s, whole
        self._tables: dict[str, dict[int, str]] = {}
        self._aliases: dict[str, dict[str, list[str]]] = {}

    def of(self, name: str, key: int) -> list[str]:
        """Its own global id first, then the ids merged into it; [] without one."""
        if name not in self._tables:
            self._tables[name] = self._own(name, None) if self.whole else {}
        table = self._tables[name]
        if key not in table and not self.whole:
            table.update(self._own(name, key))
        own = table.get(key)
        if own is None:
            return []
        found, waiting = [own], [own] if name == NOTES else []
        while waiting:  # aliases of aliases (three laptops)
            for alias in self._merged_into(name, waiting.pop()):
                if alias not in found:
                    found.append(alias)
                    waiting.append(alias)
        return found

    def carried(self, name: str, key: int, refs: tuple[str, ...]
                ) -> list[tuple[int, str]] | None:
        """The (signing laptop's id, global id) of each of ``refs`` that sync carried with a
        form-1 signed row (``services.sync.signed_ids``); None without (or with a bad) one."""
        ids = carried(self.s, name, key)
        found = [ids.get(ref) for ref in refs] if ids is not None else []
        if len(found) != len(refs) or not all(
                isinstance(p, list) and len(p) == 2 and isinstance(p[0], int)
                and not isinstance(p[0], bool) and isinstance(p[1], str) for p in found):
            return None
        return [(p[0], p[1]) for p in found]

    def signed_number(self, revision: int) -> int | None:
        """The number a note revision was signed with, where sync placed it at another."""
        return signed_number(self.s, revision)

    def signed_kind(self, revision: int) -> str | None:
        """The kind the note of a revision signed on another laptop had there, as that laptop
        carried it with the signature (``services.sync.signed_ids``); None where none came."""
        kind = (carried(self.s, "note_revisions", revision) or {}).get(KIND)
        return kind if isinstance(kind, str) else None

    def _own(self, name: str, key: int | None) -> dict[int, str]:
        query = select(SyncRow.gid, SyncRow.row_key).where(SyncRow.tbl == name,
                                                           SyncRow.row_key.is_not(None))
        if key is not None:
            query = query.where(SyncRow.row_key == str(key))
        return {int(row_key): gid for gid, row_key in self.s.execute(query)}

    def _merged_into(self, name: str, gid: str) -> list[str]:
        if name not in self._aliases:
            merged: dict[str, list[str]] = {}
            for alias, other in self.s.execute(select(SyncClash.gid, SyncClash.other_gid).where(
                    SyncClash.tbl == name, SyncClash.renamed.is_(False))):
                merged.setdefault(other, []).append(alias)
            self._aliases[name] = merged
        return self._aliases[name].get(gid, [])


def signed_apart(s: Session, revision_id: int, sha256: str) -> bool:
    """Whether a signature whose hash is not its revision's covers a signing of the same
    revision made on another laptop apart, which clinic sync keeps beside the one the revision
    shows (``services.sync.numbering.take_update``)."""
    record = s.scalar(select(SyncRow).where(SyncRow.tbl == "note_revisions",
                                            SyncRow.row_key == str(revision_id)))
    return record is not None and any(
        h[1] == sha256 for h in (record.fields or {}).get("content_sha256", []))
