"""A safety flag left open after the block is addressed later from the participant's record,
by a supervisor; someone who neither ran the block nor supervises is told who can (issue 10)."""

from __future__ import annotations

from datetime import date, time

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import auth, programs, roster, users
from facilitator.services import console as svc
from facilitator.services.workspace import Workspace
from facilitator.storage.vault import Vault
from facilitator.ui.main_window import MainWindow
from facilitator.ui.roster.roster_page import RosterPage
from tests.conftest import PASSWORD


def _ended_block_with_open_flag(ws: Workspace, clock: FakeClock) -> int:
    program = programs.add_program(ws, programs.ProgramDraft("Recovery IOP (test)", "sud"))
    group = programs.add_group(ws, programs.GroupDraft(
        "Monday Morning IOP", program.id, (1,), time(9), time(12)))
    p = roster.add_participant(ws, roster.ParticipantDraft(
        "T-001", "Robin Sampleton", date(2026, 2, 1), program_id=program.id))
    roster.enroll(ws, p.id, group.id, date(2026, 2, 2))
    sid = svc.open_today_session(ws, group.id).id
    svc.start_session(ws, sid)
    svc.mark_present(ws, sid, p.id)
    svc.raise_flag(ws, sid, p.id, "Said they do not feel safe at home")
    clock.advance(minutes=180)
    svc.end_session(ws, sid)
    return p.id


def _flags_tab(qtbot: QtBot, who: Workspace) -> tuple[MainWindow, RosterPage]:
    window = MainWindow(who)
    qtbot.addWidget(window)
    window.show()
    window.show_page("roster")
    page = window.page("roster")
    assert isinstance(page, RosterPage)
    page.table.selectRow(0)
    details = page.details
    details.tabs.setCurrentWidget(details.flags_tab)
    assert "1 open" in details.tabs.tabText(details.tabs.indexOf(details.flags_tab))
    details.follow_up.setFocus()
    return window, page


def test_a_supervisor_addresses_an_open_flag_from_the_record(
        qtbot: QtBot, ws: Workspace, vault: Vault, clock: FakeClock) -> None:
    pid = _ended_block_with_open_flag(ws, clock)
    users.add_user(ws, users.UserDraft("sue", "Sue Supervisor", "LCSW", "supervisor"), PASSWORD)
    users.add_user(ws, users.UserDraft("tam", "Tam Therapist", "LPC", "therapist"), PASSWORD)
    tam = auth.sign_in(vault, clock, "tam", PASSWORD)
    _window, page = _flags_tab(qtbot, tam)
    qtbot.keyClicks(page.details.follow_up, "Looked at it")
    qtbot.keyClick(page.details.follow_up, Qt.Key.Key_Return)
    assert "facilitator of the block or a supervisor" in page.details.flag_error.text()
    assert len(svc.participant_open_flags(ws, pid)) == 1
    tam.close()

    sue = auth.sign_in(vault, clock, "sue", PASSWORD)
    _window, page = _flags_tab(qtbot, sue)
    qtbot.keyClicks(page.details.follow_up, "Called them that evening; safety plan reviewed")
    qtbot.keyClick(page.details.follow_up, Qt.Key.Key_Return)
    assert svc.participant_open_flags(ws, pid) == []
    assert page.details.flag_model.rowCount() == 0
    sue.close()
