"""Many rows of one table written by the driver's ``executemany``: a new laptop's first pull
writes every row of the clinic (~700,000 for five years) and as many sync records.

SQLAlchemy's own bulk insert prepares each row's parameters one by one (and, to learn the new
keys, builds multi-row ``INSERT … RETURNING`` statements and sorts what comes back), which
was a third of that pull. Here each column's bind processor (the same function SQLAlchemy
would call: datetimes to text, JSON through ``engine.json_text``, booleans to integers) is
looked up once per statement, the rows become plain tuples, and keys are given explicitly:
the caller holds the write lock, so the next keys after the greatest one are free, and they
are what SQLite would have chosen itself.

On an engine other than SQLite (the hub's PostgreSQL, where the services do not run) the
rows go through SQLAlchemy's ordinary insert, so the result is the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from ..models.base import UTCDateTime


class BulkInsert:
    """An ``INSERT`` into ``table`` of rows that each give exactly ``columns``, for many rows
    at once. Columns left out get their scalar Python-side default, as SQLAlchemy would give
    them (``None`` from ``prepare`` when one has a computed default instead)."""

    def __init__(self, conn: Connection, table: Table, columns: Sequence[str],
                 defaults: Mapping[str, Any] | None = None) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.defaults = dict(defaults or {})
        self._sqlite = conn.dialect.name == "sqlite"
        quote = conn.dialect.identifier_preparer.quote
        every = (*self.columns, *self.defaults)
        self._sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in every)})"
                     f" VALUES ({', '.join('?' for _ in every)})")
        processors = [_processor(table.c[c].type, conn.dialect) for c in every]
        self._plan = list(zip(self.columns, processors[:len(self.columns)], strict=True))
        # The defaults' stored form, once: the same for every row.
        self._tail = tuple(v if p is None else p(v) for v, p in zip(
            self.defaults.values(), processors[len(self.columns):], strict=True))

    @classmethod
    def prepare(cls, conn: Connection, table: Table, columns: Sequence[str]
                ) -> BulkInsert | None:
        """The insert for rows giving ``columns``; None when a column left out has a default
        computed per row (a function): such rows go through SQLAlchemy's insert instead."""
        given, defaults = set(columns), {}
        for column in table.columns:
            if column.name in given:
                continue
            default = column.default
            if default is not None and not default.is_scalar:
                return None
            if default is not None:
                defaults[column.name] = default.arg  # type: ignore[attr-defined]
        return cls(conn, table, columns, defaults)

    def rows(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows`` (each a mapping of exactly ``columns``)."""
        if not rows:
            return
        if not self._sqlite:
            conn.execute(self.table.insert(), [{**self.defaults, **r} for r in rows])
            return
        plan, tail = self._plan, self._tail
        # Every value through its processor, None too (a JSON column stores None as 'null').
        params = [(*(row[c] if p is None else p(row[c]) for c, p in plan), *tail)
                  for row in rows]
        conn.exec_driver_sql(self._sql, params)


def _processor(kind: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """How a value of ``kind`` is stored: SQLAlchemy's bind processor, but for a UTC datetime
    on SQLite its two steps (``UTCDateTime`` to naive UTC, SQLite's ``DATETIME`` to text) in
    one: the same text (``tests/services/test_bulk_insert.py``), 2.2 million times in a first
    pull, where the two took 4 s."""
    if dialect.name == "sqlite" and isinstance(kind, UTCDateTime):
        return _utc_text
    return kind.dialect_impl(dialect).bind_processor(dialect)


def _utc_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def next_key(conn: Connection, table: Table) -> int:
    """The first integer key after every row's in ``table`` (its ``id`` column): with the
    write lock held, ``next_key``, ``next_key + 1``, … are free (a table without
    ``AUTOINCREMENT`` reuses nothing SQLite would not)."""
    if table.dialect_options["sqlite"]["autoincrement"]:
        raise ValueError(f"{table.name} never reuses keys: let the database choose them")
    return int(conn.scalar(select(func.max(table.c.id))) or 0) + 1
