"""The database's own guarantees hold on SQLite (SQLCipher) and on PostgreSQL alike: once a
participant's note is signed, its content and the facts it states refuse changes, while the
unsigned record around it still changes (a guard must hand the row back on PostgreSQL, or the
write would be skipped silently); sync's capture triggers note every change once per record;
and ``verify`` names a guard that was dropped or altered."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Integer,
    Time,
    exc,
    insert,
    select,
    text,
)

from facilitator.models import Base
from facilitator.models.sync import SyncDirty
from facilitator.storage.guards import GUARDS
from facilitator.storage.sync_capture import baseline_sql
from tests.engines import Schema, _postgres_at_head, _sqlite_at_head, migrated, schema

__all__ = ["_postgres_at_head", "_sqlite_at_head", "migrated", "schema"]

AT = datetime(2026, 3, 2, 15, tzinfo=UTC)


def _value(column: Any) -> Any:
    kind = column.type
    kind = getattr(kind, "impl_instance", kind)  # UTCDateTime: what it stores
    if column.foreign_keys:
        return 1
    for sql_type, value in ((Boolean, False), (Integer, 1), (DateTime, AT),
                            (Date, date(2026, 3, 2)), (Time, time(9)), (JSON, {})):
        if isinstance(kind, sql_type):
            return value
    return "x"


def add(conn: Connection, name: str, **values: Any) -> None:
    """One row, every required column filled (references: row 1 of the referred table)."""
    table = Base.metadata.tables[name]
    for column in table.columns:
        if column.name not in values and not column.nullable:
            values[column.name] = _value(column)
    conn.execute(insert(table).values(**values))


def _seed(conn: Connection) -> None:
    """Two participants in one session; the first one's note is signed, the second's not."""
    for uid in (1, 2):
        add(conn, "users", id=uid, login=f"user{uid}")
    for name in ("programs", "groups", "group_sessions", "segments", "curriculum_modules",
                 "curriculum_topics", "topic_versions", "topic_deliveries"):
        add(conn, name, id=1)
    add(conn, "session_facilitators", session_id=1, user_id=1)
    for pid in (1, 2):
        add(conn, "participants", id=pid, chart_id=f"C-{pid}")
        add(conn, "attendance", id=pid, participant_id=pid)
        add(conn, "out_of_room", id=pid, attendance_id=pid)
        add(conn, "form_responses", id=pid, participant_id=pid, session_id=1)
        add(conn, "treatment_goals", id=pid, participant_id=pid)
        add(conn, "progress_notes", id=pid, participant_id=pid)
        add(conn, "note_revisions", id=pid, note_id=pid)
        add(conn, "note_goal_links", id=pid, revision_id=pid, goal_id=pid)
    # Signing, as the service does it: the revision gets its time, then the signature.
    conn.execute(text("UPDATE note_revisions SET signed_at = :at WHERE id = 1"), {"at": AT})
    add(conn, "signatures", id=1, revision_id=1)
    for name in ("note_addenda", "note_reviews", "disclosures"):
        add(conn, name, id=1)


@pytest.fixture
def signed(migrated: Schema) -> Schema:
    with migrated.engine.begin() as conn:
        _seed(conn)
    return migrated


LOCKED = [
    "UPDATE note_revisions SET late_entry = 'x' WHERE id = 1",
    "DELETE FROM note_revisions WHERE id = 1",
    "INSERT INTO note_goal_links (revision_id, goal_id, rating, comment) VALUES (1, 1, 'x', '')",
    "UPDATE note_goal_links SET comment = 'x' WHERE revision_id = 1",
    "DELETE FROM note_goal_links WHERE revision_id = 1",
    "UPDATE signatures SET content_sha256 = 'x'",
    "DELETE FROM signatures",
    "UPDATE note_addenda SET text = 'x'",
    "DELETE FROM note_addenda",
    "UPDATE note_reviews SET comment = 'x'",
    "DELETE FROM note_reviews",
    "UPDATE disclosures SET purpose = 'x'",
    "DELETE FROM disclosures",
    "UPDATE attendance SET status = 'absent' WHERE participant_id = 1",
    "DELETE FROM attendance WHERE participant_id = 1",
    "INSERT INTO out_of_room (attendance_id, left_at) VALUES (1, CURRENT_TIMESTAMP)",
    "UPDATE out_of_room SET returned_at = left_at WHERE attendance_id = 1",
    "DELETE FROM out_of_room WHERE attendance_id = 1",
    "INSERT INTO form_responses (session_id, participant_id, form_id, form_version, answers,"
    " summary) VALUES (1, 1, 'f', '1', '{}', '')",
    "UPDATE form_responses SET summary = 'x' WHERE participant_id = 1",
    "DELETE FROM form_responses WHERE participant_id = 1",
    "INSERT INTO segments (session_id, position, kind, title, planned_minutes, skipped,"
    " topic_text) VALUES (1, 2, 'break', 'Break', 15, FALSE, '')",
    "UPDATE segments SET kind = 'break'",
    "DELETE FROM segments",
    "INSERT INTO topic_deliveries (session_id, topic_id, topic_version_id, delivered_at,"
    " created_at) VALUES (1, 1, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "DELETE FROM topic_deliveries",
    "INSERT INTO session_facilitators (session_id, user_id) VALUES (1, 2)",
    "DELETE FROM session_facilitators",
    "UPDATE group_sessions SET status = 'running'",
    "UPDATE topic_versions SET title = 'x'",
    "UPDATE audit_events SET login = 'x'",
    "DELETE FROM audit_events",
    "UPDATE peer_audit_events SET login = 'x'",
    "DELETE FROM peer_audit_events",
]


def _verb_and_table(statement: str) -> tuple[str, str]:
    match = re.match(r"(UPDATE|DELETE FROM|INSERT INTO) (\w+)", statement)
    assert match is not None
    return match.group(1).split()[0], match.group(2)


def test_every_guard_is_tried_below() -> None:
    tried = {_verb_and_table(statement) for statement in LOCKED}
    guarded = {(g.name.rsplit("_no_", 1)[1].upper(), g.table) for g in GUARDS}
    assert guarded == tried


@pytest.mark.parametrize("statement", LOCKED)
def test_signed_content_and_its_facts_refuse_changes(signed: Schema, statement: str) -> None:
    table = _verb_and_table(statement)[1]
    if table in ("audit_events", "peer_audit_events"):
        with signed.engine.begin() as conn:
            add(conn, table)
    with signed.engine.connect() as conn:
        before = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    with pytest.raises(exc.DatabaseError, match=r"facilitator: signed|append-only|immutable"), \
            signed.engine.begin() as conn:
        conn.execute(text(statement))
    with signed.engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == before


@pytest.mark.parametrize(("statement", "check", "expected"), [
    ("UPDATE attendance SET status = 'absent' WHERE participant_id = 2",
     "SELECT status FROM attendance WHERE participant_id = 2", "absent"),
    ("UPDATE note_revisions SET late_entry = 'late' WHERE id = 2",
     "SELECT late_entry FROM note_revisions WHERE id = 2", "late"),
    ("UPDATE note_goal_links SET comment = 'better' WHERE revision_id = 2",
     "SELECT comment FROM note_goal_links WHERE revision_id = 2", "better"),
    ("DELETE FROM out_of_room WHERE attendance_id = 2",
     "SELECT count(*) FROM out_of_room WHERE attendance_id = 2", 0),
    ("UPDATE segments SET title = 'Skills'", "SELECT title FROM segments", "Skills"),
    ("UPDATE group_sessions SET not_held_reason = 'none'",
     "SELECT not_held_reason FROM group_sessions", "none"),
])
def test_what_no_signature_covers_still_changes(signed: Schema, statement: str, check: str,
                                                expected: object) -> None:
    with signed.engine.begin() as conn:
        conn.execute(text(statement))
    with signed.engine.connect() as conn:
        assert conn.execute(text(check)).scalar_one() == expected


def _noted(target: Schema) -> list[tuple[str, str]]:
    with target.engine.connect() as conn:
        return [(d.tbl, d.row_key) for d in
                conn.execute(select(SyncDirty.tbl, SyncDirty.row_key).order_by(SyncDirty.id))]


def test_capture_notes_each_changed_record_once_newest_touch_last(migrated: Schema) -> None:
    with migrated.engine.begin() as conn:
        add(conn, "users", id=1, login="admin")
        add(conn, "participants", id=1, chart_id="C-1")
    assert _noted(migrated) == []  # sync is not set up yet
    with migrated.engine.begin() as conn:
        conn.execute(text("INSERT INTO sync_state (id, hub_dsn, hub_id, cursor, last_problem)"
                          " VALUES (1, '', '', 0, '')"))
        conn.execute(text("UPDATE participants SET status = 'on_hold'"))
        add(conn, "participants", id=2, chart_id="C-2")
        conn.execute(text("UPDATE users SET last_login_at = :at"), {"at": AT})  # local only
    assert _noted(migrated) == [("participants", "1"), ("participants", "2")]
    with migrated.engine.begin() as conn:
        conn.execute(text("UPDATE participants SET pronouns = 'they/them' WHERE id = 1"))
    assert _noted(migrated) == [("participants", "2"), ("participants", "1")]
    with migrated.engine.begin() as conn:
        conn.execute(text("DELETE FROM participants WHERE id = 2"))
    assert _noted(migrated) == [("participants", "1"), ("participants", "2")]


def test_a_deleted_record_is_noted_by_global_id_on_both_engines(migrated: Schema) -> None:
    """The DELETE capture trigger's second statement (``sync_gone``), in SQLite and in
    PostgreSQL's function form: the deleted record's global id and its note's place."""
    with migrated.engine.begin() as conn:
        add(conn, "users", id=1, login="admin")
        add(conn, "participants", id=1, chart_id="C-1")
        add(conn, "participants", id=2, chart_id="C-2")
        conn.execute(text("INSERT INTO sync_state (id, hub_dsn, hub_id, cursor, last_problem)"
                          " VALUES (1, '', '', 0, '')"))
        conn.execute(text("INSERT INTO sync_rows (gid, tbl, row_key, fields, conflicted)"
                          " VALUES ('g-1', 'participants', '1', '{}', false)"))
    with migrated.engine.begin() as conn:
        conn.execute(text("DELETE FROM participants"))
    with migrated.engine.connect() as conn:
        gone = conn.execute(text("SELECT tbl, row_key, gid, at FROM sync_gone")).all()
        noted = conn.execute(text("SELECT id FROM sync_dirty WHERE row_key = '1'")).scalar()
    assert [tuple(g) for g in gone] == [("participants", "1", "g-1", noted)]


