"""After a real GUI session on the demo clinic, no participant name or chart ID is readable in
any file the app wrote: database (and WAL), key slots, settings, crash logs, temp files."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import roster
from facilitator.services.demo import create_demo
from facilitator.storage.vault import Vault
from facilitator.ui.main_window import MainWindow
from tests.conftest import PASSWORD


def test_gui_session_leaves_no_plaintext_phi(qtbot: QtBot, vault: Vault, clock: FakeClock,
                                             tmp_path: Path, isolated_settings: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    ws, _ = create_demo(vault, clock, PASSWORD, participants=12)
    people = roster.list_participants(ws)
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    window.show_page("roster")
    page = window.page("roster")
    assert page is not None
    window.show_page("audit")
    window.show_page("roster")
    window.close()  # saves geometry and UI state to QSettings
    QSettings().sync()
    ws.close()
    needles = {n for p in people for n in (p.legal_name, p.chart_id)}
    files = [f for root in (vault.data_dir, isolated_settings, scratch) if root.exists()
             for f in root.rglob("*") if f.is_file()]
    assert any(f.suffix == ".ini" for f in files), "the window should have saved settings"
    for f in files:
        blob = f.read_bytes()
        for needle in needles:
            assert needle.encode() not in blob, f"{needle!r} readable in {f.name}"
