"""audit log is append-only

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Triggers make the database itself refuse UPDATE and DELETE on the audit log, so no code path
(ours or a hand-run SQL shell with the key) can rewrite history without breaking the rules.
"""

from collections.abc import Sequence

from alembic import op

from facilitator.storage import guards

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _audit_guards() -> list[guards.Guard | guards.ExactGuard]:
    return [guard for guard in guards.GUARDS if guard.table == "audit_events"]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect != "sqlite":  # PostgreSQL: the same guards as PL/pgSQL triggers
        for guard in _audit_guards():
            for statement in guards.create_sql(guard, dialect):
                op.execute(statement)
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"""
            CREATE TRIGGER audit_events_no_{verb.lower()}
            BEFORE {verb} ON audit_events
            BEGIN
                SELECT RAISE(ABORT, 'the audit log is append-only');
            END
            """
        )


def downgrade() -> None:
    for guard in _audit_guards():
        for statement in guards.drop_sql(guard, op.get_bind().dialect.name):
            op.execute(statement)
