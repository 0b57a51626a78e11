"""Administration pages: accounts, the audit log, clinic settings and "change my password"."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import auth, users
from facilitator.services.errors import AuthError
from facilitator.services.users import UserDraft
from facilitator.services.workspace import Workspace
from facilitator.storage.vault import Vault
from facilitator.ui.admin.audit_page import AuditPage
from facilitator.ui.admin.user_forms import PasswordForm, UserForm
from facilitator.ui.admin.users_page import UsersPage
from facilitator.ui.main_window import MainWindow
from facilitator.ui.settings_page import SettingsPage
from tests.conftest import PASSWORD

DANA_PASSWORD = "dana's long password"


def _page(main: MainWindow, key: str, cls: type) -> object:
    main.show_page(key)
    page = main.page(key)
    assert isinstance(page, cls) and page.isVisible()
    return page


def _type(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def _save(qtbot: QtBot, dialog: UserForm | PasswordForm) -> None:
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save),
                     Qt.MouseButton.LeftButton)


def test_admin_adds_a_therapist_who_can_sign_in(qtbot: QtBot, main: MainWindow, vault: Vault,
                                                clock: FakeClock) -> None:
    page = _page(main, "users", UsersPage)
    assert isinstance(page, UsersPage)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    form = page.dialog
    assert isinstance(form, UserForm) and form.isVisible()
    qtbot.keyClicks(form.login, "Dana")
    qtbot.keyClicks(form.display_name, "Dana Therapist")
    qtbot.keyClicks(form.credentials, "LPC")
    qtbot.keyClicks(form.password, "short")
    qtbot.keyClicks(form.password_again, "short")
    _save(qtbot, form)
    assert form.errors.labels["password"].isVisible()

    _type(qtbot, form.password, DANA_PASSWORD)
    _type(qtbot, form.password_again, DANA_PASSWORD)
    _save(qtbot, form)
    assert not form.isVisible()
    logins = [u.login for u in page.model.rows()]
    assert "dana" in logins and "✓" in page.info.text()
    dana = auth.sign_in(vault, clock, "dana", DANA_PASSWORD)
    assert dana.actor.role == "therapist" and dana.actor.credentials == "LPC"
    dana.close()

    # The same login again: the conflict appears next to the login field.
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    form = page.dialog
    assert isinstance(form, UserForm)
    qtbot.keyClicks(form.login, "dana")
    qtbot.keyClicks(form.display_name, "Another Dana")
    qtbot.keyClicks(form.password, DANA_PASSWORD)
    qtbot.keyClicks(form.password_again, DANA_PASSWORD)
    _save(qtbot, form)
    assert "taken" in form.errors.labels["login"].text()
    form.reject()


def test_deactivate_reactivate_and_reset(qtbot: QtBot, main: MainWindow, ws: Workspace,
                                         vault: Vault, clock: FakeClock) -> None:
    users.add_user(ws, UserDraft("dana", "Dana Therapist", "LPC", "therapist"), DANA_PASSWORD)
    page = _page(main, "users", UsersPage)
    assert isinstance(page, UsersPage)
    page.refresh()
    page.select_login("dana")
    qtbot.mouseClick(page.active_button, Qt.MouseButton.LeftButton)
    assert page.confirm_bar.isVisible() and "Dana Therapist" in page.confirm_bar.text.text()
    qtbot.mouseClick(page.confirm_bar.confirm_button, Qt.MouseButton.LeftButton)
    assert not page.selected().active
    with pytest.raises(AuthError):
        auth.sign_in(vault, clock, "dana", DANA_PASSWORD)

    assert "Reactivate" in page.active_button.text().replace("&", "")
    qtbot.mouseClick(page.active_button, Qt.MouseButton.LeftButton)
    form = page.dialog
    assert isinstance(form, PasswordForm)
    qtbot.keyClicks(form.password, "reactivated password")
    qtbot.keyClicks(form.password_again, "reactivated password")
    _save(qtbot, form)
    assert page.selected().active
    auth.sign_in(vault, clock, "dana", "reactivated password").close()

    qtbot.mouseClick(page.reset_button, Qt.MouseButton.LeftButton)
    form = page.dialog
    assert isinstance(form, PasswordForm)
    qtbot.keyClicks(form.password, "another new password")
    qtbot.keyClicks(form.password_again, "a different password")
    _save(qtbot, form)
    assert form.errors.labels["password_again"].isVisible()
    _type(qtbot, form.password_again, "another new password")
    _save(qtbot, form)
    assert not form.isVisible()
    auth.sign_in(vault, clock, "dana", "another new password").close()


def test_audit_page_lists_filters_and_verifies(qtbot: QtBot, main: MainWindow, ws: Workspace,
                                               vault: Vault, clock: FakeClock) -> None:
    clock.advance(minutes=5)
    auth.sign_in(vault, clock, "admin", PASSWORD).close()
    page = _page(main, "audit", AuditPage)
    assert isinstance(page, AuditPage)
    actions = [page.model.row_at(r).action for r in range(page.model.rowCount())]
    assert {"clinic.created", "user.created", "login"} <= set(actions)
    assert actions[0] == "login"  # newest first
    # The head hash is on the page, to be noted on paper.
    from facilitator.services import audit

    assert audit.chain_head(ws).head_hash in page.head.text()

    qtbot.keyClicks(page.action, "login")
    qtbot.keyClick(page.action, Qt.Key.Key_Return)
    assert {page.model.row_at(r).action for r in range(page.model.rowCount())} == {"login"}

    # A date range before anything happened shows nothing.
    page.action.clear()
    page.until.none.setChecked(False)
    page.until.edit.setDate(page.until.edit.date().addDays(-1))
    qtbot.mouseClick(page.apply_button, Qt.MouseButton.LeftButton)
    assert page.model.rowCount() == 0
    page.until.none.setChecked(True)
    qtbot.mouseClick(page.apply_button, Qt.MouseButton.LeftButton)
    assert page.model.rowCount() >= 3

    qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    # The check runs off the GUI thread (ui.ops); the button comes back when it is done.
    qtbot.waitUntil(lambda: page.verify_button.isEnabled(), timeout=10_000)
    assert "✓" in page.verify_result.text(), page.error.text()


def test_therapist_sees_no_admin_pages(qtbot: QtBot, ws: Workspace, vault: Vault,
                                       clock: FakeClock) -> None:
    users.add_user(ws, UserDraft("dana", "Dana Therapist", "LPC", "therapist"), DANA_PASSWORD)
    dana = auth.sign_in(vault, clock, "dana", DANA_PASSWORD)
    window = MainWindow(dana)
    qtbot.addWidget(window)
    window.show()
    keys = [s.key for s in window.specs]
    assert "users" not in keys and "audit" not in keys and "settings" in keys
    assert window.page("users") is None
    settings = _page(window, "settings", SettingsPage)
    assert isinstance(settings, SettingsPage) and settings.clinic_box is None
    window.close()


def test_settings_clinic_and_change_my_password(qtbot: QtBot, main: MainWindow, vault: Vault,
                                                clock: FakeClock, ws: Workspace) -> None:
    page = _page(main, "settings", SettingsPage)
    assert isinstance(page, SettingsPage)
    assert page.clinic_name.text() == "Lakeside Recovery (demo)"
    _type(qtbot, page.clinic_name, "Lakeside North")
    page.timezone.setCurrentText("Nowhere/Else")
    qtbot.mouseClick(page.clinic_save, Qt.MouseButton.LeftButton)
    assert page.clinic_errors.labels["timezone"].isVisible()
    page.timezone.setCurrentText("America/Denver")
    page.idle_minutes.setValue(3)
    qtbot.mouseClick(page.clinic_save, Qt.MouseButton.LeftButton)
    assert "✓" in page.clinic_saved_label.text()
    assert main.clinic_label.text() == "Lakeside North"
    assert main.lock_controller.idle_minutes == 3
    assert users.clinic(ws).timezone == "America/Denver"

    qtbot.keyClicks(page.old_password, "wrong old password")
    qtbot.keyClicks(page.new_password, "my new password 1")
    qtbot.keyClicks(page.new_password_again, "my new password 1")
    qtbot.mouseClick(page.password_save, Qt.MouseButton.LeftButton)
    assert page.password_errors.labels["old"].isVisible()
    _type(qtbot, page.old_password, PASSWORD)
    qtbot.keyClick(page.new_password_again, Qt.Key.Key_Return)
    assert "✓" in page.password_saved.text() and page.old_password.text() == ""
    auth.sign_in(vault, clock, "admin", "my new password 1").close()


def test_the_audit_page_mnemonics_are_unique_with_the_menus(qtbot: QtBot,
                                                             main: MainWindow) -> None:
    """Each Alt+letter on the audit page reaches one thing: no caption takes the File or Go
    menu's letter, and no two captions share one."""
    page = _page(main, "audit", AuditPage)
    texts = [a.text() for a in main.menuBar().actions()]
    texts += [w.text() for w in page.findChildren(QLabel) + page.findChildren(QAbstractButton)
              if w.isVisible()]
    letters = [m.group(1).casefold() for t in texts for m in re.finditer(r"&([^&\s])", t)]
    assert len(letters) == len(set(letters)), sorted(letters)
    assert len(letters) >= 7  # the menus and the page's captions were all seen
