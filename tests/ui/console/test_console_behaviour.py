"""Console behaviour found by trying it as a new user (issue 10), driven by keys."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import console as svc
from facilitator.services.workspace import Workspace
from facilitator.ui.console.today import TodayPage

from .conftest import DemoGroup
from .helpers import press, process_events, type_keys, visible_text
from .test_console_panels import console, running_session


def test_j_with_a_participant_picked_types_the_note_about_them(
        qtbot: QtBot, therapist_ws: Workspace, demo_group: DemoGroup) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    window = console(qtbot, ws, sid)
    press(qtbot, window, "2")
    picked = window.board_model.row_view(1).participant_id
    press(qtbot, window, Qt.Key.Key_J)
    type_keys(qtbot, window, "Calmer after the break")
    press(qtbot, window, Qt.Key.Key_Return)
    assert [(j.participant_id, j.text) for j in svc.list_jots(ws, sid)] == [
        (picked, "Calmer after the break")]
    # Someone else is a deliberate step: Tab to the name, then a tile key.
    press(qtbot, window, Qt.Key.Key_J)
    press(qtbot, window, Qt.Key.Key_Tab)
    type_keys(qtbot, window, "3Asked about the handout")
    press(qtbot, window, Qt.Key.Key_Return)
    third = window.board_model.row_view(2).participant_id
    assert svc.list_jots(ws, sid)[-1].participant_id == third


def test_topic_picker_opens_on_the_running_segment(qtbot: QtBot, therapist_ws: Workspace,
                                                   demo_group: DemoGroup) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    svc.start_next_segment(ws, sid)  # check-in done, the module runs
    window = console(qtbot, ws, sid)
    running = window.state.current_segment
    assert running is not None and running.kind == "module"
    press(qtbot, window, Qt.Key.Key_S)
    press(qtbot, window, Qt.Key.Key_T)
    assert window.side.currentWidget() is window.topic_picker
    assert window.topic_picker.segment_id == running.id


def test_everyone_absent_counts_only_those_it_marked(qtbot: QtBot, therapist_ws: Workspace,
                                                    demo_group: DemoGroup) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    for pid in demo_group.participant_ids[:2]:
        svc.mark_present(ws, sid, pid)
    svc.mark_absent(ws, sid, demo_group.participant_ids[2])
    svc.end_session(ws, sid)
    page = TodayPage(ws)
    qtbot.addWidget(page)
    page.show()
    qtbot.keyClick(page.table, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    page.absent_button.click()
    assert "1 marked absent" in page.strip.text()


def test_a_start_far_from_the_planned_time_is_asked_once(
        qtbot: QtBot, therapist_ws: Workspace, demo_group: DemoGroup, clock: FakeClock) -> None:
    ws = therapist_ws
    clock.advance(timedelta(hours=-3, minutes=-20))  # 05:40 for the 09:00 block
    page = TodayPage(ws)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert not page.consoles
    assert page.start_confirm.isVisible()
    assert "3 h 20 min early" in page.start_confirm.text.text()
    [entry] = svc.today_sessions(ws)
    assert entry.status in ("unplanned", "planned")
    qtbot.keyClick(page.start_confirm.confirm_button, Qt.Key.Key_Space)  # the focused button
    assert len(page.consoles) == 1
    for window in page.consoles.values():
        qtbot.addWidget(window)
    assert svc.today_sessions(ws)[0].status == "running"


def test_space_far_from_the_planned_time_asks_first(
        qtbot: QtBot, therapist_ws: Workspace, demo_group: DemoGroup, clock: FakeClock) -> None:
    ws = therapist_ws
    clock.advance(timedelta(hours=5))  # 14:00 for the 09:00–12:00 block
    sid = svc.open_today_session(ws, demo_group.group_id).id
    window = console(qtbot, ws, sid)
    press(qtbot, window, Qt.Key.Key_Space)
    assert svc.get_session(ws, sid).status == "planned"
    assert "5 h late" in window.strip.text()
    press(qtbot, window, Qt.Key.Key_Space)
    assert svc.get_session(ws, sid).status == "running"


def test_messages_do_not_move_the_board(qtbot: QtBot, therapist_ws: Workspace,
                                        demo_group: DemoGroup) -> None:
    ws = therapist_ws
    window = console(qtbot, ws, running_session(ws, demo_group))
    process_events()
    before = window.board.geometry()
    press(qtbot, window, "1")
    press(qtbot, window, Qt.Key.Key_J)
    type_keys(qtbot, window, "Brought a friend's worksheet")
    press(qtbot, window, Qt.Key.Key_Return)
    process_events()
    assert "Jot saved" in window.strip.text() and window.strip.isVisible()
    assert window.board.geometry() == before
    window.strip.clear()
    process_events()
    assert window.board.geometry() == before


def test_typing_a_free_text_answer_keeps_the_go_around_still(
        qtbot: QtBot, therapist_ws: Workspace, demo_group: DemoGroup) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    svc.mark_present(ws, sid, demo_group.participant_ids[0])
    window = console(qtbot, ws, sid)
    press(qtbot, window, Qt.Key.Key_G)
    type_keys(qtbot, window, "735y")  # "use since last group": yes → what was used (text)
    panel = window.go_around
    qtbot.waitUntil(lambda: all(a.isVisible() for _q, a in panel._labels))
    before = [(q.geometry(), a.geometry()) for q, a in panel._labels]
    type_keys(qtbot, window, "A glass of wine at a family dinner on Saturday evening, once")
    process_events()
    assert "family dinner" in visible_text(panel)
    assert [(q.geometry(), a.geometry()) for q, a in panel._labels] == before


def test_f1_lists_ctrl_l_and_the_legend_is_one_line(qtbot: QtBot, therapist_ws: Workspace,
                                                    demo_group: DemoGroup) -> None:
    window = console(qtbot, therapist_ws, running_session(therapist_ws, demo_group))
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.width() == 1280)
    assert "F1 all keys" in window.footer.text()
    assert not window.footer.wordWrap()
    footer = window.footer
    assert footer.fontMetrics().horizontalAdvance(footer.text()) <= footer.width()
    press(qtbot, window, Qt.Key.Key_F1)
    shown = visible_text(window.overlay)
    assert "Ctrl+L" in shown and "Lock the screen" in shown


def test_an_open_flag_is_addressed_from_the_end_summary(
        qtbot: QtBot, therapist_ws: Workspace, demo_group: DemoGroup) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    pid = demo_group.participant_ids[0]
    svc.mark_present(ws, sid, pid)
    svc.raise_flag(ws, sid, pid, "Not sure they are safe tonight")
    window = console(qtbot, ws, sid)
    press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.summary
    assert window.summary.flags.isVisible()
    type_keys(qtbot, window, "Crisis line given, plan agreed")
    press(qtbot, window, Qt.Key.Key_Return)
    assert svc.participant_open_flags(ws, pid) == []
    [flag] = svc.session_flags(ws, sid)
    assert flag.follow_up == "Crisis line given, plan agreed"
    assert svc.get_session(ws, sid).status == "ended"
    assert not window.summary.flags.isVisible()
