"""backup settings of the clinic (folder, how many automatic backups to keep, last one taken)

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # server defaults fill the existing clinic row; SQLite adds such columns without a rebuild.
    op.add_column("clinic", sa.Column("backup_folder", sa.String(length=4000), nullable=False,
                                      server_default=""))
    op.add_column("clinic", sa.Column("backup_keep", sa.Integer(), nullable=False,
                                      server_default="14"))
    op.add_column("clinic", sa.Column("auto_backup", sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    op.add_column("clinic", sa.Column("last_auto_backup_at",
                                      facilitator.models.base.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clinic") as batch:
        batch.drop_column("last_auto_backup_at")
        batch.drop_column("auto_backup")
        batch.drop_column("backup_keep")
        batch.drop_column("backup_folder")
