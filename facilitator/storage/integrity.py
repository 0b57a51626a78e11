"""Low-level integrity checks of an open encrypted database (page HMACs, B-trees, foreign keys,
the protective triggers). Nothing here writes to the database: a check must not change what it
checks, so callers run these *before* anything is written (sign-in for ``verify`` included).

A page whose HMAC fails surfaces from SQLCipher as ``MemoryError`` (SQLITE_NOMEM) or "SQL logic
error" on whatever statement touches it, so the checks run on a raw keyed connection, page
authentication first, and stop there when pages are damaged.
"""

from __future__ import annotations

import sqlcipher3.dbapi2 as sqlcipher

from . import guards
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


def check_guards(db: Database) -> list[str]:
    """Protective triggers that were dropped or altered (read from the schema only)."""
    conn = open_raw(db.path, db.raw_key())
    try:
        schema = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    except (sqlcipher.Error, MemoryError):
        return ["the database schema cannot be read"]
    finally:
        conn.close()
    triggers = {name: sql for kind, name, sql in schema if kind == "trigger"}
    tables = {name for kind, name, _ in schema if kind == "table"}
    return guards.problems(triggers, tables)
