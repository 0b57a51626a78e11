"""The Qt binding must not leak or over-release references on calls the console makes every
second. PySide6 6.12.0 on Python 3.11 released one reference to ``None`` per void call (and one to
``True`` per signal emit) and aborted the process after ~50,000 label updates: under an hour of a
running block. This guards the pinned version against such a regression."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

CALLS = 2_000


class _Emitter(QObject):
    changed = Signal(bool)


def test_void_calls_and_emits_keep_refcounts(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    emitter = _Emitter()
    seen: list[bool] = []
    emitter.changed.connect(seen.append)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for i in range(CALLS):
        label.setText(str(i))  # a void call, like every timer refresh
        label.setEnabled(True)
        emitter.changed.emit(True)
    seen.clear()
    # Other code may hold a few references meanwhile; a per-call leak or release shows as
    # thousands.
    assert abs(sys.getrefcount(None) - none_before) < CALLS // 10
    assert abs(sys.getrefcount(True) - true_before) < CALLS // 10
