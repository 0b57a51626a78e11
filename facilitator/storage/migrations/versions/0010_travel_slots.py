"""travelling key-slot copies (clinic sync enrolment)

Revision ID: 0010_travel_slots
Revises: 0009_sync_security

One synced table, ``travel_slots`` (see ``models.slots``), and its change-capture triggers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import facilitator.models.base
from facilitator.storage.guards import create_sql, drop_sql
from facilitator.storage.sync_capture import CAPTURE_TRIGGERS_0008 as CAPTURE_TRIGGERS

revision: str = "0010_travel_slots"
down_revision: str | None = "0009_sync_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
TABLE = "travel_slots"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("public", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.JSON(), nullable=False),
        sa.Column("made_at", facilitator.models.base.UTCDateTime(timezone=True),
                  nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_travel_slots_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_travel_slots")),
    )
    op.create_index(op.f("ix_travel_slots_user_id"), TABLE, ["user_id"], unique=False)
    for trigger in CAPTURE_TRIGGERS:
        if trigger.table == TABLE:
            for statement in create_sql(trigger, op.get_bind().dialect.name):
                op.execute(statement)


def downgrade() -> None:
    for trigger in CAPTURE_TRIGGERS:
        if trigger.table == TABLE:
            for statement in drop_sql(trigger, op.get_bind().dialect.name):
                op.execute(statement)
    op.drop_index(op.f("ix_travel_slots_user_id"), table_name=TABLE)
    op.drop_table(TABLE)
