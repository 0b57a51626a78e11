"""Letters typed into a text field are text, never board actions, even right after the
shortcuts overlay (F1) was opened and closed from that field."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from facilitator.services import console as svc
from facilitator.services.workspace import Workspace

from .conftest import DemoGroup
from .helpers import press, type_keys
from .test_console_panels import console, running_session


def _statuses(ws: Workspace, sid: int) -> dict[int, str]:
    return {a.participant_id: a.status for a in svc.roster(ws, sid)}


def test_help_overlay_while_typing_a_jot_keeps_the_keys_in_the_jot(
        qtbot: QtBot, therapist_ws: Workspace, demo_group: DemoGroup) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    window = console(qtbot, ws, sid)
    type_keys(qtbot, window, "1")  # first tile selected
    press(qtbot, window, Qt.Key.Key_J)
    press(qtbot, window, Qt.Key.Key_Return)  # keep the selected participant, on to the text
    type_keys(qtbot, window, "shared ")
    before = _statuses(ws, sid)
    press(qtbot, window, Qt.Key.Key_F1)  # what was that key again?
    assert window.overlay.isVisible()
    press(qtbot, window, Qt.Key.Key_Escape)
    assert not window.overlay.isVisible()
    type_keys(qtbot, window, "pad")  # p = present, a = absent, d = departed on the board
    assert _statuses(ws, sid) == before
    press(qtbot, window, Qt.Key.Key_F1)
    type_keys(qtbot, window, "la")  # a key that closes the overlay is still text
    assert _statuses(ws, sid) == before
    assert window.jots.text() == "shared padla"
    # From the board the overlay still never blocks an action: the key falls through.
    press(qtbot, window, Qt.Key.Key_Escape)  # leave the jot panel
    press(qtbot, window, Qt.Key.Key_F1)
    type_keys(qtbot, window, "2p")
    second = window.board_model.row_view(1).participant_id
    assert _statuses(ws, sid)[second] == "present"
