"""curriculum library, plans and deliveries (owned by the curriculum work)

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401 - used once tables are added
from alembic import op  # noqa: F401

import facilitator.models.base  # noqa: F401 - custom column types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
