"""The audit log: append-only and hash-chained.

Each event stores SHA-256 over its id, its own content and the previous event's hash
(``models.audit.event_digest``), so any edit, deletion or reordering breaks the chain at the first
tampered row, which ``verify_chain`` names. Ids run 1, 2, 3… and are never handed out twice
(AUTOINCREMENT): a gap, or a sequence counter ahead of the newest row, shows that events were
deleted. Triggers in the database refuse UPDATE and DELETE on the table as well. What the
database alone cannot show (someone with the key rewriting the whole chain) is caught by the
anchors kept outside it (``storage.anchor``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, func, insert, select, text
from sqlalchemy.orm import Session

from ..models.audit import GENESIS, AuditEvent, event_digest
from ..models.users import Clinic
from .workspace import Workspace

__all__ = ["GENESIS", "AuditRow", "ChainHead", "ChainReport", "append", "chain_head",
           "filtered", "list_events", "record", "verify_chain"]

# Built once: every audited write runs these two, and building an ORM select per event cost
# more than SQLite spends running it (cProfile of a console action).
_EVENTS = AuditEvent.__table__.c
_NEWEST = select(_EVENTS.id, _EVENTS.hash).order_by(_EVENTS.id.desc()).limit(1)
_SEQUENCE = text("SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'")


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    login: str
    action: str
    entity: str
    entity_id: str
    details: dict[str, Any]
    device: str = ""
    """The device it happened on: "" for this laptop, else a clinic sync device id."""


@dataclass(frozen=True)
class ChainReport:
    events: int
    """Events verified, from the first up to the first problem (all of them when intact)."""
    first_bad_id: int | None
    head_hash: str = GENESIS
    """The hash of the last verified event (what a clinic can note on paper)."""
    problem: str | None = None
    """One line without PHI saying what is wrong; None when the chain is intact."""

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class ChainHead:
    events: int
    head_hash: str


def chain_head(ws: Workspace) -> ChainHead:
    """The number and hash of the newest event. Written down on paper now and then, it lets a
    clinic prove later that no event up to it was removed or rewritten, even by someone holding
    the key (admins and supervisors)."""
    ws.require("admin", "supervisor")
    with ws.read() as s:
        row = s.execute(select(AuditEvent.id, AuditEvent.hash)
                        .order_by(AuditEvent.id.desc()).limit(1)).first()
    return ChainHead(row.id, row.hash) if row is not None else ChainHead(0, GENESIS)


def _sequence(session: Session) -> int:
    """The highest id SQLite has ever handed out for the log (0 elsewhere or before any)."""
    if session.get_bind().dialect.name != "sqlite":
        return 0
    seq = session.scalar(_SEQUENCE)
    return int(seq or 0)


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
    session.flush()  # a Core select does not autoflush: the caller's pending events come first
    last = session.execute(_NEWEST).first()
    prev = last.hash if last is not None else GENESIS
    # The id is hashed, so it is chosen here rather than by the INSERT; the caller's BEGIN
    # IMMEDIATE holds the write lock, so no other writer can take the same one meanwhile.
    event_id = max(_sequence(session), last.id if last is not None else 0) + 1
    clean = _jsonable(details or {})
    values = {"id": event_id, "at": at, "user_id": user_id, "login": login, "action": action,
              "entity": entity, "entity_id": str(entity_id), "details": clean,
              "prev_hash": prev,
              "hash": event_digest(prev, event_id, at, user_id, login, action, entity,
                                   str(entity_id), clean)}
    # A Core insert: every audited action writes one, and the ORM's unit of work for a single
    # new row cost a console action ~0.3 ms more. The event returned is not in the session.
    session.execute(insert(AuditEvent), [values])
    return AuditEvent(**values)


def record(session: Session, ws: Workspace, action: str, entity: str = "",
           entity_id: object = "", **details: Any) -> AuditEvent:
    """Audit an action of the signed-in user."""
    return append(
        session, at=ws.clock.now(), user_id=ws.actor.user_id, login=ws.actor.login,
        action=action, entity=entity, entity_id=entity_id, details=details,
    )


def verify_chain(session: Session, batch: int = 5000,
                 on_batch: Callable[[int], None] | None = None) -> ChainReport:
    """Walk the whole log in id order and report the first event that does not follow from the
    one before it (edited, inserted, renumbered, or with events missing before it), a log whose
    newest events were deleted, and an empty log in a clinic that exists (set-up itself writes
    the first events). ``on_batch`` receives the number of events checked after each batch."""
    prev = GENESIS
    last_id = 0
    while True:
        rows: Sequence[AuditEvent] = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            break
        for ev in rows:
            expected = event_digest(prev, ev.id, ev.at, ev.user_id, ev.login, ev.action,
                                    ev.entity, ev.entity_id, ev.details)
            if ev.id != last_id + 1 or ev.prev_hash != prev or ev.hash != expected:
                return ChainReport(last_id, ev.id, prev,
                                   f"audit chain broken at event {ev.id}")
            prev = ev.hash
            last_id = ev.id
        session.expunge_all()
        if on_batch is not None:
            on_batch(last_id)
    if _sequence(session) > last_id:
        return ChainReport(last_id, None, prev, f"audit log cut: the events after {last_id}"
                           f" (up to {_sequence(session)}) were deleted")
    if last_id == 0 and session.scalar(select(func.count()).select_from(Clinic)):
        return ChainReport(0, None, prev, "audit log empty although the clinic exists")
    return ChainReport(last_id, None, prev)


def filtered(q: Select[Any], model: Any, *, action_prefix: str, login: str,
             since: datetime | None, until: datetime | None) -> Select[Any]:
    """The audit page's filters on a query of ``model`` (this laptop's events, or other
    devices' events, ``sync.audit_travel``)."""
    if action_prefix:
        q = q.where(model.action.startswith(action_prefix))
    if login:
        q = q.where(func.lower(model.login) == login.casefold())
    if since is not None:
        q = q.where(model.at >= since)
    if until is not None:
        q = q.where(model.at < until)
    return q


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
        q = filtered(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit),
                     AuditEvent, action_prefix=action_prefix, login=login, since=since,
                     until=until)
        return [
            AuditRow(e.id, e.at, e.login, e.action, e.entity, e.entity_id, dict(e.details))
            for e in s.scalars(q)
        ]