def test_what_a_pull_applies_is_noted_only_where_an_edit_waits(migrated: Schema) -> None:
    """Inside ``uncaptured`` (a pull's write slice) a new or changed record is not noted, but
    one noted already (an edit made here, not sealed yet) is noted again, last: that moved
    note is how the slice finds it wrote over an unsealed edit. After it, capture is back."""
    from facilitator.storage.sync_capture import uncaptured

    with migrated.engine.begin() as conn:
        add(conn, "users", id=1, login="admin")
        conn.execute(text("INSERT INTO sync_state (id, hub_dsn, hub_id, cursor, last_problem)"
                          " VALUES (1, '', '', 0, '')"))
        add(conn, "participants", id=1, chart_id="C-1")
        add(conn, "participants", id=2, chart_id="C-2")
        conn.execute(text("DELETE FROM sync_dirty WHERE tbl = 'users'"))
    with migrated.engine.begin() as conn, uncaptured(conn):
        add(conn, "participants", id=3, chart_id="C-3")
        conn.execute(text("UPDATE participants SET status = 'on_hold' WHERE id IN (1, 3)"))
        conn.execute(text("UPDATE users SET login = 'admin2'"))
    assert _noted(migrated) == [("participants", "2"), ("participants", "1")]
    with migrated.engine.begin() as conn:
        conn.execute(text("UPDATE participants SET status = 'active' WHERE id = 3"))
    assert _noted(migrated) == [("participants", "2"), ("participants", "1"),
                                ("participants", "3")]


