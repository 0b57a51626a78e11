"""The background-operation helper: work runs on a worker thread, results come back on the GUI
thread, the trigger is disabled meanwhile and failures become one human sentence."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from facilitator.services.errors import Conflict
from facilitator.ui import ops
from facilitator.ui.errors import user_message


def _widget(qtbot: QtBot) -> tuple[QWidget, QPushButton]:
    w = QWidget()
    button = QPushButton("Go", w)
    QVBoxLayout(w).addWidget(button)
    qtbot.addWidget(w)
    w.show()
    return w, button


def test_success_is_delivered_on_the_gui_thread(qtbot: QtBot) -> None:
    w, button = _widget(qtbot)
    gate = threading.Event()
    seen: dict[str, object] = {}
    progress: list[str] = []

    def work() -> int:
        seen["work_thread"] = threading.current_thread()
        gate.wait(10)
        return 42

    def success(value: int) -> None:
        seen["value"], seen["callback_thread"] = value, threading.current_thread()
        seen["enabled_in_callback"] = button.isEnabled()

    op = ops.run_in_background(w, work, on_success=success, busy=[button],
                               busy_text="Working…", progress=progress.append)
    # While the work runs the trigger is disabled and says so.
    assert not button.isEnabled() and button.text() == "Working…" and op.running
    with qtbot.waitSignal(op.finished, timeout=10_000):
        gate.set()
    assert seen["value"] == 42
    assert seen["work_thread"] is not threading.main_thread()
    assert seen["callback_thread"] is threading.main_thread()
    assert seen["enabled_in_callback"] is True
    assert button.isEnabled() and button.text() == "Go" and not op.running
    assert progress == ["Working…"]


def test_failure_is_delivered_on_the_gui_thread_as_the_error(qtbot: QtBot) -> None:
    w, button = _widget(qtbot)
    label = QLabel(w)
    failures: list[tuple[BaseException, threading.Thread]] = []

    def work() -> None:
        raise Conflict("That group is already running.")

    def failed(error: BaseException) -> None:
        failures.append((error, threading.current_thread()))
        label.setText(user_message(error))

    op = ops.run_in_background(w, work, on_success=lambda _: None, on_failure=failed,
                               busy=[button])
    with qtbot.waitSignal(op.finished, timeout=10_000):
        pass
    [(error, thread)] = failures
    assert isinstance(error, Conflict) and thread is threading.main_thread()
    assert label.text() == "That group is already running."
    assert button.isEnabled()


def test_unexpected_error_never_shows_a_traceback(qtbot: QtBot) -> None:
    w, _button = _widget(qtbot)
    messages: list[str] = []

    def work() -> None:
        raise KeyError("participant 'Zoë' row 7")  # driver-like text that may carry PHI

    op = ops.run_in_background(w, work, on_success=lambda _: None,
                               on_failure=lambda e: messages.append(user_message(e)))
    with qtbot.waitSignal(op.finished, timeout=10_000):
        pass
    assert messages and "Something went wrong" in messages[0]
    assert "Zoë" not in messages[0] and "Traceback" not in messages[0]


def test_progress_reports_from_the_work_arrive_in_order(qtbot: QtBot) -> None:
    w, _button = _widget(qtbot)
    seen: list[tuple[str, bool]] = []
    holder: dict[str, ops.Op] = {}
    started = threading.Event()

    def work() -> None:
        started.wait(10)
        for step in ("one", "two"):
            holder["op"].report(step)

    op = ops.run_in_background(
        w, work, on_success=lambda _: None,
        progress=lambda t: seen.append((t, threading.current_thread() is threading.main_thread())))
    holder["op"] = op
    with qtbot.waitSignal(op.finished, timeout=10_000):
        started.set()
    assert seen == [("one", True), ("two", True)]
