"""The migrations build exactly the schema the models describe, and the audit log is append-only."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import exc, text

from facilitator.models import Base
from facilitator.services.workspace import Workspace
from facilitator.storage import migrate


def test_migrations_match_models(ws: Workspace) -> None:
    with ws.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ; run scripts/make_migration.py: {diff}"


def test_database_is_at_head(ws: Workspace) -> None:
    assert migrate.current_revision(ws.db) == migrate.head_revision()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET login = 'someone-else'",
    "DELETE FROM audit_events",
])
def test_audit_log_refuses_rewrites(ws: Workspace, statement: str) -> None:
    with pytest.raises(exc.DatabaseError, match="append-only"), ws.db.engine.begin() as conn:
        conn.execute(text(statement))


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
