"""Revoking keys from the Users page: deactivating offers the rotation inline, a rotation that
would lock someone out says who first, and a new recovery key is shown once and cannot be
dismissed unseen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import users
from facilitator.services.users import UserDraft
from facilitator.services.workspace import Workspace
from facilitator.storage.errors import WrongPassword
from facilitator.storage.keyfile import KeyFile
from facilitator.storage.vault import Vault
from facilitator.ui.admin.key_actions import RecoveryKeyDialog
from facilitator.ui.admin.users_page import UsersPage
from facilitator.ui.main_window import MainWindow

WAIT = 15_000


def _users_page(main: MainWindow, ws: Workspace) -> UsersPage:
    users.add_user(ws, UserDraft("dana", "Dana Therapist", "LPC", "therapist"),
                   "dana's long password")
    main.show_page("users")
    page = main.page("users")
    assert isinstance(page, UsersPage)
    page.refresh()
    return page


def test_deactivating_offers_the_rotation_and_one_click_does_it(
        qtbot: QtBot, main: MainWindow, ws: Workspace, vault: Vault) -> None:
    page = _users_page(main, ws)
    page.select_login("dana")
    qtbot.mouseClick(page.active_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.confirm_bar.confirm_button, Qt.MouseButton.LeftButton)
    bar = page.key_bar
    assert bar.isVisible() and "dana was deactivated" in bar.text.text()
    assert "Rotate the data key now" in bar.confirm_button.text().replace("&", "")
    with qtbot.waitSignal(bar.finished, timeout=WAIT):
        qtbot.mouseClick(bar.confirm_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible() and "rotated" in page.info.text()
    assert KeyFile.load(vault.keys_path).epoch == 2
    assert bar.dialog is None  # the recovery key did not change


def test_a_new_recovery_key_is_shown_once_and_the_old_one_stops(
        qtbot: QtBot, main: MainWindow, ws: Workspace, vault: Vault, clock: FakeClock,
        clinic: tuple[Workspace, str]) -> None:
    page = _users_page(main, ws)
    qtbot.mouseClick(page.recovery_button, Qt.MouseButton.LeftButton)
    bar = page.key_bar
    assert bar.isVisible() and "stops working" in bar.text.text()
    with qtbot.waitSignal(bar.finished, timeout=WAIT):
        qtbot.mouseClick(bar.confirm_button, Qt.MouseButton.LeftButton)
    dialog = bar.dialog
    assert isinstance(dialog, RecoveryKeyDialog) and dialog.isVisible()
    new_key = dialog.page.key_label.text()
    assert len(new_key) == 35 and new_key != clinic[1]
    dialog.reject()  # Escape before "I have stored it": the key stays on screen
    assert dialog.isVisible()
    dialog.page.stored.setChecked(True)
    qtbot.mouseClick(dialog.page.continue_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and dialog.page.key_label.text() == ""
    with pytest.raises(WrongPassword):
        vault.unlock_with_recovery(clinic[1], clock.now())
    vault.unlock_with_recovery(new_key, clock.now()).db.close()


def test_rotation_names_who_would_need_a_password_reset(
        qtbot: QtBot, main: MainWindow, ws: Workspace, vault: Vault) -> None:
    page = _users_page(main, ws)
    # Dana's slot as an older version wrote it (she has not signed in since the upgrade).
    keys = KeyFile.load(vault.keys_path)
    keys.slots["user:dana"].public, keys.slots["user:dana"].sealed = "", []
    keys.save()
    qtbot.mouseClick(page.recovery_button, Qt.MouseButton.LeftButton)
    bar = page.key_bar
    qtbot.mouseClick(bar.confirm_button, Qt.MouseButton.LeftButton)
    assert "Not everyone can receive the new key: dana" in bar.text.text()
    assert KeyFile.load(vault.keys_path).epoch == 1  # nothing happened yet
    with qtbot.waitSignal(bar.finished, timeout=WAIT):
        qtbot.mouseClick(bar.confirm_button, Qt.MouseButton.LeftButton)
    assert "Reset the password of: dana" in page.info.text()
    bar.dialog.page.stored.setChecked(True)
    bar.dialog.page.continue_button.click()
