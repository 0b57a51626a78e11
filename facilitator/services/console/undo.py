"""Undo for the live console: a per-session log of row changes, reverted newest first.

Each console action opens an ``UndoEntry`` inside its transaction, tells it which rows it
inserts, updates (old values captured *before* the change) and deletes (whole row captured), and
stores it as one ``ConsoleAction`` row (``UndoEntry.store``; the caller's transaction commits it).
``undo_last`` replays those changes backwards with plain SQL, so undo works for every kind of
action without per-kind code. Opening an entry also guards against a clock that jumped
backwards: nothing is written when now is earlier than the last stored action.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Date, DateTime, Table, Time, delete, insert, select, update
from sqlalchemy.orm import Session

from ...models.base import Base
from ...models.sessions import ConsoleAction, GroupSession
from ...storage.sync_capture import came_back
from .. import audit
from ..errors import Conflict
from ..workspace import Workspace
from ._common import clock_text, load_session
from .board import LAST_EVENT, LAST_SEQ
from .dto import ActionView, ClockMovedBack


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _decode(table: Table, column: str, value: Any) -> Any:
    if value is None:
        return None
    kind = table.c[column].type
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Time):
        return time.fromisoformat(value)
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return datetime.fromisoformat(value)
    return value


def row_snapshot(obj: Base) -> dict[str, Any]:
    """Every column of a row, JSON-ready (what a "delete" change stores to re-insert it)."""
    table = obj.__table__  # type: ignore[attr-defined]
    return {c.name: _encode(getattr(obj, c.key)) for c in table.columns}


def _pk(obj: Base) -> dict[str, Any]:
    table = obj.__table__  # type: ignore[attr-defined]
    return {c.name: getattr(obj, c.key) for c in table.primary_key.columns}


def last_event_at(s: Session, sess: GroupSession) -> datetime | None:
    """The latest stored instant of the session's console history."""
    s.flush()  # a Core select does not autoflush: an earlier entry of this transaction
    return latest_instant(s.scalar(LAST_EVENT, {"sid": sess.id}), sess.actual_start,
                          sess.actual_end)


def latest_instant(last_action_at: datetime | None, actual_start: datetime | None,
                   actual_end: datetime | None) -> datetime | None:
    """The latest of the newest console action's time and the session's actual start and end."""
    # The newest entry by seq is also the latest in time: every entry is stamped with a "now"
    # that this very guard (``clock_problem``) refused to let go back. Reading that one row
    # through the (session_id, seq) key (``board.LAST_EVENT``) replaces max(at), which read
    # every entry of the block (their undo payloads included) on each action and each
    # one-second refresh: ~3 ms late in a long block.
    times = [t for t in (last_action_at, actual_start, actual_end) if t is not None]
    return max(times) if times else None


def clock_problem(ws: Workspace, last: datetime | None, now: datetime) -> str | None:
    if last is None or now >= last:
        return None
    return (f"The computer's clock reads {clock_text(now, ws.timezone)}, earlier than the last "
            f"recorded action at {clock_text(last, ws.timezone)} (was the date or time changed?). "
            "Nothing was saved; correct the clock and try again.")


