"""Low-level integrity checks of an open encrypted database (page HMACs, B-trees, foreign keys).

A page whose HMAC fails surfaces from SQLCipher as ``MemoryError`` (SQLITE_NOMEM) or "SQL logic
error" on whatever statement touches it, so the checks run on a raw keyed connection, page
authentication first, and stop there when pages are damaged.
"""

from __future__ import annotations

import sqlcipher3.dbapi2 as sqlcipher

from .engine import Database, open_raw


def check(db: Database) -> list[str]:
    """Problems found, as short lines without PHI; an empty list means the file is sound."""
    try:
        conn = open_raw(db.path, db.raw_key())
    except (sqlcipher.Error, MemoryError) as error:
        return [f"the database cannot be opened ({type(error).__name__})"]
    try:
        problems = [f"encryption check: {line}"
                    for (line,) in conn.execute("PRAGMA cipher_integrity_check")]
        if problems:
            return problems
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            problems.extend(f"structure check: {r}" for r in rows[:20])
        for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
            problems.append(f"broken reference: {table} row {rowid} -> {parent}")
        return problems
    except (sqlcipher.Error, MemoryError):
        return ["the database file is damaged and cannot be read"]
    finally:
        conn.close()
