"""The programs & groups page: an admin adds a program and a group through the forms, edits the
group's template, sees validation next to the fields and conflicts inline; therapists do not
get the page."""

from __future__ import annotations

from datetime import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QDateTimeEdit, QLineEdit, QTimeEdit
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import audit, auth, programs, users
from facilitator.services.programs import GroupDraft, ProgramDraft
from facilitator.services.users import UserDraft
from facilitator.services.workspace import Workspace
from facilitator.storage.vault import Vault
from facilitator.ui.admin.program_forms import GroupForm, ProgramForm
from facilitator.ui.admin.programs_page import ProgramsPage
from facilitator.ui.main_window import MainWindow
from facilitator.ui.pages import pages_for

DANA_PASSWORD = "dana's long password"


@pytest.fixture(autouse=True)
def dana(ws: Workspace) -> None:
    """A second therapist, in place before the window (``main``) is built."""
    users.add_user(ws, UserDraft("dana", "Dana Cofield", "LPC", "therapist"), DANA_PASSWORD)


def _page(main: MainWindow) -> ProgramsPage:
    main.show_page("programs")
    page = main.page("programs")
    assert isinstance(page, ProgramsPage) and page.isVisible()
    return page


def _click(qtbot: QtBot, widget: object) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]


def _save(qtbot: QtBot, dialog: ProgramForm | GroupForm) -> None:
    _click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Save))


def _retype(qtbot: QtBot, edit: QLineEdit | QAbstractSpinBox, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def _type_time(qtbot: QtBot, edit: QTimeEdit, hhmm: str) -> None:
    """Click into the hour section and type the digits, as a person does."""
    edit.setFocus()
    edit.setSelectedSection(QDateTimeEdit.Section.HourSection)
    qtbot.keyClicks(edit, hhmm)


def _activate(qtbot: QtBot, form: GroupForm) -> None:
    """Focus (and so the template's current row) follows clicks only in the active window."""
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)


def _column(page_section: object, col: int) -> list[str]:
    model = page_section.model  # type: ignore[attr-defined]
    return [model.data(model.index(r, col)) for r in range(model.rowCount())]


def test_admin_adds_a_program_and_a_group(qtbot: QtBot, main: MainWindow,
                                          ws: Workspace) -> None:
    page = _page(main)
    assert not page.groups.add_button.isEnabled()  # no program yet
    _click(qtbot, page.programs.add_button)
    form = page.dialog
    assert isinstance(form, ProgramForm) and form.isVisible()
    assert form.windowModality() == Qt.WindowModality.WindowModal
    assert form.notice.toPlainText() == programs.PART2_SHORT_NOTICE  # SUD is the default
    assert form.part2_note.isVisible()
    _save(qtbot, form)
    assert form.errors.labels["name"].isVisible()  # a name is required, shown at the field
    qtbot.keyClicks(form.name, "Adult SUD IOP")
    _retype(qtbot, form.billing_code.lineEdit(), "H0015")
    _retype(qtbot, form.weekly_minimum, "12")
    _click(qtbot, form.break_counts)
    _save(qtbot, form)
    assert not form.isVisible()
    assert _column(page.programs, 0) == ["Adult SUD IOP"] and "✓" in page.info.text()
    [program] = programs.list_programs(ws)
    assert (program.billing_code, program.weekly_minimum_minutes) == ("H0015", 720)
    assert program.break_counts_as_service and program.is_part2

    assert page.groups.add_button.isEnabled()
    _click(qtbot, page.groups.add_button)
    form = page.dialog
    assert isinstance(form, GroupForm) and form.windowModality() == Qt.WindowModality.WindowModal
    _activate(qtbot, form)
    qtbot.keyClicks(form.name, "Morning Recovery")
    for day in (0, 2, 4):  # Mon, Wed, Fri
        _click(qtbot, form.days[day])
    _type_time(qtbot, form.block_start, "0830")
    _type_time(qtbot, form.block_end, "1130")
    _retype(qtbot, form.capacity, "10")
    qtbot.keyClicks(form.location, "Room 2")
    dana = form.facilitators.item(0)
    assert dana.text() == "Dana Cofield, LPC"  # the admin is not offered as a facilitator
    assert form.facilitators.count() == 1
    form.facilitators.setFocus()
    form.facilitators.setCurrentRow(0)
    qtbot.keyClick(form.facilitators, Qt.Key.Key_Space)
    assert dana.checkState() == Qt.CheckState.Checked
    # Template: drop the break, add a closing mindfulness segment.
    editor = form.template
    assert editor.table.rowCount() == 5 and "fully planned" in editor.total.text()
    _click(qtbot, editor.title_edit(2))
    _click(qtbot, editor.remove_button)
    assert [p["kind"] for p in editor.template()] == [
        "checkin", "module", "process", "checkout"]
    _click(qtbot, editor.add_button)  # after the current row
    new_row = editor.table.currentRow()
    qtbot.keyClicks(editor.title_edit(new_row), "Mindfulness")
    _retype(qtbot, editor.minutes_box(new_row), "15")
    assert "fully planned" in editor.total.text()
    _save(qtbot, form)
    assert not form.isVisible(), form.errors.general.text()

    assert _column(page.groups, 0) == ["Morning Recovery"]
    assert _column(page.groups, 2) == ["Mon, Wed, Fri 08:30–11:30"]
    assert _column(page.groups, 6) == ["Dana Cofield"]
    [group] = programs.list_groups(ws)
    assert group.capacity == 10 and group.location == "Room 2"
    assert [(p["title"], p["minutes"]) for p in group.template] == [
        ("Check-in", 30), ("Skills module", 45), ("Skills practice and process group", 60),
        ("Mindfulness", 15), ("Check-out", 30)]
    assert {e.action for e in audit.list_events(ws)} >= {"program.created", "group.created"}


