"""Ctrl+L locks from every window of the app, and the idle lock hides the live console too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services.workspace import Workspace
from facilitator.ui.console.today import TodayPage
from facilitator.ui.console.window import ConsoleWindow
from facilitator.ui.main_window import MainWindow
from tests.conftest import PASSWORD

from .conftest import DemoGroup
from .helpers import press

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def main(qtbot: QtBot, therapist_ws: Workspace, demo_group: DemoGroup) -> Iterator[MainWindow]:
    window = MainWindow(therapist_ws)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()


def _console(qtbot: QtBot, main: MainWindow) -> ConsoleWindow:
    page = main.page("today")
    assert isinstance(page, TodayPage)
    page.start_selected()
    [console] = page.consoles.values()
    qtbot.waitExposed(console)
    _activate(qtbot, console)
    return console


def _activate(qtbot: QtBot, window: QWidget) -> None:
    """Make ``window`` the active one, as the therapist's click on it would: the keys must not
    reach the main window's own shortcut."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_ctrl_l_in_the_live_console_locks_and_hides_it(qtbot: QtBot, main: MainWindow) -> None:
    console = _console(qtbot, main)
    press(qtbot, console, "1")
    press(qtbot, console, Qt.Key.Key_L, CTRL)
    assert main.lock_controller.is_locked
    assert not console.isVisible()
    assert main.outer.currentWidget() is main.lock_screen
    assert main.lock_controller.unlock(PASSWORD) is None
    assert console.isVisible()


def test_ctrl_l_in_a_console_text_field_locks(qtbot: QtBot, main: MainWindow) -> None:
    console = _console(qtbot, main)
    press(qtbot, console, Qt.Key.Key_J)  # the jot panel: focus in a line edit
    assert isinstance(console.focusWidget(), QLineEdit)
    press(qtbot, console, Qt.Key.Key_L, CTRL)
    assert main.lock_controller.is_locked and not console.isVisible()


def test_ctrl_l_in_the_presenter_locks(qtbot: QtBot, main: MainWindow) -> None:
    console = _console(qtbot, main)
    press(qtbot, console, Qt.Key.Key_V)
    presenter = console.topics.presenter
    assert presenter is not None and presenter.isVisible()
    _activate(qtbot, presenter)
    press(qtbot, presenter, Qt.Key.Key_L, CTRL)
    assert main.lock_controller.is_locked and not console.isVisible()


def test_ctrl_l_in_a_dialog_locks(qtbot: QtBot, main: MainWindow) -> None:
    dialog = QDialog(main)
    field = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(field)
    dialog.show()
    qtbot.waitExposed(dialog)
    _activate(qtbot, dialog)
    qtbot.keyClick(field, Qt.Key.Key_L, CTRL)
    assert main.lock_controller.is_locked and not dialog.isVisible()


def test_idle_lock_hides_the_console(qtbot: QtBot, main: MainWindow, clock: FakeClock) -> None:
    console = _console(qtbot, main)
    press(qtbot, console, "1")  # input in the console counts as activity
    clock.advance(minutes=main.lock_controller.idle_minutes - 1)
    main.lock_controller.check_idle()
    assert not main.lock_controller.is_locked and console.isVisible()
    clock.advance(minutes=1)
    main.lock_controller.check_idle()
    assert main.lock_controller.is_locked and not console.isVisible()
