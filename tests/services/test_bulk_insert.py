"""``storage.bulk.BulkInsert`` stores exactly what SQLAlchemy's own insert stores: every column
type the synced tables use, None in each of them, and the scalar defaults of columns left out,
in a real encrypted database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Time,
    insert,
    text,
)

from facilitator.models.base import UTCDateTime
from facilitator.services.workspace import Workspace
from facilitator.storage.bulk import BulkInsert, next_key

meta = MetaData()
KINDS = Table(
    "bulk_kinds", meta,
    Column("id", Integer, primary_key=True),
    Column("name", String(40)),
    Column("body", Text),
    Column("at", UTCDateTime),
    Column("local_at", UTCDateTime),
    Column("day", Date),
    Column("start", Time),
    Column("doc", JSON),
    Column("flag", Boolean),
    Column("blob", LargeBinary),
    Column("count", Integer),
    Column("status", String(20), default="open"),
    Column("position", Integer, default=7),
)
COMPUTED = Table("bulk_computed", meta, Column("id", Integer, primary_key=True),
                 Column("items", JSON, default=list))
WHEN = datetime(2026, 3, 2, 18, 0, 1, 250, tzinfo=UTC)
ROWS = [
    {"name": "Zoë 🌱", "body": "مرحبا " * 3, "at": WHEN, "day": date(2026, 3, 2),
     "local_at": datetime(2026, 3, 2, 21, 30, tzinfo=timezone(timedelta(hours=-6))),
     "start": time(9, 30), "doc": {"k": [1, 2.5, "x"]}, "flag": True, "blob": b"\x00\xff",
     "count": 3},
    {"name": "", "body": None, "at": None, "local_at": None, "day": None, "start": None,
     "doc": None,
     "flag": False, "blob": None, "count": None},
]


def _stored(ws: Workspace, ids: list[int]) -> list[tuple[object, ...]]:
    with ws.read() as s:
        found = s.connection().exec_driver_sql(
            f"SELECT * FROM bulk_kinds WHERE id IN ({', '.join(map(str, ids))}) ORDER BY id")
        return [tuple(row)[1:] for row in found]


@pytest.fixture
def tables(ws: Workspace) -> Workspace:
    with ws.transaction() as s:
        meta.create_all(s.connection())
    return ws


def test_rows_are_stored_as_sqlalchemy_stores_them(tables: Workspace) -> None:
    with tables.transaction() as s:
        conn = s.connection()
        conn.execute(insert(KINDS), [{"id": i + 1, **row} for i, row in enumerate(ROWS)])
        first = next_key(conn, KINDS)
        writer = BulkInsert.prepare(conn, KINDS, ("id", *ROWS[0]))
        assert writer is not None and writer.defaults == {"status": "open", "position": 7}
        writer.rows(conn, [{"id": first + i, **row} for i, row in enumerate(ROWS)])
    assert first == 3
    ours, theirs = _stored(tables, [3, 4]), _stored(tables, [1, 2])
    assert ours == theirs
    assert ours[0][2:4] == ("2026-03-02 18:00:01.000250", "2026-03-03 03:30:00.000000")
    assert ours[1][6] == "null"  # None in a JSON column is JSON's null, as SQLAlchemy has it
    assert ours[0][-2:] == ("open", 7)


def test_a_computed_default_is_left_to_sqlalchemy(tables: Workspace) -> None:
    with tables.transaction() as s:
        assert BulkInsert.prepare(s.connection(), COMPUTED, ("id",)) is None
        assert BulkInsert.prepare(s.connection(), COMPUTED, ("id", "items")) is not None


def test_next_key_follows_the_greatest_key_and_refuses_autoincrement(tables: Workspace) -> None:
    from facilitator.models.sync import SyncDirty

    with tables.transaction() as s:
        conn = s.connection()
        assert next_key(conn, KINDS) == 1
        conn.execute(text("INSERT INTO bulk_kinds (id, name) VALUES (41, 'x')"))
        assert next_key(conn, KINDS) == 42
        with pytest.raises(ValueError):
            next_key(conn, SyncDirty.__table__)


def test_a_naive_time_is_refused_as_sqlalchemy_refuses_it(tables: Workspace) -> None:
    naive = {**ROWS[1], "at": datetime(2026, 3, 2, 18, 0)}
    for write in (lambda conn: conn.execute(insert(KINDS), [{"id": 1, **naive}]),
                  lambda conn: BulkInsert.prepare(conn, KINDS, ("id", *naive)).rows(
                      conn, [{"id": 2, **naive}])):
        with pytest.raises(Exception, match="naive datetime") as refused, \
                tables.transaction() as s:
            write(s.connection())
        assert isinstance(refused.value, ValueError) or isinstance(
            refused.value.__cause__, ValueError)
