"""Backups & integrity page, the automatic backup at sign-out, and restoring a damaged database
from the sign-in window, driven as a person would (Qt's own file dialogs are replaced by the
path the person would have picked)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import audit, auth, maintenance, roster
from facilitator.services.roster import ParticipantDraft
from facilitator.services.users import UserDraft, add_user
from facilitator.services.workspace import Workspace
from facilitator.storage.vault import Vault
from facilitator.ui.admin import backup_page
from facilitator.ui.admin.backup_page import BackupPage
from facilitator.ui.login_window import LoginWindow
from facilitator.ui.main_window import MainWindow
from tests.conftest import PASSWORD
from tests.services.test_backups import _damage
from tests.ui.conftest import shows

WAIT = 15_000


def _backup_page(main: MainWindow) -> BackupPage:
    main.show_page("backups")
    page = main.page("backups")
    assert isinstance(page, BackupPage) and page.isVisible()
    return page


def _pick_save(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    """Qt's save dialog answers ``path``; returns the file names it suggested."""
    suggested: list[str] = []

    def fake(parent: object, caption: str, start: str, filters: str) -> tuple[str, str]:
        suggested.append(start)
        return str(path), filters

    # The OS file dialog stands in for the user's choice (backup_page imported the helper).
    monkeypatch.setattr(backup_page, "save_file_name", fake)
    return suggested


def test_back_up_now_lists_the_backup_and_audits_it(
        qtbot: QtBot, main: MainWindow, ws: Workspace, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    page = _backup_page(main)
    qtbot.waitUntil(lambda: page.refresh_button.isEnabled(), timeout=WAIT)
    assert page.model.rowCount() == 0
    target = tmp_path / "usb" / "monday"  # the person typed no extension
    suggested = _pick_save(monkeypatch, target)

    qtbot.mouseClick(page.backup_button, Qt.MouseButton.LeftButton)
    assert Path(suggested[0]).name == "facilitator-backup-2026-03-02.fbak"
    qtbot.waitUntil(lambda: "Backup written" in page.backup_result.text(), timeout=WAIT)
    written = target.with_name("monday.fbak")
    assert written.exists() and str(written) in page.backup_result.text()
    assert page.backup_button.isEnabled() and page.backup_button.text() == "&Back up now…"
    assert audit.list_events(ws, action_prefix="backup.")[0].details["kind"] == "manual"


def test_backup_list_shows_the_backup_folder(
        qtbot: QtBot, main: MainWindow, ws: Workspace, tmp_path: Path) -> None:
    maintenance.update_backup_settings(ws, folder=str(tmp_path / "usb"), keep=5,
                                       automatic=True)
    maintenance.auto_backup_if_due(ws)
    maintenance.backup(ws, ws.vault.backups_dir / "before-upgrade-20260101-000000.fbak")
    page = _backup_page(main)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT)
    assert shows(page, "Automatic") and shows(page, "Before an upgrade")
    assert shows(page, "2026-03-02 09:00")  # clinic time (Chicago)
    assert page.folder.text() == str(tmp_path / "usb") and page.keep.value() == 5


def test_verify_shows_the_report_lines(qtbot: QtBot, main: MainWindow) -> None:
    page = _backup_page(main)
    qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    assert not page.verify_button.isEnabled()
    qtbot.waitUntil(lambda: page.verify_lines.isVisible(), timeout=WAIT)
    assert "Audit chain: intact" in page.verify_lines.toPlainText()
    assert "✓" in page.verify_result.text() and page.verify_button.isEnabled()


def test_admin_changes_the_automatic_backup_settings(
        qtbot: QtBot, main: MainWindow, ws: Workspace, tmp_path: Path) -> None:
    page = _backup_page(main)
    assert page.folder.placeholderText() == str(ws.vault.backups_dir)
    page.folder.clear()
    qtbot.keyClicks(page.folder, "relative/folder")
    qtbot.mouseClick(page.auto_save, Qt.MouseButton.LeftButton)
    assert page.auto_errors.labels["folder"].isVisible()

    page.folder.clear()
    qtbot.keyClicks(page.folder, str(tmp_path / "usb"))
    page.keep.selectAll()
    qtbot.keyClicks(page.keep, "7")
    page.auto_backup.click()  # off
    qtbot.mouseClick(page.auto_save, Qt.MouseButton.LeftButton)
    assert "saved" in page.auto_saved.text()
    settings = maintenance.backup_settings(ws)
    assert (settings.folder, settings.keep, settings.automatic) == (tmp_path / "usb", 7, False)


def test_supervisor_sees_the_page_but_not_the_settings(
        qtbot: QtBot, ws: Workspace, vault: Vault, clock: FakeClock) -> None:
    add_user(ws, UserDraft("sam", "Sam Supervisor", "LCSW", "supervisor"), "sam's long password")
    sam = auth.sign_in(vault, clock, "sam", "sam's long password")
    window = MainWindow(sam)
    qtbot.addWidget(window)
    window.show()
    try:
        page = _backup_page(window)
        assert page.backup_button.isEnabled() and not page.auto_save.isEnabled()
        assert page.admin_only.isVisible()
    finally:
        window.close()


