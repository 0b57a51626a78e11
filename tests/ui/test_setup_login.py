"""First run, sign-in and password recovery, driven as a person would."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import app_state, auth, clinic_setup
from facilitator.services.errors import AuthError, StorageProblem
from facilitator.services.workspace import Workspace
from facilitator.storage.vault import Vault
from facilitator.ui.app import Shell
from facilitator.ui.login_window import LoginWindow
from facilitator.ui.main_window import MainWindow
from facilitator.ui.setup_window import SetupWindow
from tests.conftest import PASSWORD


def _type(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def _fill_setup(qtbot: QtBot, w: SetupWindow, *, timezone: str, password: str) -> None:
    _type(qtbot, w.clinic_name, "Lakeside Recovery")
    _type(qtbot, w.timezone.lineEdit(), timezone)
    w.address.clear()
    qtbot.keyClicks(w.address, "1 Example Way")
    _type(qtbot, w.admin_login, "Avery")
    _type(qtbot, w.admin_display_name, "Avery Admin")
    _type(qtbot, w.admin_credentials, "LCSW")
    _type(qtbot, w.password, password)
    _type(qtbot, w.password_again, password)


def test_setup_shows_errors_next_to_fields_then_recovery_key_once(
        qtbot: QtBot, vault: Vault, clock: FakeClock) -> None:
    w = SetupWindow(vault, clock)
    qtbot.addWidget(w)
    w.show()
    _fill_setup(qtbot, w, timezone="Mars/Olympus_Mons", password="short")
    qtbot.mouseClick(w.create_button, Qt.MouseButton.LeftButton)

    tz_error, pw_error = w.errors.labels["timezone"], w.errors.labels["password"]
    assert tz_error.isVisible() and "Unknown time zone" in tz_error.text()
    assert pw_error.isVisible() and "at least 10" in pw_error.text()
    assert not w.errors.labels["clinic_name"].isVisible()
    assert not w.general_error.isVisible()
    assert not vault.exists()

    _fill_setup(qtbot, w, timezone="America/Chicago", password=PASSWORD)
    qtbot.keyClick(w.password_again, Qt.Key.Key_Return)
    page = w.recovery_page
    assert w.stack.currentWidget() is page
    assert not tz_error.isVisible() and not pw_error.isVisible()
    key = page.key_label.text()
    assert len(key) >= 20 and page.key_label.font().fixedPitch()

    with qtbot.assertNotEmitted(w.signed_in):
        qtbot.mouseClick(page.continue_button, Qt.MouseButton.LeftButton)
    assert not page.continue_button.isEnabled()
    page.stored.click()
    assert page.continue_button.isEnabled()
    with qtbot.waitSignal(w.signed_in) as signal:
        qtbot.mouseClick(page.continue_button, Qt.MouseButton.LeftButton)
    ws: Workspace = signal.args[0]
    try:
        assert ws.actor.login == "avery" and ws.actor.role == "admin"
        assert str(ws.timezone) == "America/Chicago"
    finally:
        ws.close()
    assert page.key_label.text() == ""  # shown once
    # The key shown is the real one.
    auth.reset_password_with_recovery(vault, clock, key, "avery", "a brand new password")
    auth.sign_in(vault, clock, "avery", "a brand new password").close()


def test_demo_clinic_from_setup_window(qtbot: QtBot, vault: Vault, clock: FakeClock) -> None:
    w = SetupWindow(vault, clock)
    qtbot.addWidget(w)
    w.show()
    qtbot.keyClicks(w.demo_password, "too short")
    qtbot.mouseClick(w.demo_button, Qt.MouseButton.LeftButton)
    assert w.demo_errors.labels["password"].isVisible()
    assert not vault.exists()

    _type(qtbot, w.demo_password, "demo password 1")
    qtbot.keyClick(w.demo_password, Qt.Key.Key_Return)
    # Created off the GUI thread: the button says so and cannot be pressed twice.
    assert not w.demo_button.isEnabled() and "Creating" in w.demo_button.text()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.recovery_page, timeout=30_000)
    w.recovery_page.stored.click()
    with qtbot.waitSignal(w.signed_in) as signal:
        qtbot.mouseClick(w.recovery_page.continue_button, Qt.MouseButton.LeftButton)
    ws: Workspace = signal.args[0]
    ws.close()
    auth.sign_in(vault, clock, "admin", "demo password 1").close()


def test_wrong_password_inline_then_right_one_opens_main_window(
        qtbot: QtBot, clinic: tuple[Workspace, str], vault: Vault, clock: FakeClock) -> None:
    w = LoginWindow(vault, clock)
    qtbot.addWidget(w)
    w.show()
    qtbot.keyClicks(w.login, "admin")
    qtbot.keyClicks(w.password, "not the password")
    emitted: list[object] = []
    w.signed_in.connect(emitted.append)
    qtbot.keyClick(w.password, Qt.Key.Key_Return)
    # The unlock runs off the GUI thread; meanwhile the button says so.
    assert not w.sign_in_button.isEnabled() and "Signing in" in w.sign_in_button.text()
    qtbot.waitUntil(lambda: w.error.isVisible(), timeout=10_000)
    assert "not correct" in w.error.text() and not emitted
    assert w.sign_in_button.isEnabled() and not w.restore_button.isVisible()
    assert w.isVisible() and w.password.text() == ""

    qtbot.keyClicks(w.password, PASSWORD)
    with qtbot.waitSignal(w.signed_in) as signal:
        qtbot.keyClick(w.password, Qt.Key.Key_Return)
    main = MainWindow(signal.args[0])
    qtbot.addWidget(main)
    main.show()
    assert "Avery Admin, LCSW" in main.user_label.text()
    assert main.clinic_label.text() == "Lakeside Recovery (demo)"
    assert {"roster", "users", "audit", "settings"} <= {s.key for s in main.specs}
    main.close()


def test_back_off_message_is_shown_inline(
        qtbot: QtBot, clinic: tuple[Workspace, str], vault: Vault, clock: FakeClock) -> None:
    w = LoginWindow(vault, clock)
    qtbot.addWidget(w)
    w.show()
    qtbot.keyClicks(w.login, "admin")
    messages = set()
    for _ in range(8):
        qtbot.keyClicks(w.password, "not the password")
        qtbot.keyClick(w.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: w.sign_in_button.isEnabled(), timeout=10_000)
        messages.add(w.error.message())
    assert any("Too many failed attempts" in m for m in messages), messages


def test_forgot_password_with_recovery_key(
        qtbot: QtBot, clinic: tuple[Workspace, str], vault: Vault, clock: FakeClock) -> None:
    recovery_key = clinic[1]
    w = LoginWindow(vault, clock)
    qtbot.addWidget(w)
    w.show()
    qtbot.keyClicks(w.login, "admin")
    qtbot.mouseClick(w.forgot_button, Qt.MouseButton.LeftButton)
    assert w.recovery_login.text() == "admin"
    qtbot.keyClicks(w.recovery_key, "not-the-key")
    qtbot.keyClicks(w.new_password, "fresh password 42")
    qtbot.keyClicks(w.new_password_again, "fresh password 43")
    qtbot.mouseClick(w.reset_button, Qt.MouseButton.LeftButton)
    assert w.recovery_errors.labels["password_again"].isVisible()

    _type(qtbot, w.new_password_again, "fresh password 42")
    qtbot.keyClick(w.new_password_again, Qt.Key.Key_Return)
    assert w.recovery_general.isVisible() and "recovery key" in w.recovery_general.text()

    _type(qtbot, w.recovery_key, recovery_key)
    _type(qtbot, w.new_password, "fresh password 42")
    _type(qtbot, w.new_password_again, "fresh password 42")
    qtbot.mouseClick(w.reset_button, Qt.MouseButton.LeftButton)
    assert w.stack.currentIndex() == 0 and w.info.isVisible()
    assert w.recovery_key.text() == ""
    qtbot.keyClicks(w.password, "fresh password 42")
    with qtbot.waitSignal(w.signed_in) as signal:
        qtbot.keyClick(w.password, Qt.Key.Key_Return)
    signal.args[0].close()
    with pytest.raises(AuthError):
        auth.sign_in(vault, clock, "admin", PASSWORD)


def test_no_keyring_notice_is_shown_once(qtbot: QtBot, tmp_path: Path,
                                         clock: FakeClock) -> None:
    vault = app_state.open_vault(tmp_path / "folder", no_keyring=True)
    first = LoginWindow(vault, clock)
    qtbot.addWidget(first)
    first.show()
    # The keychain is asked once the window is up (a zero-delay timer), not before.
    qtbot.waitUntil(lambda: first.keyring_notice.isVisible())
    assert "keychain" in first.keyring_notice.text()
    second = LoginWindow(vault, clock)
    qtbot.addWidget(second)
    second.show()
    QCoreApplication.processEvents()  # runs the deferred check
    assert not second.keyring_notice.isVisible()


def test_keyring_notice_not_shown_with_a_keyring(qtbot: QtBot, vault: Vault,
                                                 clock: FakeClock) -> None:
    w = LoginWindow(vault, clock)
    qtbot.addWidget(w)
    w.show()
    QCoreApplication.processEvents()  # runs the deferred check
    assert not w.keyring_notice.isVisible()


def test_second_instance_on_same_folder_is_refused(vault: Vault) -> None:
    lock = app_state.acquire_instance_lock(vault)
    try:
        with pytest.raises(StorageProblem, match="already open"):
            app_state.acquire_instance_lock(vault)
    finally:
        lock.release()
    app_state.acquire_instance_lock(vault).release()


def test_shell_shows_setup_first_then_sign_in(qtbot: QtBot, vault: Vault,
                                              clock: FakeClock) -> None:
    shell = Shell(vault, clock)
    shell.start()
    assert isinstance(shell.window, SetupWindow)
    qtbot.addWidget(shell.window)
    ws, _key = clinic_setup.create_clinic(vault, clock, clinic_setup.ClinicSetup(
        "Clinic", "America/Chicago", "", "admin", "Avery", "", PASSWORD, PASSWORD))
    ws.close()
    shell.start()
    assert isinstance(shell.window, LoginWindow)
    qtbot.addWidget(shell.window)
    qtbot.keyClicks(shell.window.login, "admin")
    qtbot.keyClicks(shell.window.password, PASSWORD)
    qtbot.keyClick(shell.window.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(shell.window, MainWindow), timeout=10_000)
    main = shell.window
    qtbot.addWidget(main)
    main.sign_out_action.trigger()
    assert isinstance(shell.window, LoginWindow)
    qtbot.addWidget(shell.window)
