"""audit log: event ids in each hash, ids never reused (AUTOINCREMENT); the chain is rehashed

Revision ID: 0007
Revises: 0005 (the lead re-points this to 0006 when merging the progress-notes branch)

The event hash now covers the event's id (``models.audit.event_digest``) and ids come from an
AUTOINCREMENT sequence, so deleted events leave a gap and a renumbered row breaks the chain.
SQLite cannot add AUTOINCREMENT to a table, so ``audit_events`` is rebuilt, and the existing
chain is **rehashed** in the new format. The append-only triggers must be dropped for that (they
refuse the DELETE of the old rows) and are re-created on the new table before this migration's
transaction commits; the migration runs inside one transaction, after the pre-upgrade backup,
so no state without the triggers is ever committed.

Rehashing must not launder tampering: the old chain is checked in the old format while it is
rehashed, and from its first broken event on the rows are copied with their old hashes, so
``verify`` still names that event afterwards. A final ``audit.rehashed`` event records how many
events were rehashed and the old head hash (which a clinic may have noted on paper).
Downgrade rebuilds the old table and rehashes in the old format the same way.
"""

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import facilitator.models.base
from facilitator.models.audit import GENESIS, event_digest
from facilitator.storage.guards import GUARDS

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("id", "at", "user_id", "login", "action", "entity", "entity_id", "details",
            "prev_hash", "hash")
Digest = Callable[[str, dict[str, Any]], str]


def _v1(prev: str, row: dict[str, Any]) -> str:
    """The format before this revision (no id), frozen here: it must never change."""
    payload = json.dumps(
        [prev, row["at"].isoformat(), row["user_id"], row["login"], row["action"],
         row["entity"], row["entity_id"], row["details"]],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _v2(prev: str, row: dict[str, Any]) -> str:
    return event_digest(prev, row["id"], row["at"], row["user_id"], row["login"],
                        row["action"], row["entity"], row["entity_id"], row["details"])


def _table(name: str) -> sa.TableClause:
    return sa.table(
        name, sa.column("id", sa.Integer()),
        sa.column("at", facilitator.models.base.UTCDateTime(timezone=True)),
        sa.column("user_id", sa.Integer()), sa.column("login", sa.String()),
        sa.column("action", sa.String()), sa.column("entity", sa.String()),
        sa.column("entity_id", sa.String()), sa.column("details", sa.JSON()),
        sa.column("prev_hash", sa.String()), sa.column("hash", sa.String()),
    )


def _triggers() -> None:
    for guard in GUARDS:
        if guard.table == "audit_events":
            op.execute(guard.sql())


def _rebuild(*, autoincrement: bool, old: Digest, new: Digest) -> None:
    bind = op.get_bind()
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    op.create_table(
        "audit_events_rebuilt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
        sqlite_autoincrement=autoincrement,
    )
    source, target = _table("audit_events"), _table("audit_events_rebuilt")
    old_prev = new_prev = GENESIS
    intact, count, batch = True, 0, []
    for mapping in bind.execute(sa.select(source).order_by(source.c.id)).mappings():
        row = dict(mapping)
        # Only a row that follows from its predecessor in the old format is rehashed.
        intact = intact and row["prev_hash"] == old_prev and row["hash"] == old(old_prev, row)
        old_prev = row["hash"]
        if intact:
            row["prev_hash"], row["hash"] = new_prev, new(new_prev, row)
            count += 1
        new_prev = row["hash"]
        batch.append(row)
        if len(batch) >= 2000:
            bind.execute(target.insert(), batch)
            batch = []
    if batch:
        bind.execute(target.insert(), batch)
    op.drop_table("audit_events")
    op.rename_table("audit_events_rebuilt", "audit_events")
    op.create_index("ix_audit_events_action", "audit_events", ["action"], unique=False)
    op.create_index("ix_audit_events_at", "audit_events", ["at"], unique=False)
    _triggers()
    if count and autoincrement:
        row = {"id": count + 1 if intact else _next_id(bind), "at": datetime.now(UTC),
               "user_id": None, "login": "", "action": "audit.rehashed", "entity": "",
               "entity_id": "", "details": {"events": count, "old_head": old_prev},
               "prev_hash": new_prev}
        row["hash"] = new(new_prev, row)
        bind.execute(_table("audit_events").insert(), [row])


def _next_id(bind: sa.Connection) -> int:
    return int(bind.scalar(sa.text("SELECT coalesce(max(id), 0) + 1 FROM audit_events")))


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild(autoincrement=True, old=_v1, new=_v2)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild(autoincrement=False, old=_v2, new=_v1)