def test_sign_out_takes_the_automatic_backup_once_a_day(
        qtbot: QtBot, ws: Workspace, vault: Vault, clock: FakeClock) -> None:
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    window.sign_out_action.trigger()
    assert [p.name for p in vault.backups_dir.iterdir()] == ["auto-20260302-150000.fbak"]
    clock.advance(hours=2)
    again = MainWindow(auth.sign_in(vault, clock, "admin", PASSWORD))
    qtbot.addWidget(again)
    again.show()
    again.sign_out_action.trigger()
    assert len(list(vault.backups_dir.iterdir())) == 1  # at most once a day


def test_damaged_database_offers_restore_and_signing_in_works_after_it(
        qtbot: QtBot, clinic: tuple[Workspace, str], vault: Vault, clock: FakeClock,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = clinic[0]
    roster.add_participant(ws, ParticipantDraft("C-1", "In The Backup", date(2026, 2, 1)))
    good = maintenance.backup(ws, tmp_path / "usb" / "good.fbak")
    ws.close()
    _damage(vault)

    w = LoginWindow(vault, clock)
    qtbot.addWidget(w)
    w.show()
    assert not w.restore_button.isVisible()
    qtbot.keyClicks(w.login, "admin")
    qtbot.keyClicks(w.password, PASSWORD)
    qtbot.keyClick(w.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.restore_button.isVisible(), timeout=WAIT)
    assert "restore it from a backup" in w.error.text() and w.restore_hint.isVisible()

    # A bad backup first: refused, nothing moved, the button stays.
    bad = tmp_path / "bad.fbak"
    bad.write_bytes(b"not a backup")
    picked = [str(bad)]
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *args: (picked[0], "")))
    # The proof: the admin's password as it was in the backup.
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *args: (PASSWORD, True)))
    qtbot.mouseClick(w.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not a Facilitator backup" in w.error.text(), timeout=WAIT)
    assert w.restore_button.isVisible()
    assert not any(p.name.startswith("set-aside-") for p in vault.data_dir.iterdir())

    picked[0] = str(good.path)
    qtbot.mouseClick(w.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.info.isVisible(), timeout=WAIT)
    assert "was restored" in w.info.text() and "set-aside-" in w.info.text()
    assert not w.restore_button.isVisible() and not w.error.isVisible()
    assert any(p.name.startswith("set-aside-") for p in vault.data_dir.iterdir())

    qtbot.keyClicks(w.password, PASSWORD)
    with qtbot.waitSignal(w.signed_in, timeout=WAIT) as signal:
        qtbot.keyClick(w.password, Qt.Key.Key_Return)
    restored: Workspace = signal.args[0]
    try:
        assert [p.legal_name for p in roster.list_participants(restored)] == ["In The Backup"]
        assert audit.list_events(restored, action_prefix="backup.restored")
    finally:
        restored.close()


@pytest.mark.parametrize("width", [1280, 1920])
def test_backups_page_uses_the_whole_width(qtbot: QtBot, main: MainWindow, width: int) -> None:
    main.resize(width, 720)
    qtbot.waitUntil(lambda: main.width() == width)
    page = _backup_page(main)
    QApplication.processEvents()
    right_gap = page.width() - page.layout().itemAt(0).widget().geometry().right()
    assert right_gap <= page.layout().contentsMargins().right() + 2  # no empty strip


def test_restoring_an_older_backup_asks_first_and_no_keeps_everything(
        qtbot: QtBot, clinic: tuple[Workspace, str], vault: Vault, clock: FakeClock,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    ws = clinic[0]
    older = maintenance.backup(ws, tmp_path / "usb" / "older.fbak").path
    clock.advance(days=1)
    maintenance.backup(ws, tmp_path / "usb" / "newer.fbak")
    ws.close()
    _damage(vault)
    w = LoginWindow(vault, clock)
    qtbot.addWidget(w)
    w.show()
    qtbot.keyClicks(w.login, "admin")
    qtbot.keyClicks(w.password, PASSWORD)
    qtbot.keyClick(w.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.restore_button.isVisible(), timeout=WAIT)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *args: (str(older), "")))
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]

    def question(_parent, _title, text, *_args):  # type: ignore[no-untyped-def]
        asked.append(text)
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *args: (PASSWORD, True)))
    qtbot.mouseClick(w.restore_button, Qt.MouseButton.LeftButton)
    assert "newer backup exists" in asked[0]
    assert not any(p.name.startswith("set-aside-") for p in vault.data_dir.iterdir())
    answer[0] = QMessageBox.StandardButton.Yes
    qtbot.mouseClick(w.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.info.isVisible(), timeout=WAIT)
    assert "was restored" in w.info.text()