def test_the_baseline_notes_every_existing_row(migrated: Schema) -> None:
    with migrated.engine.begin() as conn:
        add(conn, "users", id=1, login="admin")
        for pid in (1, 2):
            add(conn, "participants", id=pid, chart_id=f"C-{pid}")
        conn.execute(text("INSERT INTO sync_dirty (tbl, row_key) VALUES ('participants', '2')"))
        for statement in baseline_sql(migrated.dialect):
            conn.execute(text(statement))
    assert sorted(_noted(migrated)) == [("participants", "1"), ("participants", "2"),
                                        ("users", "1")]


@pytest.mark.parametrize("guard", ["audit_events_no_delete", "note_revisions_signed_no_update",
                                   "sync_capture_participants_update"])
def test_verify_names_a_dropped_or_altered_guard(migrated: Schema, guard: str) -> None:
    assert migrated.guard_problems() == []
    table = next(g.table for g in (*GUARDS, *_capture()) if g.name == guard)
    with migrated.engine.begin() as conn:
        if migrated.dialect == "postgresql":
            # Same trigger, its function no longer refusing anything.
            conn.execute(text(f"CREATE OR REPLACE FUNCTION {guard}() RETURNS trigger"
                              " LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"))
        else:
            conn.execute(text(f"DROP TRIGGER {guard}"))
            conn.execute(text(f"CREATE TRIGGER {guard} AFTER UPDATE ON {table} WHEN 0"
                              " BEGIN SELECT 1; END"))
    assert migrated.guard_problems() == [f"the protective trigger {guard} was altered"]
    with migrated.engine.begin() as conn:
        conn.execute(text(f"DROP TRIGGER {guard}"
                          + (f" ON {table}" if migrated.dialect == "postgresql" else "")))
    assert migrated.guard_problems() == [f"the protective trigger {guard} is missing"]


def _capture() -> tuple[Any, ...]:
    from facilitator.storage.sync_capture import CAPTURE_TRIGGERS

    return CAPTURE_TRIGGERS
