"""The main window with the roster: lock hides PHI, adding and finding participants, enrollments,
and the participant table model."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import programs, roster
from facilitator.services.programs import GroupDraft, ProgramDraft
from facilitator.services.roster import ParticipantDraft
from facilitator.services.workspace import Workspace
from facilitator.ui.main_window import MainWindow
from facilitator.ui.roster.participant_form import ParticipantForm
from facilitator.ui.roster.participant_model import ParticipantTableModel
from facilitator.ui.roster.roster_page import RosterPage
from tests.conftest import PASSWORD
from tests.ui.conftest import shows, type_text, visible_texts

NAMES = ("Jordan Rivera", "Sam Okafor", "Lee Park")


@pytest.fixture
def clinic_data(ws: Workspace) -> dict[str, int]:
    program = programs.add_program(ws, ProgramDraft("Adult SUD IOP", "sud"))
    group = programs.add_group(ws, GroupDraft("Morning IOP", program.id, (1, 3, 5),
                                              time(9), time(12)))
    ids = {}
    for i, name in enumerate(NAMES):
        p = roster.add_participant(ws, ParticipantDraft(
            f"C-{100 + i}", name, date(2026, 2, 1), program_id=program.id))
        ids[name] = p.id
    roster.enroll(ws, ids["Jordan Rivera"], group.id, date(2026, 2, 2))
    return {"program": program.id, "group": group.id, **ids}


@pytest.fixture
def main(clinic_data: dict[str, int], main: MainWindow) -> MainWindow:
    """The shared window (tests/ui/conftest.py), built after the data, on the roster page."""
    main.activateWindow()
    main.show_page("roster")
    return main


def roster_page(main: MainWindow) -> RosterPage:
    page = main.page("roster")
    assert isinstance(page, RosterPage)
    return page


def open_form(qtbot: QtBot, page: RosterPage, button: str = "add") -> ParticipantForm:
    qtbot.mouseClick(getattr(page, f"{button}_button"), Qt.MouseButton.LeftButton)
    assert page.form is not None and page.form.isVisible()
    return page.form


def _type(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


# -- lock ------------------------------------------------------------------------------------
def test_ctrl_l_hides_all_phi_and_unlock_brings_it_back(qtbot: QtBot, main: MainWindow) -> None:
    page = roster_page(main)
    page.table.selectRow(0)
    assert all(shows(main, name) for name in NAMES)

    with qtbot.waitSignal(main.lock_controller.locked):
        qtbot.keyClick(page.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    texts = visible_texts(main)
    leaked = [t for t in texts for name in (*NAMES, "C-100") if name in t]
    assert leaked == []
    assert page.isHidden() is False  # hidden with its parent, not destroyed
    assert not page.isVisible()

    qtbot.keyClicks(main.lock_screen.password, "wrong password")
    with qtbot.assertNotEmitted(main.lock_controller.unlocked):
        qtbot.keyClick(main.lock_screen.password, Qt.Key.Key_Return)
    assert "not correct" in main.lock_screen.error.text()
    assert not shows(main, NAMES[0])

    qtbot.keyClicks(main.lock_screen.password, PASSWORD)
    with qtbot.waitSignal(main.lock_controller.unlocked):
        qtbot.keyClick(main.lock_screen.password, Qt.Key.Key_Return)
    assert page.isVisible() and shows(main, NAMES[0])


def test_lock_hides_an_open_form_and_unlock_brings_it_back(qtbot: QtBot,
                                                           main: MainWindow) -> None:
    page = roster_page(main)
    page.table.selectRow(0)
    form = open_form(qtbot, page, "edit")
    form.pronouns.clear()
    type_text(form.pronouns, "xe/xem")  # typed, not saved yet
    main.lock_controller.lock()
    assert not form.isVisible()
    assert not any(shows(w, NAMES[0]) for w in QApplication.topLevelWidgets()
                   if w.isVisible())
    type_text(main.lock_screen.password, PASSWORD)
    qtbot.keyClick(main.lock_screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not main.lock_controller.is_locked)
    assert form.isVisible() and form.pronouns.text() == "xe/xem"  # nothing typed was lost


def test_idle_time_on_the_clock_locks(qtbot: QtBot, main: MainWindow, clock: FakeClock) -> None:
    controller = main.lock_controller
    controller.timer.setInterval(10)
    clock.advance(minutes=controller.idle_minutes - 1)
    qtbot.keyClick(roster_page(main).search, Qt.Key.Key_A)  # input resets the idle time
    clock.advance(minutes=controller.idle_minutes - 1)
    with qtbot.assertNotEmitted(controller.locked, wait=50):
        pass
    clock.advance(minutes=2)
    with qtbot.waitSignal(controller.locked, timeout=2000):
        pass
    assert main.outer.currentWidget() is main.lock_screen


# -- roster ----------------------------------------------------------------------------------
def test_add_participant_with_emoji_and_rtl_names_then_search(
        qtbot: QtBot, main: MainWindow) -> None:
    page = roster_page(main)
    form = open_form(qtbot, page)
    qtbot.keyClicks(form.chart_id, "C-200")
    type_text(form.legal_name, "Zoë Nguyễn 🌻")
    type_text(form.preferred_name, "سارة")
    qtbot.keyClicks(form.pronouns, "she/her")
    form.program.setCurrentIndex(1)
    qtbot.mouseClick(form.buttons.button(form.buttons.StandardButton.Save),
                     Qt.MouseButton.LeftButton)
    assert page.form is None or not page.form.isVisible()
    assert page.model.rowCount() == 4
    assert page.selected() is not None and page.selected().chart_id == "C-200"
    assert shows(page.table, "سارة (Zoë Nguyễn 🌻)")
    assert page.details.title.text().startswith("سارة")

    qtbot.keyClick(page, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search.hasFocus()
    qtbot.keyClicks(page.search, "ZOË")
    assert page.proxy.rowCount() == 1
    qtbot.keyClick(page.search, Qt.Key.Key_Return)  # a finished search is audited once
    from facilitator.services import audit

    searched = audit.list_events(page.ws, action_prefix="participant.searched")
    assert [e.details for e in searched] == [{"text": "ZOË", "matches": 1}]
    page.search.clear()
    type_text(page.search, "ار")  # part of the RTL preferred name
    assert page.proxy.rowCount() == 1
    page.search.clear()
    type_text(page.search, "🌻")
    assert page.proxy.rowCount() == 1
    _type(qtbot, page.search, "c-1")
    assert page.proxy.rowCount() == 3
    _type(qtbot, page.search, "nobody")
    assert page.proxy.rowCount() == 0 and "0 of 4" in page.count.text()


def test_errors_appear_next_to_fields(qtbot: QtBot, main: MainWindow) -> None:
    page = roster_page(main)
    form = open_form(qtbot, page)
    qtbot.keyClicks(form.chart_id, "C-100")  # Jordan's
    qtbot.keyClick(form.chart_id, Qt.Key.Key_Return)
    legal_error = form.errors.labels["legal_name"]
    assert legal_error.isVisible() and "required" in legal_error.text()
    assert not form.errors.labels["chart_id"].isVisible()
    assert form.isVisible()

    qtbot.keyClicks(form.legal_name, "New Person")
    form.status.setCurrentIndex(form.status.findData("discharged"))
    qtbot.keyClick(form.legal_name, Qt.Key.Key_Return)
    assert form.errors.labels["discharge_date"].isVisible()
    form.status.setCurrentIndex(form.status.findData("active"))
    qtbot.keyClick(form.legal_name, Qt.Key.Key_Return)
    chart_error = form.errors.labels["chart_id"]
    assert chart_error.isVisible() and "already used" in chart_error.text()
    assert not legal_error.isVisible()
    assert page.model.rowCount() == 3

    _type(qtbot, form.chart_id, "C-300")
    qtbot.keyClick(form.chart_id, Qt.Key.Key_Return)
    assert not form.isVisible()
    assert page.model.rowCount() == 4


def test_edit_participant_and_optional_dates(qtbot: QtBot, main: MainWindow,
                                             ws: Workspace, clinic_data: dict[str, int]) -> None:
    page = roster_page(main)
    page.select_id(clinic_data["Sam Okafor"])
    form = open_form(qtbot, page, "edit")
    assert form.legal_name.text() == "Sam Okafor" and form.date_of_birth.value() is None
    form.date_of_birth.none.click()
    form.date_of_birth.edit.setDate(form.date_of_birth.edit.date().addYears(-5))
    _type(qtbot, form.preferred_name, "Sammy")
    qtbot.keyClick(form.preferred_name, Qt.Key.Key_Return)
    saved = roster.get_participant(ws, clinic_data["Sam Okafor"])
    assert saved.preferred_name == "Sammy" and saved.date_of_birth is not None
    assert shows(page.table, "Sammy (Sam Okafor)")


def test_enroll_goals_drug_tests_and_group_members(
        qtbot: QtBot, main: MainWindow, clinic_data: dict[str, int], ws: Workspace) -> None:
    page = roster_page(main)
    page.select_id(clinic_data["Lee Park"])
    details = page.details
    assert details.enrollment_model.rowCount() == 0
    qtbot.mouseClick(details.enroll_button, Qt.MouseButton.LeftButton)
    assert details.enrollment_model.rowCount() == 1
    assert "Morning IOP" in page.selected().groups
    qtbot.mouseClick(details.enroll_button, Qt.MouseButton.LeftButton)
    assert "already enrolled" in details.enrollment_error.text()

    details.enrollment_view.selectRow(0)
    qtbot.mouseClick(details.end_button, Qt.MouseButton.LeftButton)
    assert details.enrollment_model.row_at(0).end_date == date(2026, 3, 2)

    qtbot.keyClicks(details.goal_text, "Attend 9 hours a week")
    qtbot.keyClick(details.goal_text, Qt.Key.Key_Return)
    assert details.goal_model.rowCount() == 1 and details.goal_text.text() == ""
    qtbot.keyClick(details.goal_text, Qt.Key.Key_Return)
    assert "required" in details.goal_error.text()

    details.test_date.setDate(details.test_date.date().addDays(1))
    qtbot.mouseClick(details.test_button, Qt.MouseButton.LeftButton)
    assert "future" in details.test_error.text()
    details.test_date.setDate(details.test_date.date().addDays(-2))
    details.test_result.setCurrentText("negative")
    qtbot.mouseClick(details.test_button, Qt.MouseButton.LeftButton)
    assert [t.result for t in roster.drug_tests(ws, clinic_data["Lee Park"])] == ["negative"]
    # Opened once, edited several times and refreshed: one access event, not one per reload.
    from facilitator.services import audit

    viewed = audit.list_events(ws, action_prefix="participant.viewed")
    assert [e.entity_id for e in viewed] == [str(clinic_data["Lee Park"])]

    page.tabs.setCurrentWidget(page.members)
    members = page.members
    assert members.model.rowCount() == 2  # Jordan, and Lee whose enrollment ends today
    assert {members.model.row_at(r).legal_name for r in range(2)} == {"Jordan Rivera",
                                                                      "Lee Park"}


def test_participant_table_model(qtmodeltester, ws: Workspace,  # type: ignore[no-untyped-def]
                                 clinic_data: dict[str, int]) -> None:
    model = ParticipantTableModel()
    qtmodeltester.check(model, force_py=True)  # empty first: the fill below is checked too
    model.set_rows(roster.list_participants(ws))
    assert model.rowCount() == 3 and model.columnCount() == 8
    idx = model.index(0, ParticipantTableModel.CHART_ID)
    assert model.data(idx, Qt.ItemDataRole.UserRole) == model.row_at(0).id
    assert model.data(model.index(0, ParticipantTableModel.NAME),
                      Qt.ItemDataRole.ToolTipRole).startswith("Legal name")
    admitted = model.data(model.index(0, ParticipantTableModel.ADMITTED),
                          Qt.ItemDataRole.UserRole + 1)
    assert admitted == "2026-02-01"
    assert model.data(model.index(99, 0)) is None


def test_table_sorts_by_admission_date(qtbot: QtBot, main: MainWindow, ws: Workspace) -> None:
    page = roster_page(main)
    roster.add_participant(ws, ParticipantDraft("C-050", "Aaron Early",
                                                date(2026, 2, 1) - timedelta(days=40)))
    page.refresh()
    page.table.sortByColumn(ParticipantTableModel.ADMITTED, Qt.SortOrder.AscendingOrder)
    assert page.proxy.index(0, ParticipantTableModel.CHART_ID).data() == "C-050"
    page.table.sortByColumn(ParticipantTableModel.NAME, Qt.SortOrder.AscendingOrder)
    assert page.proxy.index(0, ParticipantTableModel.NAME).data() == "Aaron Early"
