"""Shared fixtures: a real encrypted database in tmp_path, a real keyring backend, a fake clock.

Qt runs offscreen (set before any Qt import) and every test gets its own QSettings scope, so no
test reads or writes the developer's real settings or keychain.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch the developer's real keychain: the app's own auto-detection sees no keyring.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

import pytest
from keyrings.alt.file import PlaintextKeyring

from facilitator.clock import FakeClock
from facilitator.services import clinic_setup
from facilitator.services.workspace import Workspace
from facilitator.storage.device import KeyringSecrets
from facilitator.storage.keys import KdfParams
from facilitator.storage.vault import Vault
from tests.pg import hub_db, pg_cluster  # one throw-away PostgreSQL cluster for the whole run

__all__ = ["hub_db", "pg_cluster"]

PASSWORD = "correct horse battery"
# Cheap Argon2id for tests; the real cost is measured by `make bench` (unlock_s).
FAST_KDF = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)


@pytest.fixture
def clock() -> FakeClock:
    # A Monday morning in Chicago (15:00 UTC = 09:00 CST).
    return FakeClock(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))


@pytest.fixture
def keyring_backend(tmp_path: Path) -> PlaintextKeyring:
    """A real keyring backend (keyrings.alt), file in tmp_path: not a mock of our own code."""
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring" / "keyring_pass.cfg")  # type: ignore[misc]
    return backend


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def vault(data_dir: Path, keyring_backend: PlaintextKeyring) -> Vault:
    return Vault(data_dir, device=KeyringSecrets(keyring_backend), kdf=FAST_KDF)


def make_setup(**overrides: str) -> clinic_setup.ClinicSetup:
    values = dict(
        clinic_name="Lakeside Recovery (demo)", timezone="America/Chicago",
        address="1 Example Way", admin_login="admin", admin_display_name="Avery Admin",
        admin_credentials="LCSW", password=PASSWORD, password_again=PASSWORD,
    )
    values.update(overrides)
    return clinic_setup.ClinicSetup(**values)


@pytest.fixture
def clinic(vault: Vault, clock: FakeClock) -> tuple[Workspace, str]:
    """A freshly created clinic: (admin workspace, recovery key)."""
    ws, recovery = clinic_setup.create_clinic(vault, clock, make_setup())
    yield ws, recovery
    ws.close()


@pytest.fixture
def ws(clinic: tuple[Workspace, str]) -> Workspace:
    return clinic[0]
