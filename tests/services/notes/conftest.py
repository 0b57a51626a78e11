"""A clinic with an ended block for notes tests.

Staff: Tara (therapist, LCSW, licensed), Uma (therapist, needs co-signature, supervised by
Sam), Sam (supervisor, LCSW-S). Tara leads the Monday 09:00–12:00 block of 2 March 2026 with
four participants: Ada, Ben (20 minutes late), Cy (absent) and Dee (steps out 15 minutes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

import pytest

from facilitator.clock import FakeClock
from facilitator.services import auth, programs, roster, users
from facilitator.services import console as c
from facilitator.services.workspace import Workspace
from facilitator.storage.vault import Vault
from tests.conftest import PASSWORD
from tests.services.console.conftest import local

CHECKIN = {"mood": 6, "anxiety": 3, "craving": 2, "use": False, "safety": False}
CHECKOUT = {"safe": True, "takeaway": "Paced breathing", "plan": "Walk after dinner"}
NAMES = ("Ada Example", "Ben Sample", "Cy Demo", "Dee Mock")


@dataclass
class NotesClinic:
    admin: Workspace
    clock: FakeClock
    vault: Vault
    program: programs.ProgramView
    group: programs.GroupView
    people: list[int]
    tara: users.UserView
    uma: users.UserView
    sam: users.UserView
    session_id: int
    _open: list[Workspace]

    def sign_in(self, login: str) -> Workspace:
        ws = auth.sign_in(self.vault, self.clock, login, PASSWORD)
        self._open.append(ws)
        return ws

    def at(self, hh: int, mm: int = 0, day: date = date(2026, 3, 2)) -> None:
        self.clock.set(local(hh, mm, day))


def run_block(ws: Workspace, cl: NotesClinic, group_id: int, day: date) -> int:
    ada, ben, cy, dee = cl.people
    cl.at(8, 55, day)
    sid = c.open_today_session(ws, group_id).id
    c.mark_absent(ws, sid, cy)
    cl.at(9, 0, day)
    c.start_session(ws, sid)
    for pid in (ada, dee):
        c.mark_present(ws, sid, pid)
        c.record_response(ws, sid, pid, "checkin", CHECKIN)
    cl.at(9, 20, day)
    c.mark_present(ws, sid, ben)
    c.record_response(ws, sid, ben, "checkin", CHECKIN)
    cl.at(9, 30, day)
    c.start_next_segment(ws, sid)
    c.set_segment_topic(ws, c.console_state(ws, sid).current_segment.id, "Paced breathing")
    c.add_jot(ws, sid, ada, "Used the breathing skill on the bus.")
    cl.at(10, 0, day)
    c.step_out(ws, sid, dee)
    cl.at(10, 15, day)
    c.step_back(ws, sid, dee)
    cl.at(11, 30, day)
    for pid in (ada, ben, dee):
        c.record_response(ws, sid, pid, "checkout", CHECKOUT)
    cl.at(12, 0, day)
    c.end_session(ws, sid)
    return sid


@pytest.fixture
def nc(ws: Workspace, clock: FakeClock, vault: Vault) -> NotesClinic:
    def add(login: str, name: str, creds: str, role: str) -> users.UserView:
        return users.add_user(ws, users.UserDraft(login, name, creds, role), PASSWORD)

    tara = add("tara", "Tara Therapist", "LCSW", "therapist")
    uma = add("uma", "Uma Associate", "LSW", "therapist")
    sam = add("sam", "Sam Supervisor", "LCSW-S", "supervisor")
    users.set_supervision(ws, uma.id, True, sam.id)
    program = programs.add_program(ws, programs.ProgramDraft("Test IOP", "sud"))
    group = programs.add_group(ws, programs.GroupDraft(
        "Morning group", program.id, (1, 3), time(9), time(12), location="Room 1",
        facilitator_ids=(tara.id, uma.id)))
    people = []
    for n, name in enumerate(NAMES):
        p = roster.add_participant(ws, roster.ParticipantDraft(
            chart_id=f"N-{n + 1}", legal_name=name, admission_date=date(2026, 2, 1),
            program_id=program.id, pronouns="she/her" if n % 2 == 0 else "he/him"))
        roster.enroll(ws, p.id, group.id, date(2026, 2, 2))
        roster.add_goal(ws, p.id, f"Use a coping skill before acting on cravings ({n + 1})")
        people.append(p.id)
    nc = NotesClinic(ws, clock, vault, program, group, people, tara, uma, sam, 0, [])
    tara_ws = nc.sign_in("tara")
    nc.session_id = run_block(tara_ws, nc, group.id, date(2026, 3, 2))
    yield nc
    for opened in nc._open:
        opened.close()
