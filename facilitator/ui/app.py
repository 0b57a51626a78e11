"""Starting the desktop application: settings, the one-instance lock, then set-up or sign-in,
then the main window."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs
from PySide6.QtCore import QCoreApplication, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from facilitator import APP_NAME
from facilitator.clock import Clock, SystemClock
from facilitator.services import app_state
from facilitator.services.app_state import Vault

from . import crash
from .errors import attempt, user_message
from .login_window import LoginWindow

if TYPE_CHECKING:
    from facilitator.services.workspace import Workspace


def configure_settings(config_dir: Path | None = None) -> None:
    """QSettings as an INI file in the platform's config folder (UI preferences only); Qt adds
    ``<organization>/<application>.ini`` below ``config_dir``."""
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    folder = config_dir or Path(platformdirs.user_config_dir())
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))


class Shell(QObject):
    """Owns the windows for one data folder: set-up or sign-in first, then the main window;
    signing out returns to sign-in."""

    def __init__(self, vault: Vault, clock: Clock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.clock = clock
        self.window: QWidget | None = None

    def start(self) -> None:
        if app_state.vault_exists(self.vault):
            self.show_login()
        else:
            from .setup_window import SetupWindow

            setup = SetupWindow(self.vault, self.clock)
            setup.signed_in.connect(self._on_signed_in)
            setup.joined.connect(self.show_login)
            self._replace(setup)

    def show_login(self) -> None:
        login = LoginWindow(self.vault, self.clock)
        login.signed_in.connect(self._on_signed_in)
        self._replace(login)

    def _on_signed_in(self, ws: Workspace) -> None:
        from facilitator.services.curriculum import library

        from .main_window import MainWindow

        # A new app version may ship new topics: bring them in before the console needs them
        # (idempotent, ~10 ms). A broken library file is reported on the curriculum page.
        attempt(lambda: library.sync_shipped_library(ws), lambda _error: None)

        main = MainWindow(ws)
        main.signed_out.connect(self.show_login)
        main.quit_requested.connect(QCoreApplication.quit)
        self._replace(main)

    def notify_error(self, text: str) -> None:
        """Show an unexpected-error notice without a modal dialog when a main window is up."""
        status = getattr(self.window, "status_message", None)
        if status is not None:
            status(text, 20000)
        else:
            QMessageBox.warning(self.window, APP_NAME, text)

    def _replace(self, window: QWidget) -> None:
        old, self.window = self.window, window
        window.show()
        if old is not None:
            old.hide()
            old.deleteLater()


def _warm_up() -> None:
    """Load the database stack in the background while the user types the password, so signing
    in does not pay for it; the login window itself never waits for these imports."""
    import importlib
    import threading

    def load() -> None:
        for name in ("facilitator.services.auth", "facilitator.services.roster",
                     "facilitator.services.console"):
            importlib.import_module(name)

    threading.Thread(target=load, name="warm-up", daemon=True).start()


def run_gui(data_dir: Path | None, no_keyring: bool = False) -> int:
    """Run the desktop app on ``data_dir`` (the platform data folder if None); returns the
    exit code."""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    configure_settings()
    app.setStyle("Fusion")
    try:
        vault = app_state.open_vault(data_dir, no_keyring)
        lock = app_state.acquire_instance_lock(vault)
    except Exception as error:
        QMessageBox.critical(None, APP_NAME, user_message(error))
        return 1
    try:
        shell = Shell(vault, SystemClock())
        crash.install(app_state.data_dir(vault) / "logs", shell.notify_error)
        shell.start()
        QTimer.singleShot(0, _warm_up)
        return app.exec()
    finally:
        lock.release()


def bench_start(data_dir: Path, *, open_roster: bool,
                on_shown: Callable[[QApplication], None]) -> int:
    """Start-up path for `make bench`: the real login window, or (``open_roster``) a signed-in
    main window on the roster page; ``on_shown`` runs once the window is on screen."""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    vault = app_state.open_vault(data_dir, no_keyring=True)
    if open_roster:
        from facilitator.services import auth

        ws = auth.sign_in(vault, SystemClock(), "admin", os.environ["FACILITATOR_PASSWORD"])
        from .main_window import MainWindow

        window: QWidget = MainWindow(ws)
        window.show_page("roster")  # type: ignore[attr-defined]
    else:
        window = LoginWindow(vault, SystemClock())
    window.show()
    QTimer.singleShot(0, lambda: on_shown(app))
    return app.exec()
