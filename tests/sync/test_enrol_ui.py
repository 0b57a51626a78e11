"""Enrolment in the app, driven as a user would: the first-run window's "Join a clinic…" page,
and the admin's hub address and "Enrol a new laptop…" on the Settings page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from facilitator.clock import FakeClock
from facilitator.services import auth
from facilitator.services.sync import enrol
from facilitator.services.workspace import Workspace
from facilitator.storage import joining
from facilitator.storage.device import KeyringSecrets
from facilitator.storage.vault import Vault
from facilitator.sync import enrolment as code_format
from facilitator.ui.admin.hub_box import HubBox
from facilitator.ui.join_clinic import JoinClinicPage
from facilitator.ui.setup_window import SetupWindow
from tests.conftest import FAST_KDF, PASSWORD
from tests.pg import Cluster
from tests.sync.laptops import Clinic, Laptop
from tests.ui.conftest import isolated_settings  # autouse: QSettings in tmp_path

__all__ = ["isolated_settings"]


def _wait(qtbot: QtBot, op) -> None:
    with qtbot.waitSignal(op.finished, timeout=60_000):
        pass


@dataclass
class Joining:
    """Laptop A synced with the hub, and a fresh laptop's first-run window on its join page."""

    clinic: Clinic
    a: Laptop
    fresh: Vault
    window: SetupWindow
    page: JoinClinicPage


@pytest.fixture
def joining_window(qtbot: QtBot, ws: Workspace, clock: FakeClock, pg_cluster: Cluster,
                   hub_db: str, tmp_path: Path, keyring_backend: PlaintextKeyring
                   ) -> Iterator[Joining]:
    clinic = Clinic(pg_cluster, hub_db, tmp_path / "laptops", keyring_backend, clock)
    a = clinic.adopt("A", ws.vault)
    a.sync()
    fresh = Vault(tmp_path / "fresh", device=KeyringSecrets(keyring_backend), kdf=FAST_KDF)
    window = SetupWindow(fresh, clock)
    qtbot.addWidget(window)
    window.show()
    qtbot.mouseClick(window.join_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.join_page
    yield Joining(clinic, a, fresh, window, window.join_page)
    a.close()


def test_join_a_clinic_from_the_first_run_window(
        qtbot: QtBot, clock: FakeClock, joining_window: Joining) -> None:
    j = joining_window
    clinic, a, fresh, window, page = j.clinic, j.a, j.fresh, j.window, j.page
    page.address.setText(clinic.address())
    page.code.setText(code_format.new_code())  # nobody made this one
    page._on_join()
    assert not page.join_button.isEnabled() and page.join_button.text() == "Joining…"
    _wait(qtbot, page.op)
    assert "does not accept this code" in page.errors.general.text()
    assert page.join_button.isEnabled() and not fresh.data_dir.exists()
    page.code.setText("7KQ4-MX2P")
    page._on_join()
    _wait(qtbot, page.op)
    assert "20 letters and digits" in page.errors.labels["code"].text()
    made = enrol.create_code(a.sign_in(), PASSWORD)
    page.code.setText(made.code.lower().replace("-", " "))  # typed loosely
    page._on_join()
    with qtbot.waitSignal(window.joined, timeout=60_000):
        pass
    assert page.errors.general.text() == ""
    auth.sign_in(fresh, clock, "admin", PASSWORD).close()  # her own password opens it


def test_hub_address_and_enrol_a_new_laptop_in_settings(
        qtbot: QtBot, ws: Workspace, clock: FakeClock, pg_cluster: Cluster, hub_db: str,
        tmp_path: Path, keyring_backend: PlaintextKeyring) -> None:
    box = HubBox(ws)
    qtbot.addWidget(box)
    assert box.address.text() == "" and not box.enrol_button.isEnabled()
    role = pg_cluster.laptop_role(hub_db)
    box.address.setText(pg_cluster.dsn(hub_db, role) + " password=hunter2")
    box._on_save()
    assert "Leave the password out" in box.errors.labels["address"].text()
    assert enrol.hub_address(ws) == ""
    box.address.setText(pg_cluster.dsn(hub_db, role))
    box._on_save()
    assert box.saved.text().startswith("✓ Hub address saved")
    assert enrol.hub_address(ws) == box.address.text()
    assert f"dbname={hub_db}" in box.address.text() and box.enrol_button.isEnabled()
    box._on_enrol()
    dialog = box.dialog
    dialog.password.setText("not my password")
    dialog._on_make()
    _wait(qtbot, dialog.op)
    assert "not correct" in dialog.errors.labels["password"].text()
    assert dialog.stack.currentIndex() == 0
    dialog.password.setText(PASSWORD)
    dialog._on_make()
    _wait(qtbot, dialog.op)
    assert dialog.stack.currentIndex() == 1
    assert re.fullmatch(r"([A-HJ-NP-Z2-9]{4}-){4}[A-HJ-NP-Z2-9]{4}", dialog.code.text())
    assert (f"host={pg_cluster.host} port={pg_cluster.port} dbname={hub_db}\n"
            in dialog.details.text())
    assert dialog.password.text() == ""


def test_cancel_ends_a_join_and_leaves_the_window_usable(
        qtbot: QtBot, clock: FakeClock, pg_cluster: Cluster, hub_db: str,
        joining_window: Joining) -> None:
    j = joining_window
    clinic, a, fresh, window, page = j.clinic, j.a, j.fresh, j.window, j.page
    assert not page.cancel_button.isVisible()
    page.address.setText(clinic.address())
    page.code.setText(enrol.create_code(a.sign_in(), PASSWORD).code)
    # The hub's entries held by another transaction: the join waits in its pull, where the
    # person at the screen sees "Pulling…" and clicks Cancel.
    hold = pg_cluster.admin(hub_db)
    hold.execute("BEGIN")
    hold.execute("LOCK TABLE facilitator_hub.entries IN ACCESS EXCLUSIVE MODE")
    try:
        page._on_join()
        assert page.cancel_button.isVisible() and page.cancel_button.isEnabled()
        assert not page.back_button.isEnabled() and page.back_button.text() == "&Back"
        qtbot.waitUntil(lambda: page.progress.text().startswith("Pulling"), timeout=60_000)
        qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
        assert page.progress.text().startswith("Cancelling")
        assert not page.cancel_button.isEnabled()
    finally:
        hold.execute("ROLLBACK")
        hold.close()
    _wait(qtbot, page.op)
    assert "nothing was kept" in page.progress.text()
    assert "used up" in page.progress.text() and page.progress.isVisible()
    assert "account the code made was disabled again" in page.progress.text()
    assert page.errors.general.text() == ""
    assert not fresh.data_dir.exists() and joining.leftovers(fresh.data_dir) == []
    assert not page.cancel_button.isVisible()
    assert all(w.isEnabled() for w in (page.join_button, page.back_button, page.address,
                                       page.code))
    assert page.join_button.text() == "&Join clinic"
    page.code.setText(enrol.create_code(a.sign_in(), PASSWORD).code)  # a new code joins
    page._on_join()
    with qtbot.waitSignal(window.joined, timeout=60_000):
        pass
    auth.sign_in(fresh, clock, "admin", PASSWORD).close()
