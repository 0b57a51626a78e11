"""Global ids -> local keys, for the changes one write transaction applies (``apply``).

A pulled entry names rows by global id (UUIDv7); applying needs this laptop's own keys. The
ids an entry's changes name (their rows and the rows they refer to) are read together, a few
hundred per statement, and inserted rows' sync records are written together: a new laptop's
first pull translates some 700,000 of them for a five-year clinic.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from ...models.sync import SyncRow
from ...storage.bulk import BulkInsert
from . import referred, rows
from .rows import MissingRecord


def new_index(s: Session, ahead: int | None = None) -> GidIndex:
    """A look-up of global ids for the entries one write transaction applies: nothing but that
    transaction writes while it holds the lock, so what it read stays true until it ends (a
    pulled entry names the same sessions, people and users as the ones before it). ``ahead``:
    changes whose global ids are read together (``GidIndex.AHEAD`` by default)."""
    return GidIndex(s, GidIndex.AHEAD if ahead is None else ahead)


SYNC_ROW_COLUMNS = ("gid", "tbl", "row_key", "conflicted", "fields")
_READ_SQL = "SELECT gid, tbl, row_key FROM sync_rows WHERE gid IN ({})"


class GidIndex:
    """Global id -> (table, local key or None for a deleted row) for one entry's changes."""

    AHEAD = 100  # changes whose global ids are read together
    READ_AT_ONCE = 500  # global ids per look-up statement (SQLite allows 32,766 parameters)

    def __init__(self, s: Session, ahead: int = AHEAD) -> None:
        self.s, self.ahead = s, ahead
        self.known: dict[str, tuple[str, str | None]] = {}
        self.new: list[dict[str, Any]] = []  # sync records of rows inserted, not yet written
        # Local keys of rows a note's state follows from (``note_state.take_touched``).
        self.touched: dict[str, set[int]] = {}
        self._writer: BulkInsert | None = None

    def prepare(self, changes: list[dict[str, Any]]) -> None:
        """Read the global ids these changes name (their rows and the rows they refer to)."""
        wanted = {c["gid"] for c in changes}
        for change in changes:
            fields = change.get("fields", {})
            wanted.update(fields[col] for col in rows.refs(change["table"])
                          if fields.get(col) is not None)
        self._read(wanted - self.known.keys())

    def _read(self, gids: Iterable[str]) -> None:
        # The driver's own statement (the laptop's SQLite): a first pull asks after every one
        # of ~700,000 new gids, and building SQLAlchemy's expanding IN was most of the cost.
        ordered = sorted(gids)
        conn = self.s.connection()
        for start in range(0, len(ordered), self.READ_AT_ONCE):
            part = ordered[start:start + self.READ_AT_ONCE]
            found = conn.exec_driver_sql(_READ_SQL.format(", ".join("?" * len(part))),
                                         tuple(part)).all()
            self.known.update((gid, (tbl, key)) for gid, tbl, key in found)

    def local(self, name: str, gid: str) -> int:
        if gid not in self.known:
            self._read([gid])  # not named where the entry was read (never for our writers)
        found = self.known.get(gid)
        if found is not None and found[1] is None:
            self.write()
            try:
                return rows.local_of(self.s, name, gid)  # merged into another row (``clashes``)
            except MissingRecord:
                # Deleted here, and a pulled change refers to it: taken back (``referred``).
                key = referred.revive(self.s, name, gid, self.local)
                if key is None:
                    raise
                self.known[gid] = (name, str(key))
                return key
        if found is None or found[0] != name:
            raise MissingRecord(name, gid)
        return int(found[1])

    def forget(self, gids: list[str | None]) -> None:
        """Read these again when next named (a merge changed their sync records)."""
        for gid in gids:
            self.known.pop(gid or "", None)
        self._read([g for g in gids if g])

    def write(self) -> None:
        """Store the sync records of the rows inserted so far (before ORM reads of them)."""
        if self.new:  # not through the ORM: a first pull writes ~700,000 of these
            conn = self.s.connection()
            if self._writer is None:
                self._writer = BulkInsert(conn, SyncRow.__table__, SYNC_ROW_COLUMNS)
            self._writer.rows(conn, self.new)
            self.new = []
