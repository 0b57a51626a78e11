"""Audit events travel: every laptop holds every device's audit log, each chain checkable.

Each laptop's ``audit_events`` is its own hash chain, anchored outside the database
(``storage.anchor``); appending another device's events to it would break both the chain and
the anchors. So events travel *as they are* (id, time, user, action, entity, details and the
chain hashes the device computed) inside that device's signed, encrypted sync entries
(``"audit"`` in an entry's body), and a receiver stores them in ``peer_audit_events`` under the
device id, append-only: an event already held is never replaced, so nothing can conflict. The
receiver can then recompute every device's chain (``check_chain``) exactly like its own.

What goes out: every local event after the last one sent (``sync_marks``), in id order, with the
next entry; a round with nothing else to send does not seal an entry only for routine events
(its own ``sync.round``, sign-ins), which simply ride along with the next change. The
``user_id`` of a travelling event is the account's id on the device that wrote it (hashed, so
it is kept); the login beside it names the person. A restored or copied folder keeps the
original's log and continues it under its new device identity: its chain is checked from the
first event it sent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ...models.audit import GENESIS, AuditEvent, event_digest
from ...models.sync_security import PeerAuditEvent, SyncMark
from ...storage.bulk import BulkInsert
from .. import audit
from ..audit import AuditRow
from ..workspace import Workspace

SENT = "audit_sent"
# Events that do not justify an entry of their own (every round and sign-in writes one): they
# wait for the next change, or for any other event.
ROUTINE = frozenset({"sync.round", "login", "logout", "session.locked", "session.unlocked"})


def _mark(s: Session) -> SyncMark:
    mark = s.get(SyncMark, SENT)
    if mark is None:
        mark = SyncMark(name=SENT, value=0)
        s.add(mark)
    return mark


def outgoing(s: Session, *, with_changes: bool) -> list[dict[str, Any]]:
    """The local events not yet sent (marked sent now: they go into the entry being sealed in
    this transaction). Empty when only routine events wait and nothing else is sent."""
    mark = _mark(s)
    waiting = list(s.scalars(select(AuditEvent).where(AuditEvent.id > mark.value)
                             .order_by(AuditEvent.id)))
    if not waiting or (not with_changes and all(e.action in ROUTINE for e in waiting)):
        return []
    mark.value = waiting[-1].id
    return [{"id": e.id, "at": e.at.isoformat(), "user_id": e.user_id, "login": e.login,
             "action": e.action, "entity": e.entity, "entity_id": e.entity_id,
             "details": e.details, "prev_hash": e.prev_hash, "hash": e.hash}
            for e in waiting]


def store(s: Session, device_id: str, events: list[dict[str, Any]]) -> int:
    """Keep another device's events (those not held yet); returns how many were new."""
    held = set(s.scalars(select(PeerAuditEvent.id).where(
        PeerAuditEvent.device_id == device_id,
        PeerAuditEvent.id.in_([int(e["id"]) for e in events]))))
    fresh = [{"device_id": device_id, "id": int(e["id"]), "at": datetime.fromisoformat(e["at"]),
              "user_id": e["user_id"], "login": e["login"], "action": e["action"],
              "entity": e["entity"], "entity_id": e["entity_id"], "details": e["details"],
              "prev_hash": e["prev_hash"], "hash": e["hash"]}
             for e in events if int(e["id"]) not in held]
    if fresh:  # at once (a first pull keeps years of other devices' events)
        table, conn = PeerAuditEvent.__table__, s.connection()
        writer = BulkInsert.prepare(conn, table, tuple(fresh[0]))
        if writer is not None:  # every column is given, so always, unless one gains a
            writer.rows(conn, fresh)  # default computed per row
        else:
            s.execute(insert(table), fresh)
    return len(fresh)


@dataclass(frozen=True)
class PeerChain:
    """One device's audit chain as held here."""

    events: int
    first_id: int
    last_id: int
    head_hash: str
    problem: str | None


def check_chain(s: Session, device_id: str) -> PeerChain:
    """Recompute a device's audit chain from the first event held: each event's hash over its
    content and its predecessor's hash, ids without gaps."""
    prev, last, count, first = None, 0, 0, 0
    for ev in s.scalars(select(PeerAuditEvent).where(PeerAuditEvent.device_id == device_id)
                        .order_by(PeerAuditEvent.id)):
        expected = event_digest(ev.prev_hash if prev is None else prev, ev.id, ev.at,
                                ev.user_id, ev.login, ev.action, ev.entity, ev.entity_id,
                                ev.details)
        linked = prev is None or (ev.id == last + 1 and ev.prev_hash == prev)
        if prev is None and ev.id == 1 and ev.prev_hash != GENESIS:
            linked = False
        if not linked or ev.hash != expected:
            return PeerChain(count, first, last, prev or GENESIS,
                             f"audit chain broken at event {ev.id}")
        first = first or ev.id
        prev, last, count = ev.hash, ev.id, count + 1
    return PeerChain(count, first, last, prev or GENESIS, None)


def devices_with_events(s: Session) -> list[str]:
    return list(s.scalars(select(PeerAuditEvent.device_id).distinct()))


def peer_events(s: Session, *, action_prefix: str = "", login: str = "",
                since: datetime | None = None, until: datetime | None = None,
                limit: int = 2000) -> list[tuple[AuditRow, str]]:
    """Other devices' events with their device id, newest first (the audit page's filters)."""
    q = audit.filtered(select(PeerAuditEvent).order_by(PeerAuditEvent.at.desc()).limit(limit),
                       PeerAuditEvent, action_prefix=action_prefix, login=login, since=since,
                       until=until)
    return [(AuditRow(e.id, e.at, e.login, e.action, e.entity, e.entity_id, dict(e.details)),
             e.device_id) for e in s.scalars(q)]


def clinic_events(ws: Workspace, *, action_prefix: str = "", login: str = "",
                  since: datetime | None = None, until: datetime | None = None,
                  limit: int = 2000) -> list[AuditRow]:
    """This laptop's events and every other device's, newest first by their own clocks, each
    with its device ("" for this laptop); the audit page's filters (admins and supervisors)."""
    filters = dict(action_prefix=action_prefix, login=login, since=since, until=until,
                   limit=limit)
    rows = audit.list_events(ws, **filters)  # type: ignore[arg-type]
    with ws.read() as s:
        rows += [replace(row, device=device) for row, device in peer_events(s, **filters)]
    rows.sort(key=lambda r: r.at, reverse=True)
    return rows[:limit]
