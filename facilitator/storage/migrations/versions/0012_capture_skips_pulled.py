"""what a pull applies is not noted for sending

Revision ID: 0012_capture_skips_pulled
Revises: 0011_sync_key_makers

``sync_state`` gains ``applying``, true only inside a pull's write slice, and every change
capture trigger notes a change only while it is false (``storage.sync_capture.CAPTURED``).
Before, a slice noted every row it applied and deleted the notes again before its commit. The
triggers are dropped before the table changes (SQLite re-reads triggers when a table is
rebuilt) and made again after.
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from facilitator.storage.guards import ExactGuard, create_sql, drop_sql
from facilitator.storage.sync_capture import CAPTURE_TRIGGERS_0008
from facilitator.storage.sync_capture import CAPTURE_TRIGGERS_0012 as CAPTURE_TRIGGERS

revision: str = "0012_capture_skips_pulled"
down_revision: str | None = "0011_sync_key_makers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _replace(old: Sequence[ExactGuard], new: Sequence[ExactGuard],
             change: Callable[[], None]) -> None:
    dialect = op.get_bind().dialect.name
    for trigger in old:
        for statement in drop_sql(trigger, dialect):
            op.execute(statement)
    change()
    for trigger in new:
        for statement in create_sql(trigger, dialect):
            op.execute(statement)


def upgrade() -> None:
    def add() -> None:
        op.add_column("sync_state", sa.Column("applying", sa.Boolean(), nullable=False,
                                              server_default=sa.false()))

    _replace(CAPTURE_TRIGGERS_0008, CAPTURE_TRIGGERS, add)


def downgrade() -> None:
    def drop() -> None:
        with op.batch_alter_table("sync_state") as batch:
            batch.drop_column("applying")

    _replace(CAPTURE_TRIGGERS, CAPTURE_TRIGGERS_0008, drop)
