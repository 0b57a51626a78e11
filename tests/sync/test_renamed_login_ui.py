"""What the two Danas and the admin see after a login clash (``test_renamed_login``): the
renamed Dana's window says once, in one line, that her login changed; the other Dana's says
nothing; the admin's users page and audit log name the rename."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from facilitator.services import auth
from facilitator.ui.admin.audit_page import AuditPage
from facilitator.ui.admin.users_page import UsersPage
from facilitator.ui.main_window import MainWindow
from tests.sync.enrolling import clinic, nc
from tests.sync.laptops import Laptop
from tests.sync.test_renamed_login import PEOPLE, _logins, danas
from tests.ui.conftest import isolated_settings, shows  # autouse: QSettings in tmp_path

__all__ = ["clinic", "danas", "isolated_settings", "nc"]


def _window(qtbot: QtBot, laptop: Laptop, login: str, password: str) -> MainWindow:
    window = MainWindow(auth.sign_in(laptop.vault, laptop.clock, login, password))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_renamed_dana_is_told_in_one_line_and_the_other_is_not(
        qtbot: QtBot, danas: tuple[Laptop, Laptop]) -> None:
    a, b = danas
    listed = _logins(a)
    new = next(login for login in listed.values() if login != "dana")
    for laptop in (a, b):
        for name, password in PEOPLE.values():
            window = _window(qtbot, laptop, "dana", password)
            try:
                assert window.ws.actor.display_name == name
                if listed[name] == new:
                    assert window.notice.isVisible()
                    assert (f"Your login is now \u201c{new}\u201d: \u201cdana\u201d was also given"
                            in window.notice_label.text())
                    qtbot.mouseClick(window.notice_dismiss, Qt.MouseButton.LeftButton)
                    assert not window.notice.isVisible()
                else:
                    assert not window.notice.isVisible()
            finally:
                window.sign_out()


def test_the_admin_sees_the_rename_on_the_users_page_and_in_the_audit_log(
        qtbot: QtBot, danas: tuple[Laptop, Laptop]) -> None:
    a, _b = danas
    new = next(login for login in _logins(a).values() if login != "dana")
    window = MainWindow(a.sign_in())
    qtbot.addWidget(window)
    window.show()
    window.show_page("users")
    page = window.page("users")
    assert isinstance(page, UsersPage)
    assert shows(page, f"{new} (renamed from dana)")
    window.show_page("audit")
    audit = window.page("audit")
    assert isinstance(audit, AuditPage)
    assert shows(audit, f"renamed a user's login from dana to {new}")
    window.close()