def test_edit_group_template_with_errors_next_to_fields(qtbot: QtBot, main: MainWindow,
                                                        ws: Workspace) -> None:
    p = programs.add_program(ws, ProgramDraft("Adult SUD IOP", "sud"))
    g = programs.add_group(ws, GroupDraft("Morning Recovery", p.id, (1, 3), time(9), time(12)))
    page = _page(main)
    page.groups.select_id(g.id)
    _click(qtbot, page.groups.edit_button)
    form = page.dialog
    assert isinstance(form, GroupForm) and form.name.text() == "Morning Recovery"
    assert [box.isChecked() for box in form.days][:3] == [True, False, True]
    editor = form.template
    # Move check-out to the top, then make the process group too long for the block.
    _activate(qtbot, form)
    _click(qtbot, editor.title_edit(4))
    for _ in range(4):
        _click(qtbot, editor.up_button)
    assert editor.template()[0]["kind"] == "checkout" and not editor.up_button.isEnabled()
    _retype(qtbot, editor.minutes_box(4), "90")
    assert "30 min more than the 180-min block" in editor.total.text()
    form.name.clear()
    _save(qtbot, form)
    assert form.isVisible()
    assert form.errors.labels["name"].isVisible()
    assert "210 minutes" in form.template_error.text() and form.template_error.isVisible()
    qtbot.keyClicks(form.name, "Morning Recovery A")
    _type_time(qtbot, form.block_end, "1230")
    assert "fully planned" in editor.total.text()
    _save(qtbot, form)
    assert not form.isVisible()
    [stored] = programs.list_groups(ws)
    assert stored.name == "Morning Recovery A" and stored.block_end == time(12, 30)
    assert [s["kind"] for s in stored.template] == [
        "checkout", "checkin", "module", "break", "process"]
    assert stored.template[4]["minutes"] == 90
    assert [e.action for e in audit.list_events(ws, action_prefix="group.updated")]


def test_deactivate_inline_and_conflict(qtbot: QtBot, main: MainWindow, ws: Workspace) -> None:
    p = programs.add_program(ws, ProgramDraft("Adult SUD IOP", "sud"))
    g = programs.add_group(ws, GroupDraft("Morning Recovery", p.id, (1,), time(9), time(12)))
    page = _page(main)
    page.programs.select_id(p.id)
    _click(qtbot, page.programs.active_button)
    assert page.programs.confirm_bar.isVisible()
    _click(qtbot, page.programs.confirm_bar.confirm_button)
    assert "still has 1 active group" in page.programs.error.text()
    assert page.programs.error.isVisible()

    page.groups.select_id(g.id)
    _click(qtbot, page.groups.active_button)
    assert "Morning Recovery" in page.groups.confirm_bar.text.text()
    _click(qtbot, page.groups.confirm_bar.confirm_button)
    assert _column(page.groups, 7) == ["Deactivated"]
    assert "Reactivate" in page.groups.active_button.text()
    page.programs.select_id(p.id)
    _click(qtbot, page.programs.active_button)
    _click(qtbot, page.programs.confirm_bar.confirm_button)
    assert _column(page.programs, 7) == ["Deactivated"]
    assert not page.groups.add_button.isEnabled()
    # Reactivating the group first is refused inline; the program, then the group, works.
    page.groups.select_id(g.id)
    _click(qtbot, page.groups.active_button)
    assert "reactivate it first" in page.groups.error.text()
    page.programs.select_id(p.id)
    _click(qtbot, page.programs.active_button)
    page.groups.select_id(g.id)
    _click(qtbot, page.groups.active_button)
    assert _column(page.groups, 7) == ["Active"]


def test_models_pass_qtmodeltester(qtbot: QtBot, qtmodeltester: object, main: MainWindow,
                                   ws: Workspace) -> None:
    p = programs.add_program(ws, ProgramDraft("Adult SUD IOP", "sud"))
    programs.add_program(ws, ProgramDraft("Mood IOP", "mh", billing_code="S9480"))
    programs.add_group(ws, GroupDraft("Morning Recovery", p.id, (1, 3), time(9), time(12)))
    page = _page(main)
    # The (asserting, Python) tester watches one model at a time: each is checked, then
    # refreshed with the new rows so the refresh's brackets are checked too.
    for model in (page.programs.model, page.groups.model):
        qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]
        page.refresh()
    assert page.programs.model.rowCount() == 2 and page.groups.model.rowCount() == 1


def test_therapist_does_not_get_the_page(qtbot: QtBot, ws: Workspace, vault: Vault,
                                         clock: FakeClock) -> None:
    assert "programs" not in [s.key for s in pages_for("therapist")]
    assert "programs" not in [s.key for s in pages_for("supervisor")]
    keys = [s.key for s in pages_for("admin")]
    assert keys.index("programs") == keys.index("users") - 1
    dana = auth.sign_in(vault, clock, "dana", DANA_PASSWORD)
    window = MainWindow(dana)
    qtbot.addWidget(window)
    window.show()
    assert window.page("programs") is None
    window.close()
