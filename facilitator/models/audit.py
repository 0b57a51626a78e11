"""The append-only, hash-chained audit log (triggers in the migrations refuse UPDATE/DELETE).

``event_digest`` is the one definition of an event's hash: the service that appends events, the
verification and the migration that rehashed older chains all call it, and a known-answer test
pins its output, so a change of the genesis value, key order or separators cannot slip in.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

GENESIS = "0" * 64
"""The ``prev_hash`` of the first event of a chain."""
CHAIN_FORMAT = 2
"""2: ids hashed, AUTOINCREMENT ids (migration 0007); 1 before. Anchors recorded in another
format (e.g. in a backup taken before 0007 rehashed the chain) cannot be compared."""


def event_digest(prev: str, event_id: int, at: datetime, user_id: int | None, login: str,
                 action: str, entity: str, entity_id: str, details: dict[str, Any]) -> str:
    """SHA-256 (hex) of one event and its predecessor's hash. The id is part of it, so a row
    cannot be renumbered (e.g. to close the gap left by deleted events) without breaking it."""
    payload = json.dumps(
        [prev, event_id, at.isoformat(), user_id, login, action, entity, entity_id, details],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AuditEvent(Base):
    __tablename__ = "audit_events"
    # AUTOINCREMENT: an id is never handed out twice, even after the newest rows were deleted,
    # so truncating the tail and appending again leaves a visible gap.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None]  # no FK: the log must outlive any row it mentions
    login: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(64), default="")
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
