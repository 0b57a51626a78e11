"""What the notes need elsewhere in the app: the clinician's own counts on the Today page, the
admin's supervision settings on the Users page, and the program's note settings in its form."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from facilitator.services import audit, notes, programs, users
from facilitator.ui.admin.program_forms import ProgramForm
from facilitator.ui.admin.programs_page import ProgramsPage
from facilitator.ui.admin.users_page import UsersPage
from facilitator.ui.console.today import TodayPage
from facilitator.ui.main_window import MainWindow
from tests.conftest import PASSWORD
from tests.services.notes.conftest import NotesClinic

from .conftest import Signed


def _today(qtbot: QtBot, ws: object) -> TodayPage:
    page = TodayPage(ws)  # type: ignore[arg-type]
    qtbot.addWidget(page)
    page.show()
    return page


def _click(qtbot: QtBot, widget: object) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]


@pytest.fixture
def admin_window(qtbot: QtBot, nc: NotesClinic) -> Iterator[MainWindow]:
    window = MainWindow(nc.admin)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()


def test_today_shows_each_clinicians_own_counts(qtbot: QtBot, signed: Signed) -> None:
    nc = signed.nc
    supervisor = _today(qtbot, signed.sam)
    assert supervisor.note_counts.isVisible()
    # Three notes of Uma's wait for Sam, signed three days ago: all over two days.
    assert supervisor.note_counts.text() == (
        "Notes: 0 owed (0 overdue), 0 returned · Co-signature: 3 waiting (3 over 2 days)")
    notes.return_note(signed.sam, signed.note_ids[0], "Name the skill.")
    notes.cosign_notes(signed.sam, [signed.note_ids[1]], PASSWORD)
    supervisor.refresh()
    assert "Co-signature: 1 waiting (1 over 2 days)" in supervisor.note_counts.text()
    # Uma owes the returned note, past the 72-hour deadline; no co-signature line for her.
    associate = _today(qtbot, nc.sign_in("uma"))
    assert associate.note_counts.text() == "Notes: 1 owed (1 overdue), 1 returned"
    admin = _today(qtbot, nc.admin)
    assert not admin.note_counts.isVisible()


def test_admin_sets_supervision_inline(qtbot: QtBot, admin_window: MainWindow,
                                       nc: NotesClinic) -> None:
    admin_window.show_page("users")
    page = admin_window.page("users")
    assert isinstance(page, UsersPage)
    column = [page.model.headerData(c, Qt.Orientation.Horizontal)
              for c in range(page.model.columnCount())].index("Supervision")

    def cell(login: str) -> str:
        row = next(i for i, u in enumerate(page.model.rows()) if u.login == login)
        return str(page.model.data(page.model.index(row, column)))

    assert cell("uma") == "Co-sign: Sam Supervisor" and cell("tara") == ""
    page.select_login("admin")
    assert not page.supervision_button.isEnabled()  # admins do not sign clinical notes
    page.select_login("tara")
    _click(qtbot, page.supervision_button)
    bar = page.supervision_bar
    assert bar.isVisible() and not bar.requires_cosign.isChecked()
    qtbot.keyClick(bar.requires_cosign, Qt.Key.Key_Space)
    bar.supervisor.setCurrentIndex(bar.supervisor.findData(nc.sam.id))
    # Sam is deactivated in another window before the admin saves: the bar says so, keeps
    # the choice, and nothing is stored.
    users.set_active(nc.admin, nc.sam.id, False)
    _click(qtbot, bar.save_button)
    assert bar.isVisible() and "active supervisor" in bar.error.text()
    assert bar.requires_cosign.isChecked()
    assert not next(u for u in users.list_users(nc.admin) if u.login == "tara").requires_cosign
    users.set_active(nc.admin, nc.sam.id, True, PASSWORD)
    _click(qtbot, bar.save_button)
    assert not bar.isVisible() and "Saved supervision" in page.info.text()
    tara = next(u for u in users.list_users(nc.admin) if u.login == "tara")
    assert (tara.requires_cosign, tara.supervisor_id) == (True, nc.sam.id)
    assert cell("tara") == "Co-sign: Sam Supervisor"
    # Any supervisor may co-sign when none is assigned.
    page.select_login("tara")
    _click(qtbot, page.supervision_button)
    bar.supervisor.setCurrentIndex(0)
    _click(qtbot, bar.save_button)
    assert cell("tara") == "Co-sign: any supervisor"
    assert len(audit.list_events(nc.admin, action_prefix="user.supervision")) == 3


def test_program_form_sets_the_note_settings(qtbot: QtBot, admin_window: MainWindow,
                                             nc: NotesClinic) -> None:
    admin_window.show_page("programs")
    page = admin_window.page("programs")
    assert isinstance(page, ProgramsPage)
    page.programs.select_id(nc.program.id)
    _click(qtbot, page.programs.edit_button)
    form = page.dialog
    assert isinstance(form, ProgramForm)
    assert (form.note_format.currentData(), form.unit_rule.currentData()) == ("DAP", "per_diem")
    assert form.absence_notes.isChecked()
    form.note_format.setCurrentIndex(form.note_format.findData("GIRP"))
    form.unit_rule.setCurrentIndex(form.unit_rule.findData("per_session"))
    qtbot.keyClick(form.absence_notes, Qt.Key.Key_Space)
    _click(qtbot, form.buttons.button(form.buttons.StandardButton.Save))
    assert not form.isVisible()
    [stored] = programs.list_programs(nc.admin)
    assert (stored.note_format, stored.unit_rule, stored.absence_notes) == (
        "GIRP", "per_session", False)
    model = page.programs.model
    row = model.rows().index(stored)
    cells = [model.data(model.index(row, c)) for c in range(model.columnCount())]
    assert "GIRP · 72 h · no absence notes" in cells and "per session" in cells
