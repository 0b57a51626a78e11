"""An ad hoc session on a day the group does not meet: started from the Today page, inline."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import console as svc
from facilitator.services.workspace import Workspace
from facilitator.ui.console.today import TodayPage

from .conftest import DemoGroup


def test_ad_hoc_session_from_the_today_page(qtbot: QtBot, therapist_ws: Workspace,
                                            demo_group: DemoGroup, clock: FakeClock) -> None:
    clock.advance(timedelta(days=1))  # Tuesday: the Monday group is not on today's list
    page = TodayPage(therapist_ws)
    qtbot.addWidget(page)
    page.show()
    assert page.model.rowCount() == 0
    qtbot.mouseClick(page.ad_hoc_button, Qt.MouseButton.LeftButton)
    assert page.ad_hoc.isVisible() and page.ad_hoc.minutes.value() == 180  # the group's block
    page.ad_hoc.minutes.setValue(90)
    qtbot.keyClick(page.ad_hoc, Qt.Key.Key_Return)
    [entry] = svc.today_sessions(therapist_ws)
    assert entry.group_id == demo_group.group_id and entry.status == "running"
    session = svc.get_session(therapist_ws, entry.session_id)
    assert session.planned_end - session.planned_start == timedelta(minutes=90)
    assert session.actual_start == clock.now()
    assert not page.ad_hoc.isVisible() and page.model.rowCount() == 1
    assert entry.session_id in page.consoles
    page.consoles[entry.session_id].close()
