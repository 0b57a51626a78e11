"""clinic sync: device identity, sync keys, change capture, global ids, peers, outbox

Revision ID: 0008_sync
Revises: 0007

All inside the encrypted database. Local integer keys and foreign keys stay as they are: global
ids live beside them in ``sync_rows`` (no synced table changes shape, so the signed-note
triggers, which refuse UPDATEs of signed rows, never stand in the way). The capture triggers
(``storage.sync_capture``) note every change of a synced table in ``sync_dirty`` once sync is set
up; setting it up notes every existing row, so the first sync sends the clinic's whole record.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import facilitator.models.base
from facilitator.storage.guards import create_sql, drop_sql
from facilitator.storage.sync_capture import ADDED_LATER
from facilitator.storage.sync_capture import CAPTURE_TRIGGERS_0008 as CAPTURE_TRIGGERS

revision: str = "0008_sync"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("signing_key", sa.LargeBinary(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("install_token", sa.String(length=64), nullable=False),
        sa.Column("install_inode", sa.BigInteger(), nullable=False),
        sa.Column("created_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.LargeBinary(), nullable=False),
        sa.Column("retired_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retired_reason", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_identity")),
        sa.UniqueConstraint("device_id", name=op.f("uq_sync_identity_device_id")),
    )
    op.create_table(
        "sync_keys",
        sa.Column("epoch", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("epoch", name=op.f("pk_sync_keys")),
    )
    op.create_table(
        "sync_dirty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tbl", sa.String(length=64), nullable=False),
        sa.Column("row_key", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_dirty")),
        sa.UniqueConstraint("tbl", "row_key", name=op.f("uq_sync_dirty_tbl")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "sync_rows",
        sa.Column("gid", sa.String(length=36), nullable=False),
        sa.Column("tbl", sa.String(length=64), nullable=False),
        sa.Column("row_key", sa.String(length=200), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("conflicted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("gid", name=op.f("pk_sync_rows")),
        sa.UniqueConstraint("tbl", "row_key", name=op.f("uq_sync_rows_tbl")),
    )
    op.create_index(op.f("ix_sync_rows_conflicted"), "sync_rows", ["conflicted"], unique=False)
    op.create_table(
        "sync_peers",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("head_seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_sync_peers")),
    )
    op.create_table(
        "sync_seen",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "seq", name=op.f("pk_sync_seen")),
    )
    op.create_table(
        "sync_outbox",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "seq", name=op.f("pk_sync_outbox")),
    )
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hub_dsn", sa.String(length=2000), nullable=False),
        sa.Column("hub_id", sa.String(length=64), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("last_sync_at", facilitator.models.base.UTCDateTime(timezone=True),
                  nullable=True),
        sa.Column("last_problem", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_state")),
    )
    for trigger in CAPTURE_TRIGGERS:
        if trigger.table in ADDED_LATER:  # those tables do not exist yet
            continue
        for statement in create_sql(trigger, op.get_bind().dialect.name):
            op.execute(statement)


def downgrade() -> None:
    for trigger in CAPTURE_TRIGGERS:
        if trigger.table in ADDED_LATER:
            continue
        for statement in drop_sql(trigger, op.get_bind().dialect.name):
            op.execute(statement)
    for table in ("sync_state", "sync_outbox", "sync_seen", "sync_peers", "sync_rows",
                  "sync_dirty"):
        op.drop_table(table)
    op.drop_table("sync_keys")
    op.drop_table("sync_identity")
