"""The status bar's sync item, driven as a user would: it says when the laptop last synced,
what is waiting and what went wrong, and Sync now runs a round off the GUI thread."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from keyrings.alt.file import PlaintextKeyring
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import roster
from facilitator.services.workspace import Workspace
from facilitator.ui.main_window import MainWindow
from facilitator.ui.sync_status import SyncStatus
from tests.pg import Cluster
from tests.sync.laptops import Clinic
from tests.ui.conftest import isolated_settings  # autouse: QSettings in tmp_path

__all__ = ["isolated_settings"]


def _round(qtbot: QtBot, item: SyncStatus) -> None:
    op = item.sync_now()
    assert op is not None
    assert not item.button.isEnabled() and item.button.text() == "Syncing…"
    with qtbot.waitSignal(op.finished, timeout=30_000):
        pass
    assert item.button.isEnabled() and item.button.text() == "Sync now"


def test_not_set_up_then_synced_then_waiting(
        qtbot: QtBot, ws: Workspace, clock: FakeClock, pg_cluster: Cluster, hub_db: str,
        tmp_path: Path, keyring_backend: PlaintextKeyring) -> None:
    window = MainWindow(ws)
    qtbot.addWidget(window)
    item = window.sync_status
    assert item.label.text() == "Sync: not set up"
    assert item.button.isHidden()
    laptop = Clinic(pg_cluster, hub_db, tmp_path, keyring_backend, clock).adopt("A", ws.vault)
    laptop.sync()
    item.refresh()
    assert item.label.text() == "Synced 09:00"  # 15:00 UTC, shown in the clinic's zone
    assert item.button.isVisibleTo(window) and item.timer.isActive()
    roster.add_participant(ws, roster.ParticipantDraft(
        chart_id="S-1", legal_name="Rory Example", admission_date=date(2026, 3, 1)))
    clock.advance(minutes=7)
    item.refresh()
    assert item.label.text() == "Synced 09:00 · 1 waiting"
    _round(qtbot, item)
    assert item.label.text() == "Synced 09:07"
    window.close()
    laptop.close()


def test_a_failed_round_says_so_and_loses_nothing(
        qtbot: QtBot, ws: Workspace, clock: FakeClock, pg_cluster: Cluster, hub_db: str,
        tmp_path: Path, keyring_backend: PlaintextKeyring) -> None:
    laptop = Clinic(pg_cluster, hub_db, tmp_path, keyring_backend, clock).adopt("A", ws.vault)
    laptop.sync()
    item = SyncStatus(ws)
    qtbot.addWidget(item)
    from facilitator.models.sync import SyncState

    with ws.transaction() as s:  # the hub moved away (or the network is down)
        s.get(SyncState, 1).hub_dsn = f"host={pg_cluster.host} port=1 dbname=gone"
    roster.add_participant(ws, roster.ParticipantDraft(
        chart_id="S-2", legal_name="Sol Example", admission_date=date(2026, 3, 1)))
    _round(qtbot, item)
    assert item.label.text() == "Synced 09:00 · 1 waiting · ⚠ sync problem"
    assert "cannot be reached; this laptop keeps working offline" in item.label.toolTip()
    laptop.close()
