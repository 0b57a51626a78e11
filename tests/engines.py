"""The model and migration suite on both engines a clinic's record may live on: the laptop's
SQLCipher database and PostgreSQL (a fresh database per test on the throw-away cluster of
tests/pg.py). ``schema`` is an empty database; ``migrated`` one at Alembic's head, copied from a
database migrated once per run (migrating takes seconds, a copy milliseconds)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool

from facilitator.storage import guards, integrity, migrate
from facilitator.storage.engine import Database
from tests.pgcluster import Cluster

ENGINES = ("sqlite", "postgresql")
_KEY = bytes(range(32))  # throw-away databases of a schema only


@dataclass
class Schema:
    dialect: str
    engine: Engine
    db: Database | None = None  # the SQLCipher database (sqlite only)

    def upgrade(self, revision: str = "head") -> None:
        with self.engine.begin() as conn:
            command.upgrade(migrate._config(conn), revision)

    def downgrade(self, revision: str) -> None:
        with self.engine.begin() as conn:
            command.downgrade(migrate._config(conn), revision)

    def guard_problems(self) -> list[str]:
        """What ``verify`` says of the protective triggers."""
        if self.db is not None:
            return integrity.check_guards(self.db)
        with self.engine.connect() as conn:
            return guards.pg_problems(conn)


def _pg_engine(cluster: Cluster, name: str) -> Engine:
    return create_engine(f"postgresql+psycopg://postgres@/{name}", poolclass=NullPool,
                         connect_args={"host": cluster.host, "port": cluster.port})


def _on_postgres(cluster: Cluster, template: str) -> Iterator[Schema]:
    name = cluster.new_database(template=template, file_copy=True)
    engine = _pg_engine(cluster, name)
    try:
        yield Schema("postgresql", engine)
    finally:
        engine.dispose()
        with cluster.admin() as conn:
            conn.execute(f"DROP DATABASE {name}")


def _on_sqlite(path: Path, template: Path | None = None) -> Iterator[Schema]:
    if template is not None:
        shutil.copyfile(template, path)
    db = Database(path, _KEY)
    try:
        yield Schema("sqlite", db.engine, db)
    finally:
        db.close()


@pytest.fixture(params=ENGINES)
def schema(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Schema]:
    if request.param == "postgresql":
        yield from _on_postgres(request.getfixturevalue("pg_cluster"), "template0")
    else:
        yield from _on_sqlite(tmp_path / "schema.db")


@pytest.fixture(scope="session")
def _sqlite_at_head(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("head") / "head.db"
    for migrated in _on_sqlite(path):
        migrated.upgrade()
    return path  # closed: the WAL is checkpointed into the file


@pytest.fixture(scope="session")
def _postgres_at_head(pg_cluster: Cluster) -> str:
    name = pg_cluster.new_database(template="template0")
    engine = _pg_engine(pg_cluster, name)
    try:
        Schema("postgresql", engine).upgrade()
    finally:
        engine.dispose()
    return name


@pytest.fixture(params=ENGINES)
def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Schema]:
    if request.param == "postgresql":
        yield from _on_postgres(request.getfixturevalue("pg_cluster"),
                                request.getfixturevalue("_postgres_at_head"))
    else:
        yield from _on_sqlite(tmp_path / "schema.db",
                              request.getfixturevalue("_sqlite_at_head"))
