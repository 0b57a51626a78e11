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
offers every global id that stands for a local row.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models.sync import SyncRow
from ...models.sync_security import SyncClash
from ..sync.collect import new_id
from ..sync.rows import standing
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
    """For verification: the global ids that stand for local rows, read once per table."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self._tables: dict[str, dict[int, list[str]]] = {}

    def of(self, name: str, key: int) -> list[str]:
        """Its own global id first, then the aliases merged into it; [] without one."""
        if name not in self._tables:
            self._tables[name] = self._load(name)
        return self._tables[name].get(key, [])

    def _load(self, name: str) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        by_gid: dict[str, int] = {}
        for gid, key in self.s.execute(select(SyncRow.gid, SyncRow.row_key).where(
                SyncRow.tbl == name, SyncRow.row_key.is_not(None))):
            found[int(key)] = [gid]
            by_gid[gid] = int(key)
        for alias in self.s.scalars(select(SyncClash.gid).where(
                SyncClash.tbl == name, SyncClash.renamed.is_(False))):
            key = by_gid.get(standing(self.s, alias))
            if key is not None and alias not in found[key]:
                found[key].append(alias)
        return found
