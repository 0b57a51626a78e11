"""The migrations build exactly the schema the models describe, on SQLite (SQLCipher) and on
PostgreSQL alike, every revision goes up and down again, and the audit log is append-only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import exc, insert, inspect, text

from facilitator.models import Base
from facilitator.models.audit import AuditEvent
from facilitator.storage import migrate
from tests.engines import Schema, _postgres_at_head, _sqlite_at_head, migrated, schema

__all__ = ["_postgres_at_head", "_sqlite_at_head", "migrated", "schema"]


def _diff(target: Schema) -> list:
    with target.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), Base.metadata)


def test_migrations_match_models(migrated: Schema) -> None:
    diff = _diff(migrated)
    assert diff == [], f"models and migrations differ; run scripts/make_migration.py: {diff}"


def test_database_is_at_head(migrated: Schema) -> None:
    with migrated.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == \
            migrate.head_revision()


def test_every_revision_goes_up_and_down_again(schema: Schema) -> None:
    revisions = [r.revision for r in
                 ScriptDirectory.from_config(migrate._config()).walk_revisions()][::-1]
    for revision in revisions:
        schema.upgrade(revision)
    assert not _diff(schema)
    triggers = _trigger_count(schema)
    assert triggers > 100  # guards and capture triggers, whichever form the engine has
    for previous in [*revisions[-2::-1], "base"]:
        schema.downgrade(previous)
    assert set(inspect(schema.engine).get_table_names()) <= {"alembic_version"}
    assert _trigger_count(schema) == 0
    schema.upgrade()
    assert not _diff(schema) and _trigger_count(schema) == triggers


def _trigger_count(target: Schema) -> int:
    query = ("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'" if target.db else
             "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal")
    with target.engine.connect() as conn:
        return int(conn.execute(text(query)).scalar_one())


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET login = 'someone-else'",
    "DELETE FROM audit_events",
])
def test_audit_log_refuses_rewrites(migrated: Schema, statement: str) -> None:
    with migrated.engine.begin() as conn:
        conn.execute(insert(AuditEvent).values(
            at=datetime(2026, 3, 2, 15, tzinfo=UTC), user_id=None, login="admin",
            action="clinic.created", entity="", entity_id="", details={}, prev_hash="0" * 64,
            hash="1" * 64))
    with pytest.raises(exc.DatabaseError, match="append-only"), migrated.engine.begin() as conn:
        conn.execute(text(statement))
    with migrated.engine.connect() as conn:
        assert conn.execute(text("SELECT login FROM audit_events")).scalars().all() == ["admin"]


def test_older_database_is_backed_up_then_migrated(clinic, vault, clock) -> None:
    from alembic import command

    from facilitator.services import auth
    from tests.conftest import PASSWORD

    ws = clinic[0]
    with ws.db.engine.begin() as conn:
        command.downgrade(migrate._config(conn), "0002")
    ws.close()
    upgraded = auth.sign_in(vault, clock, "admin", PASSWORD)
    try:
        assert migrate.current_revision(upgraded.db) == migrate.head_revision()
        backups = list(vault.backups_dir.glob("before-upgrade-*.fbak"))
        assert len(backups) == 1
        from facilitator.storage.backup import read_manifest

        assert read_manifest(backups[0])["revision"] == "0002"
    finally:
        upgraded.close()


def test_newer_database_is_refused(clinic, vault, clock) -> None:
    from facilitator.services import auth
    from facilitator.services.errors import StorageProblem
    from tests.conftest import PASSWORD

    ws = clinic[0]
    with ws.db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    ws.close()
    with pytest.raises(StorageProblem, match="newer version"):
        auth.sign_in(vault, clock, "admin", PASSWORD)
