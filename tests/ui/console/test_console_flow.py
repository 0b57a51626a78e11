"""A therapist runs a block with the keyboard alone: start, arrivals, go-around, step-out,
break, jot, privacy shield, end. State is checked through the services (the real database)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import console as svc
from facilitator.services.workspace import Workspace
from facilitator.ui.console.today import TodayPage
from facilitator.ui.console.window import ConsoleWindow

from .conftest import DemoGroup
from .helpers import press, type_keys, visible_text


def open_console(qtbot: QtBot, ws: Workspace) -> tuple[TodayPage, ConsoleWindow]:
    page = TodayPage(ws)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    assert page.model.rowCount() == 1
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)  # Enter on the selected group: Start
    assert len(page.consoles) == 1
    window = next(iter(page.consoles.values()))
    qtbot.addWidget(window)
    qtbot.waitExposed(window)
    return page, window


def status_of(ws: Workspace, session_id: int) -> dict[int, svc.AttendanceView]:
    return {a.participant_id: a for a in svc.roster(ws, session_id)}


def test_full_block_by_keyboard(qtbot: QtBot, therapist_ws: Workspace, demo_group: DemoGroup,
                                clock: FakeClock) -> None:
    ws = therapist_ws
    _page, window = open_console(qtbot, ws)
    sid = window.session_id
    # The board's order is the service's; tile keys 1–4 are the first four rows.
    p1, p2, p3, p4 = (window.board_model.row_view(i).participant_id for i in range(4))
    assert {p1, p2, p3, p4} == set(demo_group.participant_ids)
    assert svc.get_session(ws, sid).status == "running"
    assert "Check-in" in window.header.segment.text()

    # Arrivals: 1 and 2 on time, 3 late, 4 absent.
    type_keys(qtbot, window, "1p2p")
    clock.advance(minutes=12)
    window.refresh()
    type_keys(qtbot, window, "3p4a")
    rows = status_of(ws, sid)
    assert rows[p1].status == "present" and rows[p2].status == "present"
    assert rows[p3].status == "late" and rows[p4].status == "absent"
    assert "18:00 left" in window.header.remaining.text()  # 30-minute check-in, 12 in

    # Go-around with number keys: three people, Enter after each.
    press(qtbot, window, Qt.Key.Key_G)
    assert window.side.currentWidget() is window.go_around
    type_keys(qtbot, window, "735n71n")
    press(qtbot, window, Qt.Key.Key_Return)
    type_keys(qtbot, window, "10")  # 10 on the mood scale is two keys
    type_keys(qtbot, window, "21y")
    type_keys(qtbot, window, "Coffee")  # the "what did you use" text, enabled by "yes"
    press(qtbot, window, Qt.Key.Key_Tab)
    type_keys(qtbot, window, "6")
    press(qtbot, window, Qt.Key.Key_Tab)  # 6 hours of sleep: Tab takes it
    type_keys(qtbot, window, "2n")
    press(qtbot, window, Qt.Key.Key_Return)
    type_keys(qtbot, window, "000n")  # third person: skips sleep and medication (Tab)
    press(qtbot, window, Qt.Key.Key_Tab)
    press(qtbot, window, Qt.Key.Key_Tab)
    type_keys(qtbot, window, "y")  # a positive safety screen
    press(qtbot, window, Qt.Key.Key_Return)
    assert window.side.currentWidget() is not window.go_around  # done: back to the board
    answers = {r.participant_id: r.answers for r in svc.responses(ws, sid)}
    assert answers[p1] == {"mood": 7, "anxiety": 3, "craving": 5, "use": False,
                           "sleep-hours": 7.0, "medication": "yes", "safety": False}
    assert answers[p2]["mood"] == 10 and answers[p2]["use-what"] == "Coffee"
    assert answers[p2]["sleep-hours"] == 6.0 and answers[p2]["medication"] == "partly"
    assert answers[p3]["safety"] is True
    assert window.board_model.row_view(2).open_flags == 1
    assert "Safety flag open" in visible_text(window)

    # Step out and back 15 minutes later.
    clock.advance(minutes=3)
    type_keys(qtbot, window, "1o")
    assert status_of(ws, sid)[p1].is_out
    clock.advance(minutes=15)
    window.refresh()
    assert "Out since" in visible_text(window)
    type_keys(qtbot, window, "1o")
    intervals = status_of(ws, sid)[p1].out_of_room
    assert len(intervals) == 1 and intervals[0].returned_at is not None
    assert (intervals[0].returned_at - intervals[0].left_at).total_seconds() == 15 * 60

    # Next segment, then a break that starts and ends with B.
    press(qtbot, window, Qt.Key.Key_Space)
    assert window.state.current_segment.kind == "module"
    clock.advance(minutes=45)
    press(qtbot, window, Qt.Key.Key_B)
    assert window.state.on_break
    assert "Break" in window.header.segment.text()
    clock.advance(minutes=15)
    press(qtbot, window, Qt.Key.Key_B)
    assert not window.state.on_break

    # A jot about participant 2 while someone else is picked: Tab to the name, digit key.
    press(qtbot, window, Qt.Key.Key_J)
    press(qtbot, window, Qt.Key.Key_Tab)
    type_keys(qtbot, window, "2Shared a coping plan")
    press(qtbot, window, Qt.Key.Key_Return)
    jots = svc.list_jots(ws, sid)
    assert [(j.participant_id, j.text) for j in jots] == [(p2, "Shared a coping plan")]

    # Privacy shield hides every name; F12 brings them back.
    before = visible_text(window)
    assert all(name.split()[0] in before for name in demo_group.names)
    # Someone not here is picked, so P would visibly mark them if the shield let it through.
    waiting = next(a for a in svc.roster(ws, sid) if a.status in ("expected", "absent"))
    window.board.select_row(window.board_model.row_of(waiting.participant_id))
    press(qtbot, window, Qt.Key.Key_F12)
    shielded = visible_text(window)
    for name in demo_group.names:
        for part in name.split():
            assert part not in shielded
    assert "Privacy shield on" in shielded
    stored = (svc.actions(ws, sid), svc.roster(ws, sid))
    press(qtbot, window, Qt.Key.Key_P)  # board keys do nothing while shielded
    assert (svc.actions(ws, sid), svc.roster(ws, sid)) == stored  # nobody marked present
    assert "Privacy shield on" in visible_text(window)  # and the shield stays up
    press(qtbot, window, Qt.Key.Key_F12)
    assert all(name.split()[0] in visible_text(window) for name in demo_group.names)

    # End: Ctrl+E twice shows the summary.
    clock.advance(minutes=20)
    press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert svc.get_session(ws, sid).status == "running"
    press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert svc.get_session(ws, sid).status == "ended"
    assert window.stack.currentWidget() is window.summary
    summary_text = visible_text(window.summary)
    assert window.board_model.row_view(0).short_name in summary_text
    assert "missing" in summary_text  # nobody checked out
    # "Write notes" asks for this session's notes.
    assert window.summary.notes_button.isEnabled()
    with qtbot.waitSignal(window.notes_requested) as asked:
        window.summary.notes_button.click()
    assert asked.args == [sid]
