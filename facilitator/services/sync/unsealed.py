"""The console's edits a pull's slice must not overwrite before they are sealed (``pull``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from . import clashes, referred


@dataclass(frozen=True)
class Unsealed:
    """This laptop's edits noted before a slice (``sync_dirty``) and not sealed by it.

    A pulled change may not reach such a record before it is sealed: sealing records the
    version the edit was based on, which turns two edits of one field into a conflict instead
    of the pulled one overwriting the edit here. A change reaches it when it updates or deletes
    it (or a row merged into it); inserts into a table with a unique key that has edits here,
    or sets a column of such a key (``clashes`` may merge with, rename or renumber a row
    here); inserts into a table where a row sync knows was deleted here (``sync_gone``: the
    pulled row may take its key, which the deleted record's sync record still names until the
    deletion is sealed); or refers to a record deleted here (a deletion sealed first leaves a
    tombstone, from which ``referred`` takes the record back). A deletion reaches the edits
    of the tables that refer to its table (``referred.keep``). A plain insert reaches
    nothing."""

    mark: int  # the newest note's id: a slice's write to a noted record notes it after it
    count: int
    gids: frozenset[str]
    tables: frozenset[str]
    freed: frozenset[str]  # tables with a row deleted here, whose key a pulled row may take
    gone: frozenset[str]  # the global ids of those rows

    @classmethod
    def read(cls, s: Session) -> Unsealed | None:
        # The driver's statements: every slice of a round asks (ORM queries took 2.5 ms).
        conn = s.connection()
        noted = conn.exec_driver_sql("SELECT id, tbl FROM sync_dirty").all()
        if not noted:
            return None
        # CROSS JOIN: SQLite keeps this order, the few notes outside, each looked up in the
        # unique (tbl, row_key) index of the ~700,000 sync records (not the other way around).
        gids = {gid for (gid,) in conn.exec_driver_sql(
            "SELECT r.gid FROM sync_dirty d CROSS JOIN sync_rows r"
            " ON r.tbl = d.tbl AND r.row_key = d.row_key")}
        merged = set(gids)
        for _ in range(8):  # rows merged into these (``rows.standing``), aliases of aliases
            if not merged:
                break
            merged = {gid for (gid,) in conn.exec_driver_sql(
                "SELECT gid FROM sync_clashes WHERE NOT renamed AND other_gid IN"
                f" ({', '.join('?' * len(merged))})", tuple(merged))} - gids
            gids |= merged
        gone = conn.exec_driver_sql("SELECT tbl, gid FROM sync_gone").all()
        return cls(max(n[0] for n in noted), len(noted), frozenset(gids),
                   frozenset(n[1] for n in noted), frozenset(g[0] for g in gone),
                   frozenset(g[1] for g in gone))

    def touched_by(self, changes: list[dict[str, Any]]) -> bool:
        return any(self._reaches(c) for c in changes)

    def _reaches(self, change: dict[str, Any]) -> bool:
        if change["op"] != "insert" and change["gid"] in self.gids:
            return True
        if change["op"] == "delete":
            # A row noted here may refer to the deleted record: sealed first, it travels, so
            # every laptop keeps the record as this one does (``referred``). Unsealed, it could
            # be taken back before it was ever sent, and no other laptop would take the record
            # back. (The console's records that refer to another change it too: a step-out
            # marks the attendance, which the deletion then reaches above.)
            return not self.tables.isdisjoint(referred.referring_tables(change["table"]))
        # An insert, or an update of another record setting a unique key's column, in a table
        # with a unique key and edits here (an update may give a name a new record here
        # holds: ``clashes.update_row``).
        table = change["table"]
        return ((table in self.tables and table in clashes.UNIQUES and (
                    change["op"] == "insert"
                    or not clashes.UNIQUE_COLUMNS[table].isdisjoint(change["fields"])))
                or (change["op"] == "insert" and table in self.freed)
                or self._names_one(change))

    def _names_one(self, change: dict[str, Any]) -> bool:
        """Whether a pulled change refers to a record deleted here and not sealed: its global
        id still names its old key, which may hold another row by now."""
        return bool(self.gone) and any(isinstance(v, str) and v in self.gone
                                       for v in change["fields"].values())

    def intact(self, s: Session) -> bool:
        """Whether every note is still there: a write to a noted record notes it anew."""
        return s.connection().exec_driver_sql(
            "SELECT count(*) FROM sync_dirty WHERE id <= ?", (self.mark,)).scalar() == self.count
