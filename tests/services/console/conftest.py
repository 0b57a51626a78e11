"""A small clinic for console tests: one program, one Monday/Wednesday 09:00–12:00 group in
Chicago (the ``clock`` fixture starts Monday 2 March 2026 09:00 local) and enrolled participants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest

from facilitator.clock import FakeClock
from facilitator.services import programs, roster
from facilitator.services.workspace import Workspace

NAMES = ("Ada Example", "Ben Sample", "Cy Demo", "Dee Mock", "Eli Test", "Fay Fiction",
         "Gus Pretend", "Hal Madeup")
CHICAGO_OFFSET = timedelta(hours=6)  # CST in early March 2026


def local(hh: int, mm: int = 0, day: date = date(2026, 3, 2)) -> datetime:
    """A Chicago wall-clock time on the test Monday, as aware UTC."""
    return datetime.combine(day, time(hh, mm), tzinfo=UTC) + CHICAGO_OFFSET


@dataclass
class Clinic:
    ws: Workspace
    clock: FakeClock
    program: programs.ProgramView
    group: programs.GroupView
    people: list[int]  # participant ids in NAMES order

    def at(self, hh: int, mm: int = 0) -> None:
        self.clock.set(local(hh, mm))


def build(ws: Workspace, clock: FakeClock, *, break_counts: bool = False,
          count: int = 7) -> Clinic:
    program = programs.add_program(ws, programs.ProgramDraft(
        "Test IOP", "sud", break_counts_as_service=break_counts))
    group = programs.add_group(ws, programs.GroupDraft(
        "Morning group", program.id, (1, 3), time(9), time(12), location="Room 1"))
    people = []
    for n, name in enumerate(NAMES[:count]):
        p = roster.add_participant(ws, roster.ParticipantDraft(
            chart_id=f"T-{n + 1}", legal_name=name, admission_date=date(2026, 2, 1),
            program_id=program.id))
        roster.enroll(ws, p.id, group.id, date(2026, 2, 2))
        people.append(p.id)
    return Clinic(ws, clock, program, group, people)


@pytest.fixture
def cl(ws: Workspace, clock: FakeClock) -> Clinic:
    return build(ws, clock)
