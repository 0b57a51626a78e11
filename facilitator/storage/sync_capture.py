"""Change capture for clinic sync: which tables travel, and the triggers that note each change.

Once sync is set up on a laptop (``sync_state`` has its row), every INSERT, UPDATE and DELETE
on a synced table notes ``(table, row key)`` in ``sync_dirty`` from a trigger, inside the same
transaction as the change itself. That log is the outbox's input: whatever writes the row (an
ORM flush, a Core ``update()``, the console's undo, a bulk demo insert) is captured alike, and a
crash can lose the change only together with the change. The log holds one row per changed
record (``INSERT OR REPLACE``: the newest touch wins its place in the order), so it never
grows past the number of records changed since the last sync; a clinic without a hub pays one
look-up in an empty table per write. ``services.sync.collect`` turns the noted rows into
per-field changes by comparing each with what sync last knew of it.

Local-only tables (never synced as rows): the audit log (each device's audit chain is its own;
its events travel whole inside the device's entries and are kept apart on the others,
``services.sync.audit_travel``), the console's undo log (it holds local row ids), Alembic's
version and sync's own bookkeeping.

A row with a surrogate key (``id``) that sync knows is also noted in ``sync_gone`` when it is
deleted here (its global id, and where the deletion stands in the order): SQLite gives a new
row the key of a deleted one that had the greatest, so "(table, key)" alone would make a
record deleted and another one inserted before the next round look like one record edited
(an undone walk-in, then another walk-in; a plan saved again). ``collect`` sends the deletion
of the global id noted there, and the row under the key, if any, as a new record. The
console's undo, which puts a deleted row back as it was, takes the note back where that row is
the record deleted (``came_back``): the same record again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from .guards import ExactGuard, pg_forms

# table -> its primary key columns, in the order the row key joins them ("12" or "12,34").
SYNCED: dict[str, tuple[str, ...]] = {
    "clinic": ("id",), "users": ("id",), "programs": ("id",), "groups": ("id",),
    "group_facilitators": ("group_id", "user_id"), "participants": ("id",),
    "treatment_goals": ("id",), "drug_tests": ("id",), "enrollments": ("id",),
    "group_sessions": ("id",), "session_facilitators": ("session_id", "user_id"),
    "segments": ("id",), "attendance": ("id",), "out_of_room": ("id",),
    "form_responses": ("id",), "safety_flags": ("id",), "jots": ("id",),
    "curriculum_modules": ("id",), "curriculum_topics": ("id",), "topic_versions": ("id",),
    "rotation_plans": ("id",), "rotation_entries": ("id",), "topic_deliveries": ("id",),
    "progress_notes": ("id",), "note_revisions": ("id",), "note_goal_links": ("id",),
    "session_group_sections": ("session_id",), "note_addenda": ("id",), "signatures": ("id",),
    "note_reviews": ("id",), "quick_phrases": ("id",), "disclosures": ("id",),
    "travel_slots": ("id",),
}
# Synced tables created by a migration after 0008 (which installed the first capture triggers):
# table -> that migration, which installs their triggers itself.
ADDED_LATER: dict[str, str] = {"travel_slots": "0010_travel_slots"}
# Per-laptop settings and bookkeeping columns that never travel; changing only these notes
# nothing (the UPDATE triggers list the other columns).
LOCAL_COLUMNS: dict[str, frozenset[str]] = {
    "users": frozenset({"last_login_at"}),
    "clinic": frozenset({"backup_folder", "backup_keep", "auto_backup", "last_auto_backup_at"}),
    "note_revisions": frozenset({"edit_seq", "audited_at"}),
}
LOCAL_ONLY = frozenset({"audit_events", "console_actions", "sync_identity", "sync_keys",
                        "sync_dirty", "sync_rows", "sync_peers", "sync_seen", "sync_outbox",
                        "sync_state", "sync_key_boxes", "peer_audit_events", "sync_devices",
                        "sync_clashes", "sync_marks", "sync_gone"})


def row_key_sql(table: str, row: str) -> str:
    return " || ',' || ".join(f"CAST({row}.{c} AS TEXT)" for c in SYNCED[table])


def _synced_columns(table: str) -> list[str]:
    from ..models import Base

    local = LOCAL_COLUMNS.get(table, frozenset())
    return [c.name for c in Base.metadata.tables[table].columns if c.name not in local]


# When a change is noted: sync is set up, and the change is not one a pull is applying
# (``sync_state.applying``, set for the length of a pull's write slice and cleared before its
# commit): what a slice writes is the hub's already, and noting ~700,000 rows of a new laptop's
# first pull only to delete the notes at the slice's end was a sixteenth of that pull. A pulled
# change to a record noted already (an edit made here and not sealed yet) is still noted: the
# note moves, which is how a slice finds it wrote such a record (``services.sync.unsealed``).
def captured(table: str, row: str) -> str:
    return ("EXISTS (SELECT 1 FROM sync_state WHERE NOT applying) OR EXISTS (SELECT 1 FROM"
            f" sync_dirty WHERE tbl = '{table}' AND row_key = {row_key_sql(table, row)})")


def captured_0008(table: str, row: str) -> str:
    """The condition before migration 0012 (the triggers 0008 and 0010 installed)."""
    return "EXISTS (SELECT 1 FROM sync_state)"


def _gone_sql(table: str, or_ignore: str, pg_tail: str) -> str:
    """The DELETE trigger's second statement: the deleted row's global id into ``sync_gone``
    (the first deletion of the key since the last collection keeps its place), unless a pull
    is applying the deletion."""
    key = row_key_sql(table, "OLD")
    return (f" INSERT{or_ignore} INTO sync_gone (tbl, row_key, gid, at)"
            f" SELECT '{table}', {key}, r.gid, (SELECT d.id FROM sync_dirty d"
            f" WHERE d.tbl = '{table}' AND d.row_key = {key}) FROM sync_rows r"
            f" WHERE r.tbl = '{table}' AND r.row_key = {key}"
            f" AND EXISTS (SELECT 1 FROM sync_state WHERE NOT applying){pg_tail};")


def notes_gone(table: str) -> bool:
    """Whether a deleted row of ``table`` is noted in ``sync_gone``: its key is a surrogate
    (a link table's key is what the row is, so the same key is the same record)."""
    return SYNCED[table] == ("id",)


def _trigger(table: str, verb: str, when: Callable[[str, str], str] = captured,
             gone: bool = True) -> ExactGuard:
    row = "OLD" if verb == "DELETE" else "NEW"
    condition = when(table, row)
    name = f"sync_capture_{table}_{verb.lower()}"
    event = f"UPDATE OF {', '.join(_synced_columns(table))}" if verb == "UPDATE" else verb
    also = gone and verb == "DELETE" and notes_gone(table)
    return ExactGuard(name, table, (
        f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW"
        f" WHEN {condition} BEGIN"
        f" INSERT OR REPLACE INTO sync_dirty (tbl, row_key)"
        f" VALUES ('{table}', {row_key_sql(table, row)});"
        f"{_gone_sql(table, ' OR IGNORE', '') if also else ''} END"),
        pg_forms(name, "AFTER", event, table, condition,
                 f"INSERT INTO sync_dirty (tbl, row_key) VALUES ('{table}',"
                 f" {row_key_sql(table, row)}){_PG_REPLACE}"
                 f"{_gone_sql(table, '', ' ON CONFLICT DO NOTHING') if also else ''}"))


# PostgreSQL's "INSERT OR REPLACE": a record noted again moves to the end of the order (a new
# id), in one statement, so two transactions noting the same record cannot collide.
_PG_REPLACE = (" ON CONFLICT (tbl, row_key) DO UPDATE"
               " SET id = nextval(pg_get_serial_sequence('sync_dirty', 'id'));")


def baseline_sql(dialect: str = "sqlite") -> list[str]:
    """Note every existing row (the first sync of a clinic's first laptop sends them all).
    Each note revision is noted right before its goal links, so the entries of a first sync
    never part a signed revision from the goal links it was signed with."""
    if dialect == "postgresql":
        into, tail = "INSERT INTO sync_dirty (tbl, row_key)", _PG_REPLACE.rstrip(";")
    else:
        into, tail = "INSERT OR REPLACE INTO sync_dirty (tbl, row_key)", ""
    out = []
    for table in SYNCED:
        if table == "note_goal_links":
            continue
        if table == "note_revisions":
            out.append(f"{into} SELECT tbl, k FROM ("
                       "SELECT 'note_revisions' AS tbl, CAST(id AS TEXT) AS k, id AS r, 0 AS o"
                       " FROM note_revisions UNION ALL SELECT 'note_goal_links',"
                       " CAST(id AS TEXT), revision_id, 1 FROM note_goal_links) AS noted"
                       f" ORDER BY r, o{tail}")
            continue
        out.append(f"{into} SELECT '{table}', {row_key_sql(table, table)} FROM {table}{tail}")
    return out


CAPTURE_TRIGGERS: tuple[ExactGuard, ...] = tuple(
    _trigger(table, verb) for table in SYNCED for verb in ("INSERT", "UPDATE", "DELETE"))
# As migration 0012 made them (and 0013's downgrade puts them back): deletions not in sync_gone.
CAPTURE_TRIGGERS_0012: tuple[ExactGuard, ...] = tuple(
    _trigger(table, verb, gone=False) for table in SYNCED
    for verb in ("INSERT", "UPDATE", "DELETE"))
# As migrations 0008 and 0010 installed them (and 0012's downgrade puts them back).
CAPTURE_TRIGGERS_0008: tuple[ExactGuard, ...] = tuple(
    _trigger(table, verb, captured_0008, gone=False) for table in SYNCED
    for verb in ("INSERT", "UPDATE", "DELETE"))


@contextmanager
def uncaptured(conn: Connection) -> Iterator[None]:
    """Changes made inside are not noted, but for records noted already (``captured``): a
    pull applying what it pulled, in its own write transaction. The flag is set and cleared
    within it, so a crash leaves it cleared; not cleared when the block raises: the caller's
    transaction then rolls back."""
    conn.exec_driver_sql("UPDATE sync_state SET applying = TRUE")
    yield
    conn.exec_driver_sql("UPDATE sync_state SET applying = FALSE")


_CAME_BACK = text("DELETE FROM sync_gone WHERE tbl = :tbl AND row_key = :key AND at ="
                  " (SELECT id FROM sync_dirty WHERE tbl = :tbl AND row_key = :key)")


def came_back(conn: Connection, table: str, row: dict[str, object]) -> None:
    """Call before putting ``row`` back under its key as it was before it was deleted here (the
    console's undo of a deletion): where nothing touched the key since the deletion sync
    noted, it is the same record again, and its deletion is no longer noted. Where the key
    was touched meanwhile (the record deleted, another one made under its key and that one
    deleted: the undo puts back the second), the note stays and the row goes out as a new
    record."""
    if table in SYNCED and notes_gone(table):
        conn.execute(_CAME_BACK, {"tbl": table, "key": str(row["id"])})
