"""sync keys per epoch and maker, with their recipients

Revision ID: 0011_sync_key_makers
Revises: 0010_travel_slots

Two laptops that rotate the clinic sync key while apart each make a key of the same epoch; each
laptop must keep both to read both laptops' entries. ``sync_keys`` gains the maker (the
announcing device, "" for keys held before this revision) in its primary key and the
fingerprints the key was sealed to; ``sync_key_boxes`` gains the announcing device in its
primary key. Local tables only; nothing synced changes shape.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_sync_key_makers"
down_revision: str | None = "0010_travel_slots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _primary_key(table: str, columns: list[str]) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(f"pk_{table}", type_="primary")
        batch.create_primary_key(f"pk_{table}", columns)


def upgrade() -> None:
    with op.batch_alter_table("sync_keys") as batch:
        batch.add_column(sa.Column("maker", sa.String(length=36), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("recipients", sa.JSON(), nullable=True))
    with op.batch_alter_table("sync_keys") as batch:
        batch.alter_column("maker", server_default=None)
    _primary_key("sync_keys", ["epoch", "maker"])
    _primary_key("sync_key_boxes", ["epoch", "device_id", "fingerprint"])


def downgrade() -> None:
    # An epoch keeps one key: the one made first by device order (a laptop downgraded after
    # a clash of keys cannot read the other maker's entries, as before this revision).
    op.execute("DELETE FROM sync_keys WHERE EXISTS (SELECT 1 FROM sync_keys AS o"
               " WHERE o.epoch = sync_keys.epoch AND o.maker < sync_keys.maker)")
    op.execute("DELETE FROM sync_key_boxes WHERE EXISTS (SELECT 1 FROM sync_key_boxes AS o"
               " WHERE o.epoch = sync_key_boxes.epoch"
               " AND o.fingerprint = sync_key_boxes.fingerprint"
               " AND o.device_id < sync_key_boxes.device_id)")
    _primary_key("sync_key_boxes", ["epoch", "fingerprint"])
    _primary_key("sync_keys", ["epoch"])
    with op.batch_alter_table("sync_keys") as batch:
        batch.drop_column("recipients")
        batch.drop_column("maker")
