"""Walk-ins, whole group absent, out-of-room corrections, session info, check-in/out on tiles,
the curriculum topic of module segments and the presenter view, driven by keys."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import console as svc
from facilitator.services import programs, roster, users
from facilitator.services.curriculum import delivery, library, planning
from facilitator.services.curriculum.dto import PlanEntry
from facilitator.services.workspace import Workspace
from facilitator.ui.console.board import FormsRole
from facilitator.ui.console.today import TodayPage
from facilitator.ui.curriculum.presenter import PresenterWindow

from .conftest import DemoGroup
from .helpers import press, type_keys, visible_text
from .test_console_panels import console, running_session

SHIFT = Qt.KeyboardModifier.ShiftModifier


def test_walk_in_picker_adds_by_name(qtbot: QtBot, ws: Workspace, therapist_ws: Workspace,
                                     demo_group: DemoGroup) -> None:
    sid = running_session(therapist_ws, demo_group)
    program_id = svc.get_session(ws, sid).program_id
    other = programs.add_group(ws, programs.GroupDraft(
        "Evening IOP", program_id, (1,), svc.get_session(ws, sid).planned_start.time(),
        svc.get_session(ws, sid).planned_end.time()))
    guest = roster.add_participant(ws, roster.ParticipantDraft(
        "W-1", "Wren Visitorly", date(2026, 2, 1), program_id=program_id))
    roster.enroll(ws, guest.id, other.id, date(2026, 2, 2))
    window = console(qtbot, therapist_ws, sid)
    press(qtbot, window, Qt.Key.Key_W)
    assert window.side.currentWidget() is window.walk_in
    assert QApplication.activeModalWidget() is None
    assert "Wren Visitorly" in visible_text(window.walk_in)
    type_keys(qtbot, window, "nobody")
    assert window.walk_in.model.rowCount() == 0
    window.walk_in.line.clear()
    type_keys(qtbot, window, "wren")
    assert window.walk_in.model.rowCount() == 1
    press(qtbot, window, Qt.Key.Key_Return)
    row = {a.participant_id: a for a in svc.roster(therapist_ws, sid)}[guest.id]
    assert row.walk_in and row.status == "present"
    assert window.side.currentWidget() is window.segments
    assert window.selected().participant_id == guest.id
    press(qtbot, window, Qt.Key.Key_W)  # nobody left to add: the rule is explained
    assert "walk-ins must be enrolled" in window.walk_in.status.text()


def test_shift_a_marks_everyone_left_absent_and_undo(qtbot: QtBot, therapist_ws: Workspace,
                                                     demo_group: DemoGroup) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    window = console(qtbot, ws, sid)
    type_keys(qtbot, window, "1p")
    press(qtbot, window, Qt.Key.Key_A, SHIFT)
    statuses = [a.status for a in svc.roster(ws, sid)]
    assert statuses.count("absent") == 3 and statuses.count("present") == 1
    assert "Ctrl+Z" in window.strip.text()
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [a.status for a in svc.roster(ws, sid)].count("expected") == 3


def test_today_page_whole_group_absent_then_undo(qtbot: QtBot, therapist_ws: Workspace,
                                                 demo_group: DemoGroup) -> None:
    page = TodayPage(therapist_ws)
    qtbot.addWidget(page)
    page.show()
    qtbot.mouseClick(page.absent_button, Qt.MouseButton.LeftButton)
    [entry] = svc.today_sessions(therapist_ws)
    assert {a.status for a in svc.roster(therapist_ws, entry.session_id)} == {"absent"}
    assert "4 marked absent" in page.strip.text()
    assert page.undo_button.isVisible()
    qtbot.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    assert {a.status for a in svc.roster(therapist_ws, entry.session_id)} == {"expected"}
    assert not page.undo_button.isVisible()


def test_adjust_out_of_room_with_reason_and_overlap(qtbot: QtBot, therapist_ws: Workspace,
                                                    demo_group: DemoGroup,
                                                    clock: FakeClock) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    window = console(qtbot, ws, sid)
    type_keys(qtbot, window, "1p")
    for _ in range(2):  # two step-outs: 09:10–09:20 and 09:30–09:40
        clock.advance(minutes=10)
        type_keys(qtbot, window, "1o")
        clock.advance(minutes=10)
        type_keys(qtbot, window, "1o")
    type_keys(qtbot, window, "e")
    assert window.side.currentWidget() is window.adjust
    [(_id, _out, first_back), _second] = window.adjust._intervals
    first_back.setText("09:15")
    type_keys(qtbot, window, "Came back earlier")  # the reason field has the focus
    press(qtbot, window, Qt.Key.Key_Return)
    gaps = svc.roster(ws, sid)[0].out_of_room
    back = gaps[0].returned_at.astimezone(ws.timezone)
    assert (back.hour, back.minute) == (9, 15)
    assert window.strip.text() == "Times adjusted."

    type_keys(qtbot, window, "1e")
    _first, (_id, second_out, _b) = window.adjust._intervals
    second_out.setText("09:12")  # now overlaps 09:10–09:15
    type_keys(qtbot, window, "Typo")
    press(qtbot, window, Qt.Key.Key_Return)
    assert "overlaps another time out of the room" in window.strip.text()
    assert "overlaps" in window.adjust.error.text()
    assert svc.roster(ws, sid)[0].out_of_room == gaps


def test_session_info_panel(qtbot: QtBot, ws: Workspace, therapist_ws: Workspace,
                            demo_group: DemoGroup) -> None:
    co = users.add_user(ws, users.UserDraft("cori", "Cori Cofacil", "LPC", "supervisor"),
                        "a long enough password")
    users.add_user(ws, users.UserDraft("adam", "Adam Admin", "", "admin"),
                   "a long enough password")
    sid = running_session(therapist_ws, demo_group)
    window = console(qtbot, therapist_ws, sid)
    press(qtbot, window, Qt.Key.Key_I)
    assert window.side.currentWidget() is window.details
    text = visible_text(window.details)
    assert "Terry Therapist" in text and "Cori Cofacil" in text and "Adam Admin" not in text
    press(qtbot, window, Qt.Key.Key_Down)  # modality: telehealth
    press(qtbot, window, Qt.Key.Key_Tab)
    window.details.location.selectAll()
    type_keys(qtbot, window, "Zoom room")
    press(qtbot, window, Qt.Key.Key_Tab)
    assert window.focusWidget() is window.details.list
    press(qtbot, window, Qt.Key.Key_Space)  # tick the co-facilitator
    press(qtbot, window, Qt.Key.Key_Return)
    session = svc.get_session(therapist_ws, sid)
    assert (session.modality, session.location) == ("telehealth", "Zoom room")
    assert set(session.facilitator_ids) == {therapist_ws.actor.user_id, co.id}
    assert session.lead_facilitator_id == therapist_ws.actor.user_id
    assert window.side.currentWidget() is window.segments


def test_tiles_show_check_in_and_out_in_words(qtbot: QtBot, therapist_ws: Workspace,
                                             demo_group: DemoGroup) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    window = console(qtbot, ws, sid)
    type_keys(qtbot, window, "1p")
    assert window.board_model.index(0).data(FormsRole) == "☐ No check-in · ☐ No check-out"
    assert window.board_model.index(1).data(FormsRole) == ""  # not here yet
    pid = window.board_model.row_view(0).participant_id
    svc.record_response(ws, sid, pid, "checkin", {"mood": 5, "anxiety": 2, "craving": 1,
                                                  "use": False, "safety": False})
    window.refresh()
    tile = str(window.board_model.index(0).data(Qt.ItemDataRole.ToolTipRole))
    assert "☑ Checked in · ☐ No check-out" in tile


def test_planned_topic_picker_and_presenter(qtbot: QtBot, ws: Workspace,
                                            therapist_ws: Workspace, demo_group: DemoGroup,
                                            clock: FakeClock) -> None:
    library.sync_shipped_library(ws)
    planned = library.get_topic(ws, library.search_topics(ws, "urge")[0].key)
    planning.save_plan(ws, demo_group.group_id, 1, [PlanEntry(0, 1, 0, planned.key)],
                       start_date=date(2026, 3, 2))
    tws = therapist_ws
    sid = running_session(tws, demo_group)
    module = next(g for g in svc.get_session(tws, sid).segments if g.kind == "module")
    clock.advance(minutes=30)
    svc.start_next_segment(tws, sid)  # the console opens on the module segment
    window = console(qtbot, tws, sid)
    assert f"Topic: {planned.title}" in window.header.topic.text()
    row = window.segments.model.row_of(module.id)
    # Starting the module segment adopted the planned topic as the one taught.
    assert window.segments.model.index(row, 4).data() == planned.title
    assert [d.topic_key for d in delivery.session_deliveries(tws, sid)] == [planned.key]

    # V: the presenter shows the topic and nothing about a participant.
    press(qtbot, window, Qt.Key.Key_V)
    presenter = window.topics.presenter
    assert isinstance(presenter, PresenterWindow)
    qtbot.waitExposed(presenter)
    shown = presenter.visible_text()
    assert planned.title in shown
    for name in demo_group.names:
        for part in name.split():
            assert part not in shown

    # S, the module row, T, Enter on the planned row: confirming keeps one delivery.
    press(qtbot, window, Qt.Key.Key_S)
    window.segments.table.selectRow(row)
    press(qtbot, window, Qt.Key.Key_T)
    assert window.side.currentWidget() is window.topic_picker
    assert window.topic_picker.current().key == planned.key
    press(qtbot, window, Qt.Key.Key_Return)
    [done] = delivery.session_deliveries(tws, sid)
    assert (done.topic_key, done.segment_id) == (planned.key, module.id)
    assert window.segments.model.index(row, 4).data() == planned.title
    assert window.side.currentWidget() is window.segments

    # Swap by searching the library; the presenter follows on the next refresh.
    press(qtbot, window, Qt.Key.Key_T)
    type_keys(qtbot, window, "sleep")
    other = window.topic_picker.current()
    assert other is not None and other.key != planned.key
    press(qtbot, window, Qt.Key.Key_Return)
    [swapped] = delivery.session_deliveries(tws, sid)
    assert swapped.topic_key == other.key
    assert presenter.topic is not None and presenter.topic.key == other.key
    assert swapped.title in presenter.visible_text()

    # Free text when nothing fits: the delivery goes, the presenter clears.
    press(qtbot, window, Qt.Key.Key_T)
    type_keys(qtbot, window, "zzqx")
    assert window.topic_picker.model.rowCount() == 1  # only "use my own words"
    press(qtbot, window, Qt.Key.Key_Return)
    assert delivery.session_deliveries(tws, sid) == []
    assert window.segments.model.index(row, 4).data() == "zzqx"
    assert presenter.topic is None

    # V closes it; closing the console closes an open presenter too.
    press(qtbot, window, Qt.Key.Key_Escape)
    press(qtbot, window, Qt.Key.Key_V)
    assert not presenter.isVisible()
    press(qtbot, window, Qt.Key.Key_V)
    presenter = window.topics.presenter
    assert presenter is not None and presenter.isVisible()
    window.close()
    assert not presenter.isVisible()
