"""audit log is append-only

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Triggers make the database itself refuse UPDATE and DELETE on the audit log, so no code path
(ours or a hand-run SQL shell with the key) can rewrite history without breaking the rules.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
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
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
