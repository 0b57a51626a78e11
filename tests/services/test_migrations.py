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
