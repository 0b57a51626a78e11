"""Fixture and helpers shared by the sync-key epoch tests: three laptops of the notes clinic
(``nc``), B and C restored from A's backup as new installs (so no travelling key slots: the
clinic never made an enrolment code), each synced once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy import select

from facilitator.models.sync import SyncKey
from facilitator.services import roster
from facilitator.sync import entry as E
from tests.pg import Cluster
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Clinic, Laptop

__all__ = ["add_goal", "goals_of", "hub_entries", "keys_of", "nc", "trio"]


@pytest.fixture
def trio(pg_cluster: Cluster, hub_db: str, tmp_path: Path, keyring_backend: PlaintextKeyring,
         nc: NotesClinic) -> Iterator[tuple[Clinic, Laptop, Laptop, Laptop]]:
    clinic = Clinic(pg_cluster, hub_db, tmp_path / "laptops", keyring_backend, nc.clock)
    a, b = clinic.in_step(nc.vault)
    c = clinic.join_from(a, "C")
    c.sync()
    yield clinic, a, b, c
    clinic.close()


def keys_of(laptop: Laptop, login: str = "admin") -> dict[int, bytes]:
    with laptop.sign_in(login).read() as s:
        return {k.epoch: k.key for k in s.scalars(select(SyncKey))}


def add_goal(laptop: Laptop, text: str, login: str = "admin") -> None:
    ws = laptop.sign_in(login)
    roster.add_goal(ws, roster.list_participants(ws)[0].id, text)


def goals_of(laptop: Laptop) -> set[str]:
    ws = laptop.sign_in()
    return {g.text for p in roster.list_participants(ws) for g in roster.goals(ws, p.id)}


def hub_entries(clinic: Clinic, after: int = 0) -> list[tuple[int, E.Entry]]:
    with clinic.cluster.admin(clinic.hub_db) as conn:
        rows = conn.execute("SELECT cursor, raw FROM facilitator_hub.entries WHERE cursor > %s"
                            " ORDER BY cursor", (after,)).fetchall()
    return [(int(c), E.decode(bytes(r))) for c, r in rows]
