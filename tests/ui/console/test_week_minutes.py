"""Tiles and the end summary show this week's hours beside today's minutes (payers check both)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import console as svc
from facilitator.services.workspace import Workspace
from facilitator.ui.console.board import MinutesRole

from .conftest import DemoGroup
from .helpers import press, visible_text
from .test_console_panels import console, running_session


def test_week_hours_on_tiles_and_in_summary(qtbot: QtBot, therapist_ws: Workspace,
                                            demo_group: DemoGroup, clock: FakeClock) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    svc.mark_present(ws, sid, demo_group.participant_ids[0])  # Robin Sampleton
    clock.advance(minutes=90)  # check-in runs over: 90 minutes present, no break yet
    window = console(qtbot, ws, sid)
    window.refresh()
    model = window.board_model
    row = next(r for r in range(model.rowCount())
               if model.index(r, 0).data() == "Robin Sampleton")
    assert model.index(row, 0).data(MinutesRole) == "90/180 min today · 1.5/9 h week"
    press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.summary
    text = visible_text(window.summary)
    assert "✔ 1.5 of 9 h" not in text and "1.5 of 9 h" in text  # below the weekly minimum
