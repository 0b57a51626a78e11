"""Slow work off the GUI thread, in the spirit of Anki's ``CollectionOp`` / ``QueryOp``.

``run_in_background(parent, work, on_success=...)`` runs ``work()`` on a worker thread and calls
``on_success(result)`` or ``on_failure(error)`` back on the GUI thread (queued signals). While it
runs, the widgets named in ``busy`` are disabled and a button among them may show ``busy_text``
("Signing in…"); ``progress`` receives that text and anything the work reports through
``Op.report``. ``run_cancellable`` hands the work its ``Op`` so a long batch can report
progress and stop at ``op.cancelled()`` after a Cancel button called ``op.cancel()``. Failures
never show a traceback: the default handler shows
``errors.user_message`` in the window's status bar (or a message box before sign-in).

The work must not touch widgets: it calls services, which are Qt-free. Each service call opens
its own short transaction, so a worker and the GUI thread never share an ORM session.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, Signal
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from .errors import user_message

T = TypeVar("T")

_pool: QThreadPool | None = None
# Relays whose work is still running or whose result is not yet delivered. Holding them here
# keeps them (and the op and callbacks they carry) alive until then.
_running: set[_Relay] = set()


def pool() -> QThreadPool:
    """The thread pool for background operations (two threads: the machine's cores are shared
    with the live console, and ops are few and short)."""
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(2)
    return _pool


def wait_for_ops(timeout_ms: int = 30_000) -> bool:
    """Block until every running op has finished and delivered its callbacks (scripts and
    shutdown only; the GUI must not call this from a slot while the user waits)."""
    done = pool().waitForDone(timeout_ms)
    QCoreApplication.processEvents()
    return done and not _running


class _Relay(QObject):
    """Carries an op's outcome from the worker thread to the GUI thread.

    Created on the GUI thread without a parent and kept in ``_running`` until it has delivered,
    so the queued ``done`` signal always reaches a live receiver even when the widget that
    started the op is gone. The outcome travels as a Python attribute and the signal carries
    nothing: no Python object is ever marshalled through a queued Qt connection."""

    done = Signal()
    progressed = Signal(str)

    def __init__(self, op: Op) -> None:
        super().__init__()
        self.op = op
        self.outcome: tuple[bool, Any] | None = None
        self.done.connect(self._on_done)
        self.progressed.connect(self._on_progressed)

    def run(self, work: Callable[[], Any]) -> None:
        """On the worker thread: no widgets here."""
        try:
            self.outcome = (True, work())
        except Exception as error:  # delivered to on_failure, never raised into Qt
            self.outcome = (False, error)
        self.done.emit()

    def _on_done(self) -> None:
        _running.discard(self)
        op, outcome = self.op, self.outcome
        self.outcome = None
        if outcome is not None and shiboken6.isValid(op):
            op._deliver(*outcome)

    def _on_progressed(self, text: str) -> None:
        if shiboken6.isValid(self.op):
            self.op._show_progress(text)


class Op(QObject):
    """One background operation, owned by the widget that started it."""

    finished = Signal()
    """Emitted on the GUI thread after the success or failure callback has run."""

    def __init__(self, parent: QWidget, work: Callable[[], Any], *,
                 on_success: Callable[[Any], None],
                 on_failure: Callable[[BaseException], None] | None = None,
                 busy: Sequence[QWidget] = (), busy_text: str | None = None,
                 progress: Callable[[str], None] | None = None) -> None:
        super().__init__(parent)
        self._work = work
        self._on_success = on_success
        self._on_failure = on_failure or _default_failure(parent)
        self._busy = list(busy)
        self._busy_text = busy_text
        self._progress = progress
        self._saved_texts: dict[int, str] = {}
        self.running = False
        self._relay = _Relay(self)
        self._cancel = threading.Event()
        self._cancel_button: QAbstractButton | None = None

    def cancel(self) -> None:
        """Ask the work to stop (GUI thread); the work checks ``cancelled()`` between steps."""
        self._cancel.set()

    def cancelled(self) -> bool:
        """True once ``cancel`` was called (safe from the worker thread)."""
        return self._cancel.is_set()

    def report(self, text: str) -> None:
        """Progress text from the work (any thread); shown through ``progress``."""
        self._relay.progressed.emit(text)

    def start(self) -> Op:
        self.running = True
        for widget in self._busy:
            if self._busy_text and isinstance(widget, QAbstractButton):
                self._saved_texts[id(widget)] = widget.text()
                widget.setText(self._busy_text)
            widget.setEnabled(False)
        self._show_progress(self._busy_text or "")
        relay, work = self._relay, self._work
        _running.add(relay)
        pool().start(lambda: relay.run(work))
        return self

    # -- back on the GUI thread ------------------------------------------------------------
    def _show_progress(self, text: str) -> None:
        if text and self._progress is not None:
            self._progress(text)

    def _restore_widgets(self) -> None:
        button = self._cancel_button
        if button is not None and shiboken6.isValid(button):
            button.clicked.disconnect(self.cancel)
            button.hide()
        for widget in self._busy:
            if not shiboken6.isValid(widget):
                continue
            saved = self._saved_texts.get(id(widget))
            if saved is not None and isinstance(widget, QAbstractButton):
                widget.setText(saved)
            widget.setEnabled(True)

    def _deliver(self, ok: bool, value: Any) -> None:
        self._restore_widgets()
        self.running = False
        try:
            if ok:
                try:
                    self._on_success(value)
                except Exception as error:  # a bug in the callback: report it like a failure
                    self._on_failure(error)
            else:
                self._on_failure(value)
        except Exception as bug:
            user_message(bug)  # logs the type; nothing more can be shown safely
        # Done: forget the callbacks so a finished op (often kept by its widget) does not
        # keep that widget's Python side alive in a reference cycle.
        self._work = self._on_success = self._on_failure = _nothing
        self._busy, self._progress = [], None
        self.finished.emit()


def _nothing(*_args: object) -> None:
    return None


def _default_failure(parent: QWidget) -> Callable[[BaseException], None]:
    def show(error: BaseException) -> None:
        text = user_message(error)
        if not shiboken6.isValid(parent):
            return
        window = parent.window()
        status = getattr(window, "status_message", None)
        if callable(status):
            status(text, 12_000)
        else:
            QMessageBox.warning(window, window.windowTitle(), text)

    return show


def run_in_background(parent: QWidget, work: Callable[[], T], *,
                      on_success: Callable[[T], None],
                      on_failure: Callable[[BaseException], None] | None = None,
                      busy: Sequence[QWidget] = (), busy_text: str | None = None,
                      progress: Callable[[str], None] | None = None) -> Op:
    """Start ``work`` on a worker thread; see the module docstring. Returns the running
    ``Op`` (its ``finished`` signal is what tests wait on)."""
    return Op(parent, work, on_success=on_success, on_failure=on_failure, busy=busy,
              busy_text=busy_text, progress=progress).start()


def run_cancellable(parent: QWidget, work: Callable[[Op], T], *,
                    on_success: Callable[[T], None],
                    on_failure: Callable[[BaseException], None] | None = None,
                    busy: Sequence[QWidget] = (), busy_text: str | None = None,
                    progress: Callable[[str], None] | None = None,
                    cancel_button: QAbstractButton | None = None) -> Op:
    """Like ``run_in_background``, but ``work`` receives its ``Op`` (to ``report`` progress and
    stop when ``cancelled()``); ``cancel_button`` is shown while it runs and cancels it."""
    holder: list[Op] = []
    op = Op(parent, lambda: work(holder[0]), on_success=on_success, on_failure=on_failure,
            busy=busy, busy_text=busy_text, progress=progress)
    holder.append(op)
    if cancel_button is not None:
        op._cancel_button = cancel_button
        cancel_button.clicked.connect(op.cancel)
        cancel_button.setEnabled(True)
        cancel_button.show()
    return op.start()
