"""The audit log: append-only and hash-chained.

Each event stores SHA-256 over its own content and the previous event's hash, so any edit, deletion
or reordering breaks the chain at the first tampered row, which ``verify_chain`` names. Triggers in
the database refuse UPDATE and DELETE on the table as well.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models.audit import AuditEvent
from .workspace import Workspace

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    login: str
    action: str
    entity: str
    entity_id: str
    details: dict[str, Any]


@dataclass(frozen=True)
class ChainReport:
    events: int
    first_bad_id: int | None

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def _digest(prev: str, at: datetime, user_id: int | None, login: str, action: str,
            entity: str, entity_id: str, details: dict[str, Any]) -> str:
    payload = json.dumps(
        [prev, at.isoformat(), user_id, login, action, entity, entity_id, details],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    def fix(v: Any) -> Any:
        if isinstance(v, datetime | date):
            return v.isoformat()
        if isinstance(v, dict):
            return {str(k): fix(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [fix(x) for x in v]
        return v

    return fix(details)


def append(
    session: Session,
    *,
    at: datetime,
    user_id: int | None,
    login: str,
    action: str,
    entity: str = "",
    entity_id: object = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event inside the caller's transaction (which holds the write lock)."""
    # The column stores UTC; hashing the very value that is read back keeps verify_chain from
    # reporting valid rows as tampered when a caller passes another (aware) zone.
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the audit log")
    at = at.astimezone(UTC)
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    prev = prev or GENESIS
    clean = _jsonable(details or {})
    event = AuditEvent(
        at=at, user_id=user_id, login=login, action=action, entity=entity,
        entity_id=str(entity_id), details=clean, prev_hash=prev,
        hash=_digest(prev, at, user_id, login, action, entity, str(entity_id), clean),
    )
    session.add(event)
    session.flush()
    return event


def record(session: Session, ws: Workspace, action: str, entity: str = "",
           entity_id: object = "", **details: Any) -> AuditEvent:
    """Audit an action of the signed-in user."""
    return append(
        session, at=ws.clock.now(), user_id=ws.actor.user_id, login=ws.actor.login,
        action=action, entity=entity, entity_id=entity_id, details=details,
    )


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    prev = GENESIS
    count = 0
    last_id = 0
    while True:
        rows: Sequence[AuditEvent] = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return ChainReport(count, None)
        for ev in rows:
            expected = _digest(prev, ev.at, ev.user_id, ev.login, ev.action, ev.entity,
                               ev.entity_id, ev.details)
            if ev.prev_hash != prev or ev.hash != expected:
                return ChainReport(count, ev.id)
            prev = ev.hash
            count += 1
            last_id = ev.id
        session.expunge_all()


def list_events(
    ws: Workspace,
    *,
    action_prefix: str = "",
    login: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 2000,
) -> list[AuditRow]:
    """Newest first, filtered; admins and supervisors only."""
    ws.require("admin", "supervisor")
    with ws.read() as s:
        q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if action_prefix:
            q = q.where(AuditEvent.action.startswith(action_prefix))
        if login:
            q = q.where(func.lower(AuditEvent.login) == login.casefold())
        if since is not None:
            q = q.where(AuditEvent.at >= since)
        if until is not None:
            q = q.where(AuditEvent.at < until)
        return [
            AuditRow(e.id, e.at, e.login, e.action, e.entity, e.entity_id, dict(e.details))
            for e in s.scalars(q)
        ]