class UndoEntry:
    """Collects the row changes of one console action; ``store`` adds it (and its audit event)
    to the caller's transaction. Several entries may share one transaction (e.g. starting a
    segment and adopting its planned topic), each undone by its own Ctrl+Z."""

    def __init__(self, s: Session, ws: Workspace, sess: GroupSession) -> None:
        self.s, self.ws, self.sess = s, ws, sess
        self.now = ws.clock.now()
        problem = clock_problem(ws, last_event_at(s, sess), self.now)
        if problem:
            raise ClockMovedBack(problem)
        self._changes: list[dict[str, Any]] = []

    def inserted(self, obj: Base) -> None:
        """Call after adding ``obj`` (it is flushed here to learn its key)."""
        self.s.flush()
        self._changes.append({"op": "insert", "table": obj.__tablename__, "pk": _pk(obj)})

    def inserted_ids(self, model: type[Base]) -> set[object]:
        """Primary keys (single-column) of the ``model`` rows this action has inserted so far."""
        name = model.__tablename__
        return {next(iter(c["pk"].values())) for c in self._changes
                if c["op"] == "insert" and c["table"] == name and len(c["pk"]) == 1}

    def updating_row(self, obj: Base) -> None:
        """Call *before* changing any column of ``obj`` but its primary key."""
        table = obj.__table__  # type: ignore[attr-defined]
        self.updating(obj, *(c.key for c in table.columns if not c.primary_key))

    def updating(self, obj: Base, *columns: str) -> None:
        """Call *before* changing ``columns`` of ``obj``."""
        before = {c: _encode(getattr(obj, c)) for c in columns}
        self._changes.append({"op": "update", "table": obj.__tablename__, "pk": _pk(obj),
                             "before": before})

    def deleting(self, obj: Base) -> None:
        """Call *before* deleting ``obj``."""
        self._changes.append({"op": "delete", "table": obj.__tablename__,
                             "row": row_snapshot(obj)})

    def store(self, kind: str, label: str, entity: str = "session", entity_id: object = None,
              **details: Any) -> int:
        """Add the entry (next sequence number of the session) and its audit event to the
        caller's transaction. Nothing is committed here: the service's ``ws.transaction()``
        commits the entry together with the changes it describes."""
        self.s.flush()  # a Core select does not autoflush: an earlier entry of this transaction
        seq = (self.s.scalar(LAST_SEQ, {"sid": self.sess.id}) or 0) + 1
        self.s.add(ConsoleAction(session_id=self.sess.id, seq=seq, at=self.now,
                                 user_id=self.ws.actor.user_id, kind=kind, label=label,
                                 payload={"changes": self._changes}, undone=False))
        audit.record(self.s, self.ws, f"console.{kind}", entity,
                     self.sess.id if entity_id is None else entity_id,
                     session_id=self.sess.id, seq=seq, **details)
        return seq


def _revert(s: Session, change: dict[str, Any]) -> None:
    table = _table(change["table"])
    if change["op"] == "delete":
        row = {k: _decode(table, k, v) for k, v in change["row"].items()}
        came_back(s.connection(), change["table"], row)  # the same record, for clinic sync
        s.execute(insert(table).values(**row))
        return
    where = [table.c[k] == v for k, v in change["pk"].items()]
    if change["op"] == "insert":
        s.execute(delete(table).where(*where))
    else:
        values = {k: _decode(table, k, v) for k, v in change["before"].items()}
        s.execute(update(table).where(*where).values(**values))


def _view(a: ConsoleAction) -> ActionView:
    return ActionView(a.seq, a.kind, a.label, a.at, a.undone)


def _last(s: Session, session_id: int) -> ConsoleAction | None:
    return s.scalar(select(ConsoleAction).where(ConsoleAction.session_id == session_id,
                                                ConsoleAction.undone.is_(False))
                    .order_by(ConsoleAction.seq.desc()).limit(1))


def undo_last(ws: Workspace, session_id: int) -> ActionView:
    """Revert the last not-undone action of the session (audited). Conflict if there is none."""
    with ws.transaction() as s:
        sess = load_session(s, session_id)
        now = ws.clock.now()
        problem = clock_problem(ws, last_event_at(s, sess), now)
        if problem:
            raise ClockMovedBack(problem)
        action = _last(s, session_id)
        if action is None:
            raise Conflict("There is nothing to undo in this block.")
        for change in reversed(action.payload.get("changes", [])):
            _revert(s, change)
        action.undone = True
        audit.record(s, ws, "console.undo", "session", session_id, seq=action.seq,
                     kind=action.kind)
        s.expire_all()  # rows changed behind the ORM's back
        return _view(action)


def last_action(ws: Workspace, session_id: int) -> ActionView | None:
    """The action ``undo_last`` would revert, or None."""
    with ws.read() as s:
        action = _last(s, session_id)
        return _view(action) if action else None


def actions(ws: Workspace, session_id: int) -> list[ActionView]:
    """The session's action log, oldest first."""
    with ws.read() as s:
        return [_view(a) for a in s.scalars(select(ConsoleAction).where(
            ConsoleAction.session_id == session_id).order_by(ConsoleAction.seq))]
