"""clinic sync: this install's device identity and the clinic sync keys

Revision ID: 0008_sync
Revises: 0007

Both tables live inside the encrypted database (the signing key and the sync keys are as
protected as the clinical rows). Local integer keys and foreign keys stay as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

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


def downgrade() -> None:
    op.drop_table("sync_keys")
    op.drop_table("sync_identity")
