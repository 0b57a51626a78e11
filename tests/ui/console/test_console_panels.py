"""The console's side panels, undo, errors, resume, lock and item models, driven by keys."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import console as svc
from facilitator.services.workspace import Workspace
from facilitator.ui.console.board import BoardModel
from facilitator.ui.console.end_summary import SummaryModel
from facilitator.ui.console.flags import FlagsModel
from facilitator.ui.console.segments import SegmentModel, parse_new_segment
from facilitator.ui.console.today import TodayModel, TodayPage
from facilitator.ui.console.window import ConsoleWindow
from facilitator.ui.lock import LockController
from tests.conftest import PASSWORD

from .conftest import DemoGroup
from .helpers import press, type_keys, visible_text


def running_session(ws: Workspace, group: DemoGroup) -> int:
    session = svc.open_today_session(ws, group.group_id)
    svc.start_session(ws, session.id)
    return session.id


def console(qtbot: QtBot, ws: Workspace, session_id: int) -> ConsoleWindow:
    window = ConsoleWindow(ws, session_id)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_undo_and_errors_show_in_the_strip(qtbot: QtBot, therapist_ws: Workspace,
                                          demo_group: DemoGroup) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    window = console(qtbot, ws, sid)
    press(qtbot, window, Qt.Key.Key_P)  # nobody selected yet
    assert "Pick a participant first" in window.strip.text()
    type_keys(qtbot, window, "1p")
    pid = window.board_model.row_view(0).participant_id
    assert {a.participant_id: a.status for a in svc.roster(ws, sid)}[pid] == "present"
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert {a.participant_id: a.status for a in svc.roster(ws, sid)}[pid] == "expected"
    assert "Undone" in window.strip.text()
    type_keys(qtbot, window, "2o")  # stepping out someone who never arrived: refused
    assert window.strip.text().startswith("Not saved:")
    assert QApplication.activeModalWidget() is None
    assert not window.board_model.row_view(1).is_out


def test_shortcuts_overlay_is_not_a_dialog(qtbot: QtBot, therapist_ws: Workspace,
                                           demo_group: DemoGroup) -> None:
    window = console(qtbot, therapist_ws, running_session(therapist_ws, demo_group))
    press(qtbot, window, Qt.Key.Key_F1)
    assert window.overlay.isVisible() and window.overlay.parent() is window.stack
    assert QApplication.activeModalWidget() is None
    assert "Privacy shield" in visible_text(window.overlay)
    press(qtbot, window, Qt.Key.Key_Escape)
    assert not window.overlay.isVisible()
    type_keys(qtbot, window, "?")
    assert window.overlay.isVisible()


def test_flags_raise_and_address_inline(qtbot: QtBot, therapist_ws: Workspace,
                                        demo_group: DemoGroup) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    window = console(qtbot, ws, sid)
    type_keys(qtbot, window, "1pr")
    type_keys(qtbot, window, "Said they feel unsafe")
    press(qtbot, window, Qt.Key.Key_Return)
    [flag] = svc.open_flags(ws, sid)
    assert flag.message == "Said they feel unsafe"
    assert "Safety flag open" in str(window.board_model.index(0).data(Qt.ItemDataRole.ToolTipRole))
    press(qtbot, window, Qt.Key.Key_F)
    assert window.side.currentWidget() is window.flags
    type_keys(qtbot, window, "Called crisis line together")
    press(qtbot, window, Qt.Key.Key_Return)
    assert svc.open_flags(ws, sid) == []
    [done] = svc.session_flags(ws, sid)
    assert done.follow_up == "Called crisis line together" and done.addressed_at is not None
    assert window.board_model.row_view(0).open_flags == 0


def test_segments_reorder_skip_add(qtbot: QtBot, therapist_ws: Workspace,
                                   demo_group: DemoGroup) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    window = console(qtbot, ws, sid)
    press(qtbot, window, Qt.Key.Key_S)
    titles = [s.title for s in svc.get_session(ws, sid).segments]
    assert window.segments.selected().title == titles[0]  # the running one (T picks its topic)
    press(qtbot, window, Qt.Key.Key_Down)
    assert window.segments.selected().title == titles[1]  # the first pending one
    press(qtbot, window, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    after = [s.title for s in svc.get_session(ws, sid).segments]
    assert after[1:3] == [titles[2], titles[1]]
    window.segments.table.selectRow(4)
    press(qtbot, window, Qt.Key.Key_Delete)
    assert svc.get_session(ws, sid).segments[4].skipped
    press(qtbot, window, Qt.Key.Key_Insert)
    type_keys(qtbot, window, "Mindfulness practice 20")
    press(qtbot, window, Qt.Key.Key_Return)
    last = svc.get_session(ws, sid).segments[-1]
    assert (last.title, last.planned_minutes) == ("Mindfulness practice", 20)
    assert parse_new_segment("20 Grounding") == ("Grounding", 20)
    assert parse_new_segment("no minutes") is None


def test_adjust_times_with_reason(qtbot: QtBot, therapist_ws: Workspace,
                                  demo_group: DemoGroup, clock: FakeClock) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    window = console(qtbot, ws, sid)
    clock.advance(minutes=20)
    type_keys(qtbot, window, "1l")
    type_keys(qtbot, window, "e")
    assert window.side.currentWidget() is window.adjust
    press(qtbot, window, Qt.Key.Key_Return)  # no reason yet: refused, nothing changed
    assert window.adjust.error.text()
    window.adjust.arrived.setText("09:05")
    type_keys(qtbot, window, "Arrived before I marked it")
    press(qtbot, window, Qt.Key.Key_Return)
    row = svc.roster(ws, sid)[0]
    local = row.arrived_at.astimezone(ws.timezone)
    assert (local.hour, local.minute) == (9, 5)


def test_resume_after_restart_and_lock(qtbot: QtBot, therapist_ws: Workspace,
                                       demo_group: DemoGroup, clock: FakeClock) -> None:
    """A console opened fresh on a running session shows stored state with correct timers;
    a lock hides the window while the timer keeps running."""
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    pid = svc.roster(ws, sid)[0].participant_id
    svc.mark_present(ws, sid, pid)
    clock.advance(minutes=10)
    svc.step_out(ws, sid, pid)
    clock.advance(minutes=7)  # "crash": no window ever saw the last 17 minutes

    class Shell(QWidget):
        pass

    shell = Shell()
    qtbot.addWidget(shell)
    shell.lock_controller = LockController(ws, shell)  # type: ignore[attr-defined]
    page = TodayPage(ws, shell)  # a child of the shell, closed with it
    assert "still running" in page.resume_banner.text()
    window = page.start_selected()
    assert window is not None
    qtbot.addWidget(window)
    assert "13:00 left" in window.header.remaining.text()
    assert "since" in str(window.board_model.index(0).data(Qt.ItemDataRole.ToolTipRole))
    assert window.board_model.row_view(0).is_out

    shell.lock_controller.lock()  # type: ignore[attr-defined]
    assert not window.isVisible() and window.timer.isActive()
    clock.advance(minutes=5)
    assert shell.lock_controller.unlock(PASSWORD) is None  # type: ignore[attr-defined]
    assert window.isVisible()
    assert "8:00 left" in window.header.remaining.text()
    shell.lock_controller.stop()  # type: ignore[attr-defined]


def test_a_block_never_ended_is_offered_the_next_day(
        qtbot: QtBot, therapist_ws: Workspace, demo_group: DemoGroup, clock: FakeClock) -> None:
    """Monday's block was left running (the laptop closed); on Tuesday the Today page lists it
    with its day and says what ending it does; Resume opens its console, whose header says the
    same instead of a day of "over time"."""
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    svc.mark_present(ws, sid, svc.roster(ws, sid)[0].participant_id)
    clock.advance(days=1)  # Tuesday 09:00: the group does not meet
    page = TodayPage(ws)
    qtbot.addWidget(page)
    page.show()
    assert page.model.rowCount() == 1
    assert page.model.index(0, 1).data() == "Mon 2 Mar 09:00–12:00"
    banner = page.resume_banner.text()
    assert "Mon 2 Mar was never ended: Monday Morning IOP" in banner
    assert "planned end" in banner and page.resume_banner.isVisibleTo(page)
    assert page.start_button.text() == "&Resume"
    window = page.start_selected()
    assert window is not None and window.session_id == sid
    qtbot.addWidget(window)
    # No "23:59:00 over": what ending it does (before, the header grew past the screen).
    assert "Never ended" in window.header.remaining.text()
    assert "Mon 2 Mar" in window.header.elapsed.text()
    assert "planned end" in window.header.overrun.text() and not window.header.block.text()
    svc.end_session(ws, sid)
    page.refresh()
    assert page.model.rowCount() == 0 and not page.resume_banner.isVisibleTo(page)


def test_record_not_held(qtbot: QtBot, therapist_ws: Workspace, demo_group: DemoGroup) -> None:
    page = TodayPage(therapist_ws)
    qtbot.addWidget(page)
    page.show()
    qtbot.mouseClick(page.not_held_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(page.reason, "Facilitator ill, no cover")
    qtbot.keyClick(page.reason, Qt.Key.Key_Return)
    [entry] = svc.today_sessions(therapist_ws)
    assert entry.status == "not_held"
    assert not page.start_button.isEnabled()


def test_item_models(qtmodeltester, therapist_ws: Workspace, demo_group: DemoGroup,  # type: ignore[no-untyped-def]
                     clock: FakeClock) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    for view in svc.roster(ws, sid)[:3]:
        svc.mark_present(ws, sid, view.participant_id)
    svc.raise_flag(ws, sid, svc.roster(ws, sid)[0].participant_id, "Observed distress")
    clock.advance(timedelta(minutes=40))
    state = svc.console_state(ws, sid)
    # Each model is handed to the (asserting, Python) tester empty and then filled, so the
    # tester also checks the reset brackets of the fill; one model at a time, because the
    # tester watches only the model it was last given.
    board = BoardModel(ws.timezone)
    qtmodeltester.check(board, force_py=True)
    board.set_rows(state.attendance, state.now)
    assert board.rowCount() == 4 and board.index(0).data(Qt.ItemDataRole.UserRole + 1) == "1"
    segments = SegmentModel(ws.timezone)
    qtmodeltester.check(segments, force_py=True)
    segments.set_segments(state.session.segments)
    flags = FlagsModel(ws.timezone)
    qtmodeltester.check(flags, force_py=True)
    flags.set_flags(state.open_flags, {a.participant_id: a.short_name for a in state.attendance})
    today = TodayModel(ws)
    qtmodeltester.check(today, force_py=True)
    today.set_rows(svc.today_sessions(ws))
    summary = SummaryModel(ws.timezone)
    qtmodeltester.check(summary, force_py=True)
    summary.set_rows(svc.end_session(ws, sid).rows)
    assert summary.rowCount() == 4


def test_privacy_shield_shows_the_segment_kind_not_its_free_text_title(
        qtbot: QtBot, therapist_ws: Workspace, demo_group: DemoGroup) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    # A facilitator typed a segment title that names someone.
    added = svc.add_segment(ws, sid, "process", "Robin's relapse review", 20)
    new = next(g for g in added.segments if g.title == "Robin's relapse review")
    while not next(g for g in svc.get_session(ws, sid).segments if g.id == new.id).running:
        svc.start_next_segment(ws, sid)
    window = console(qtbot, ws, sid)
    press(qtbot, window, Qt.Key.Key_F12)
    shielded = visible_text(window)
    assert "Process group" in shielded and "Robin" not in shielded
