"""Screenshots of the application shell (offscreen): set-up, recovery key, sign-in, roster,
lock screen, programs & groups, users, audit and backups pages, written to
docs/screenshots/. Uses the demo clinic in a temporary folder with a fast key derivation, so it
runs in seconds.

    .venv/bin/python scripts/screenshots_shell.py
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import shots
from PySide6.QtCore import QSize

from facilitator.clock import FakeClock
from facilitator.services import auth
from facilitator.ui.app import configure_settings
from facilitator.ui.login_window import LoginWindow
from facilitator.ui.main_window import MainWindow
from facilitator.ui.ops import wait_for_ops
from facilitator.ui.roster.roster_page import RosterPage
from facilitator.ui.setup_window import SetupWindow

PASSWORD = shots.PASSWORD




def main() -> int:
    app = shots.app()
    with tempfile.TemporaryDirectory() as tmp:
        configure_settings(Path(tmp) / "settings")
        clock = FakeClock(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
        vault = shots.scratch_vault(Path(tmp) / "data")

        setup = SetupWindow(vault, clock)
        setup.clinic_name.setText("Lakeside Recovery")
        setup.timezone.setCurrentText("America/Chicago")
        setup.admin_login.setText("avery")
        setup.admin_display_name.setText("Avery Admin")
        setup.admin_credentials.setText("LCSW")
        setup.password.setText("short")
        setup.password_again.setText("short")
        setup.create_button.click()
        shots.shoot(app, setup, "setup")

        setup.demo_password.setText(PASSWORD)
        setup.demo_button.click()
        wait_for_ops()  # the demo clinic is created off the GUI thread
        shots.shoot(app, setup, "recovery_key")
        setup.recovery_page.stored.click()
        ws = setup.workspace
        setup.close()
        assert ws is not None
        ws.close()

        login = LoginWindow(vault, clock)
        login.login.setText("admin")
        login.password.setText("wrong password")
        login.sign_in_button.click()
        wait_for_ops()  # signing in runs off the GUI thread
        shots.shoot(app, login, "login")
        login.close()

        ws = auth.sign_in(vault, clock, "admin", PASSWORD)
        window = MainWindow(ws)
        window.resize(QSize(1280, 760))
        window.show()
        window.show_page("roster")
        roster = window.page("roster")
        assert isinstance(roster, RosterPage)
        roster.table.selectRow(2)
        shots.shoot(app, window, "roster")
        roster.add_button.click()
        form = roster.form
        assert form is not None
        form.chart_id.setText("DEMO-0005")
        form.legal_name.setText("Zoë Example 🌻")
        form.preferred_name.setText("سارة")
        form.buttons.button(form.buttons.StandardButton.Save).click()
        shots.shoot(app, form, "participant_form")
        form.reject()
        window.show_page("programs")
        programs_page = window.page("programs")
        assert programs_page is not None
        programs_page.groups.table.selectRow(0)  # type: ignore[attr-defined]
        shots.shoot(app, window, "programs")
        window.show_page("users")
        shots.shoot(app, window, "users")
        window.show_page("audit")
        shots.shoot(app, window, "audit")
        from facilitator.services import maintenance

        maintenance.update_backup_settings(ws, folder=str(Path(tmp) / "USB drive"), keep=14,
                                           automatic=True)
        maintenance.backup(ws, vault.backups_dir / "before-upgrade-20260215-080000.fbak")
        for _ in range(3):
            clock.advance(days=1)
            maintenance.auto_backup_if_due(ws)
        # The fake clock jumped three days: without input meanwhile, the idle lock would fire
        # while Verify's child process runs and the picture would show the lock screen.
        window.lock_controller.last_activity = clock.now()
        window.show_page("backups")
        backups = window.page("backups")
        assert backups is not None
        backups.verify_button.click()  # type: ignore[attr-defined]
        wait_for_ops()
        shots.shoot(app, window, "backups")
        window.show_page("settings")
        shots.shoot(app, window, "settings")
        window.lock_controller.lock()
        shots.shoot(app, window, "lock")
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
