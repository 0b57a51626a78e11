"""Fixtures shared by the enrolment tests: a clinic of laptops over one fresh hub, with the
notes clinic (``nc``: users, a program, a group, a session) on its first laptop's folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring

from tests.pg import Cluster
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Clinic, Laptop

__all__ = ["a", "clinic", "nc"]


@pytest.fixture
def clinic(pg_cluster: Cluster, hub_db: str, tmp_path: Path, keyring_backend: PlaintextKeyring,
           nc: NotesClinic) -> Iterator[Clinic]:
    c = Clinic(pg_cluster, hub_db, tmp_path / "laptops", keyring_backend, nc.clock)
    yield c
    c.close()


@pytest.fixture
def a(clinic: Clinic, nc: NotesClinic) -> Laptop:
    """Laptop A: the notes clinic's folder, synced once with the hub."""
    laptop = clinic.adopt("A", nc.vault)
    laptop.sync()
    return laptop
