"""The demo clinic: obviously fictional staff, programs, groups and participants.

Every name is invented and marked as demo data; chart IDs start with ``DEMO-``. Features add
their own history through their demo helpers (console sessions, curriculum plans).
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from ..clock import Clock
from ..storage.vault import Vault
from . import programs, roster, users
from .clinic_setup import ClinicSetup, create_clinic
from .workspace import Workspace

FIRST = ("Robin", "Casey", "Jordan", "Rowan", "Sky", "Quinn", "Morgan", "Reese", "Ash", "Sage",
         "Emery", "Blake", "Drew", "Harper", "Jules", "Kai", "Lane", "Marlo", "Noor", "Oakley",
         "Parker", "River", "Shay", "Tatum", "Wren", "Arden", "Bellamy", "Cruz", "Devon", "Ellis")
LAST = ("Sampleton", "Demoford", "Mockridge", "Fictori", "Testwell", "Placeholt", "Examplar",
        "Pretendo", "Storybrook", "Notreal", "Madeupson", "Imaginary")
NICKNAMES = ("Jo", "Sam", "Bea", "Max", "Lou", "Izzy", "Tee", "Dee", "Frankie", "Nico")
PRONOUNS = ("she/her", "he/him", "they/them", "")

GROUPS = (
    # name, program index, ISO weekdays, start, end, modality, location
    ("Morning Recovery IOP", 0, (1, 3, 5), time(9), time(12), "in_person", "Room 2 (demo)"),
    ("Evening Recovery IOP", 0, (1, 2, 4), time(18), time(21), "in_person", "Room 2 (demo)"),
    ("Mood & Anxiety IOP", 1, (1, 2, 3, 4, 5), time(13), time(16), "telehealth", "Video room"),
)


def demo_names(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(legal name, preferred name) pairs, unique, all invented."""
    pairs = [(f, la) for la in LAST for f in FIRST]
    rng.shuffle(pairs)
    out = []
    for first, last in pairs[:count]:
        preferred = rng.choice(NICKNAMES) if rng.random() < 0.15 else ""
        out.append((f"{first} {last}", preferred))
    return out


def create_demo(vault: Vault, clock: Clock, password: str, *, participants: int = 30,
                seed: int = 7) -> tuple[Workspace, str]:
    """Create the demo clinic in an empty data folder. Users ``admin``, ``therapist``,
    ``supervisor`` and ``associate`` (needs co-signature) all get ``password``. Returns the
    admin's workspace and the recovery key."""
    rng = random.Random(seed)
    ws, recovery = create_clinic(vault, clock, ClinicSetup(
        clinic_name="Maple Grove Behavioral Health (DEMO)", timezone="America/Chicago",
        address="100 Example Avenue, Springfield (fictional)", admin_login="admin",
        admin_display_name="Avery Admin (demo)", admin_credentials="MBA",
        password=password, password_again=password,
    ))
    therapist = users.add_user(ws, users.UserDraft("therapist", "Terry Therapist (demo)", "LCSW",
                                                   "therapist"), password)
    supervisor = users.add_user(ws, users.UserDraft("supervisor", "Sam Supervisor (demo)",
                                                    "LCSW-S", "supervisor"), password)
    # A provisionally licensed therapist whose signed notes wait for Sam's co-signature; she
    # leads the evening group.
    associate = users.add_user(ws, users.UserDraft("associate", "Alex Associate (demo)", "LSW",
                                                   "therapist"), password)
    users.set_supervision(ws, associate.id, True, supervisor.id)
    progs = [
        programs.add_program(ws, programs.ProgramDraft(
            "Substance Use IOP (demo)", "sud", billing_code="H0015")),
        programs.add_program(ws, programs.ProgramDraft(
            "Mental Health IOP (demo)", "mh", billing_code="S9480")),
    ]
    groups = [
        programs.add_group(ws, programs.GroupDraft(
            name, progs[p].id, days, start, end, modality=modality, location=where,
            facilitator_ids=(associate.id,) if "Evening" in name
            else (therapist.id,)))
        for name, p, days, start, end, modality, where in GROUPS
    ]
    today = ws.today()
    for i, (legal, preferred) in enumerate(demo_names(participants, rng)):
        group = groups[i % len(groups)]
        admitted = today - timedelta(days=rng.randint(3, 56))
        view = roster.add_participant(ws, roster.ParticipantDraft(
            chart_id=f"DEMO-{i + 1:04d}", legal_name=legal, preferred_name=preferred,
            pronouns=rng.choice(PRONOUNS), admission_date=admitted,
            date_of_birth=date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28)),
            program_id=group.program_id,
        ))
        roster.enroll(ws, view.id, group.id, admitted)
        roster.add_goal(ws, view.id, rng.choice((
            "Practise one coping skill daily when cravings rise.",
            "Sleep at least seven hours on five nights a week.",
            "Reconnect with one supportive person each week.",
            "Notice early warning signs and use the safety plan.",
        )))
    # Weeks of past blocks (attendance, check-ins, a few addressed flags, jots) and a session
    # ready to start today for each group that meets today.
    from .console.demo_history import add_history
    from .curriculum.demo import add_plans_and_deliveries
    from .notes.demo import add_demo_notes

    add_history(ws, weeks=8, rng=rng)
    add_plans_and_deliveries(ws, rng)  # rotation plans, and topics delivered in past blocks
    add_demo_notes(ws, rng, supervisor_id=supervisor.id)  # signed, reviewed, drafts, owed
    return ws, recovery
