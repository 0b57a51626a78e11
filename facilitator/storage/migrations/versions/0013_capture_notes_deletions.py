"""a record deleted here is noted by its global id, apart from its key

Revision ID: 0013_capture_notes_deletions
Revises: 0012_capture_skips_pulled

``sync_gone`` holds the global id of each synced record with a surrogate key deleted since the
last collection, noted by its DELETE capture trigger (``storage.sync_capture``). Before, only
"(table, key)" was noted, and SQLite gives a new row the key of a deleted one that had the
greatest: a record deleted and another inserted before the next round travelled as an edit
of the first, which could move it onto a unique key another record held on the other laptop
(a walk-in undone and another added: "UNIQUE constraint failed" there in every round).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from facilitator.storage.guards import ExactGuard, create_sql, drop_sql
from facilitator.storage.sync_capture import CAPTURE_TRIGGERS, CAPTURE_TRIGGERS_0012

revision: str = "0013_capture_notes_deletions"
down_revision: str | None = "0012_capture_skips_pulled"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _replace(old: Sequence[ExactGuard], new: Sequence[ExactGuard]) -> None:
    """The triggers of ``new`` that differ from ``old`` (the DELETE ones of tables with a
    surrogate key) in place of those of ``old``."""
    dialect = op.get_bind().dialect.name
    before = {trigger.name: trigger for trigger in old}
    for trigger in new:
        if trigger.sql() == before[trigger.name].sql():
            continue
        for statement in drop_sql(before[trigger.name], dialect):
            op.execute(statement)
        for statement in create_sql(trigger, dialect):
            op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "sync_gone",
        sa.Column("tbl", sa.String(length=64), nullable=False),
        sa.Column("row_key", sa.String(length=200), nullable=False),
        sa.Column("gid", sa.String(length=36), nullable=False),
        sa.Column("at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tbl", "row_key", name=op.f("pk_sync_gone")),
    )
    _replace(CAPTURE_TRIGGERS_0012, CAPTURE_TRIGGERS)


def downgrade() -> None:
    _replace(CAPTURE_TRIGGERS, CAPTURE_TRIGGERS_0012)
    op.drop_table("sync_gone")
