"""live block console tables (owned by the console work)

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import facilitator.models.base  # custom column types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The session tables themselves come from 0001; the console adds its undo log and the
    # (FK-less, for now) link from a segment to a curriculum topic version.
    op.create_table(
        "console_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("undone", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["group_sessions.id"],
                                name=op.f("fk_console_actions_session_id_group_sessions")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_console_actions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_actions")),
        sa.UniqueConstraint("session_id", "seq", name=op.f("uq_console_actions_session_id")),
    )
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic_version_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.drop_column("topic_version_id")
    op.drop_table("console_actions")
