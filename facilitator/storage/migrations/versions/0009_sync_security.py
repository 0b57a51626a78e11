"""clinic sync security: sync-key epochs in boxes, other devices' audit events, device state,
unique-field clashes, sync marks

Revision ID: 0009_sync_security
Revises: 0008_sync

New local tables only (``models.sync_security``); no synced table changes shape. Other devices'
audit events are append-only, like this laptop's own (``storage.guards``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import facilitator.models.base
from facilitator.storage.guards import PEER_AUDIT_GUARDS, create_sql, drop_sql

revision: str = "0009_sync_security"
down_revision: str | None = "0008_sync"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = facilitator.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "sync_key_boxes",
        sa.Column("epoch", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("ephemeral", sa.LargeBinary(), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("box", sa.LargeBinary(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("epoch", "fingerprint", name=op.f("pk_sync_key_boxes")),
    )
    op.create_table(
        "peer_audit_events",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "id", name=op.f("pk_peer_audit_events")),
    )
    op.create_index(op.f("ix_peer_audit_events_at"), "peer_audit_events", ["at"])
    op.create_index(op.f("ix_peer_audit_events_action"), "peer_audit_events", ["action"])
    op.create_table(
        "sync_devices",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("hub_seq", sa.BigInteger(), nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure", sa.Text(), nullable=False),
        sa.Column("forks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_sync_devices")),
    )
    op.create_table(
        "sync_clashes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tbl", sa.String(length=64), nullable=False),
        sa.Column("gid", sa.String(length=36), nullable=False),
        sa.Column("other_gid", sa.String(length=36), nullable=False),
        sa.Column("columns", sa.String(length=200), nullable=False),
        sa.Column("renamed", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("resolved_at", UTC(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_clashes")),
    )
    op.create_table(
        "sync_marks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_marks")),
    )
    for guard in PEER_AUDIT_GUARDS:
        for statement in create_sql(guard, op.get_bind().dialect.name):
            op.execute(statement)


def downgrade() -> None:
    for guard in PEER_AUDIT_GUARDS:
        for statement in drop_sql(guard, op.get_bind().dialect.name):
            op.execute(statement)
    for table in ("sync_marks", "sync_clashes", "sync_devices", "peer_audit_events",
                  "sync_key_boxes"):
        op.drop_table(table)
