"""A demo group on the real encrypted database, and the therapist who runs it.

The clock fixture starts on Monday 2 March 2026, 09:00 in Chicago: the group meets Mondays
09:00–12:00 with the default template (check-in 30, module 45, break 15, process 60,
check-out 30). Names are fictional.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time

import pytest

from facilitator.services import auth, programs, roster, users
from facilitator.services.workspace import Workspace
from facilitator.storage.vault import Vault
from tests.conftest import PASSWORD

NAMES = ("Robin Sampleton", "Casey Demoford", "Jordan Mockridge", "Rowan Fictori")


@dataclass(frozen=True)
class DemoGroup:
    group_id: int
    participant_ids: tuple[int, ...]
    names: tuple[str, ...]


@pytest.fixture
def demo_group(ws: Workspace) -> DemoGroup:
    program = programs.add_program(ws, programs.ProgramDraft("Recovery IOP (test)", "sud"))
    group = programs.add_group(ws, programs.GroupDraft(
        "Monday Morning IOP", program.id, (1,), time(9), time(12), location="Room 2"))
    ids = []
    for n, name in enumerate(NAMES, 1):
        p = roster.add_participant(ws, roster.ParticipantDraft(
            f"T-{n:03d}", name, date(2026, 2, 1), program_id=program.id))
        roster.enroll(ws, p.id, group.id, date(2026, 2, 2))
        ids.append(p.id)
    return DemoGroup(group.id, tuple(ids), NAMES)


@pytest.fixture
def therapist_ws(ws: Workspace, vault: Vault, clock) -> Iterator[Workspace]:  # type: ignore[no-untyped-def]
    users.add_user(ws, users.UserDraft("terry", "Terry Therapist", "LCSW", "therapist"), PASSWORD)
    tws = auth.sign_in(vault, clock, "terry", PASSWORD)
    yield tws
    tws.close()
