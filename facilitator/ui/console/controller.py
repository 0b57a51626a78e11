"""The console's controller: owns the workspace, the session and its latest state, makes every
service call and the undo, and tells the view what happened through signals. No widgets here:
the view (``window.ConsoleWindow``) lays out, dispatches keys and shows what the signals say.

Every service call is one intent = one committed transaction (``call``); after it the whole
state is read again (``refresh``), so the view never patches itself from a call's result. The
console's other reads (walk-in candidates, topic choices, the end summary…) go through ``read``,
so every failure reaches the view the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from facilitator.services import console as svc
from facilitator.services.console.dto import ConsoleState
from facilitator.services.workspace import Workspace

from ..errors import user_message


class ConsoleController(QObject):
    """One session's console, without widgets."""

    state_changed = Signal(object)
    """A fresh ``ConsoleState`` was read (after every refresh and every successful call)."""
    failed = Signal(str)
    """A call or a refresh failed: the human sentence to show (never a traceback)."""
    done = Signal(str)
    """A call went through: the confirmation to show (only when the caller gave one)."""

    def __init__(self, ws: Workspace, session_id: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.session_id = session_id
        self.state: ConsoleState | None = None
        self.last_error = ""

    def refresh(self) -> ConsoleState | None:
        """Re-read the whole console state at ``ws.clock.now()``; None (and ``failed``) if the
        read failed. Repeated refresh failures are reported once, not every second."""
        try:
            state = svc.console_state(self.ws, self.session_id)
        except Exception as error:  # reported through failed, never raised into Qt
            self.report(error, once=True)
            return None
        self.state = state
        self.state_changed.emit(state)
        if state.clock_problem:
            self.failed.emit(state.clock_problem)
        return state

    def call(self, service: Callable[..., Any], *args: Any, done: str = "",
             **kwargs: Any) -> Any:
        """``service(ws, *args, **kwargs)`` (one committed transaction), then a refresh. The
        result (True for None) on success; None after reporting the failure."""
        try:
            result = service(self.ws, *args, **kwargs)
        except Exception as error:  # reported through failed, never raised into Qt
            self.report(error)
            return None
        self.last_error = ""
        if done:
            self.done.emit(done)
        self.refresh()
        return result if result is not None else True

    def read(self, query: Callable[..., Any], *args: Any, fallback: Any = None,
             once: bool = False, **kwargs: Any) -> Any:
        """A query service's answer (``query(ws, *args, **kwargs)``, read-only, no refresh);
        ``fallback`` after reporting the failure through ``failed`` (``once``: as ``report``)."""
        try:
            return query(self.ws, *args, **kwargs)
        except Exception as error:  # reported through failed, never raised into Qt
            self.report(error, once=once)
            return fallback

    def undo(self) -> None:
        """Ctrl+Z: revert the last stored console action of this session."""
        undone = self.call(svc.undo_last, self.session_id)
        if undone is not None and undone is not True:
            self.done.emit(self.tr("Undone: {what}").format(what=undone.label))

    def report(self, error: BaseException, *, once: bool = False) -> None:
        """Emit ``failed`` with the error's human message (``once``: not again if unchanged)."""
        message = user_message(error)
        if once and message == self.last_error:
            return
        self.last_error = message
        self.failed.emit(message)
