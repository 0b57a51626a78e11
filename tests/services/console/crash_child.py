"""Child process for the crash test (not a test module): creates a clinic in ``argv[1]``, starts a
block and performs console actions, printing ``ack <n> <kind>`` after each commit, then idles
until it is killed. Times come from a fake clock: 09:00 Chicago, +30 s per action."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, date, datetime, time
from pathlib import Path

from facilitator.clock import FakeClock
from facilitator.services import clinic_setup, programs, roster
from facilitator.services import console as c
from facilitator.storage.device import NoDeviceSecrets
from facilitator.storage.keys import KdfParams
from facilitator.storage.vault import Vault

PASSWORD = "correct horse battery"
FAST_KDF = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)
START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 09:00 in Chicago
ACTIONS = 60


def vault(data_dir: Path) -> Vault:
    return Vault(data_dir, device=NoDeviceSecrets(), kdf=FAST_KDF)


def main() -> None:
    clock = FakeClock(START)
    ws, _ = clinic_setup.create_clinic(vault(Path(sys.argv[1])), clock, clinic_setup.ClinicSetup(
        clinic_name="Crash test clinic", timezone="America/Chicago", address="",
        admin_login="admin", admin_display_name="Avery Admin", admin_credentials="LCSW",
        password=PASSWORD, password_again=PASSWORD))
    program = programs.add_program(ws, programs.ProgramDraft("Test IOP", "sud"))
    group = programs.add_group(ws, programs.GroupDraft(
        "Morning group", program.id, (1,), time(9), time(12)))
    people = []
    for n in range(6):
        p = roster.add_participant(ws, roster.ParticipantDraft(
            chart_id=f"C-{n}", legal_name=f"Person {n}", admission_date=date(2026, 2, 1)))
        roster.enroll(ws, p.id, group.id, date(2026, 2, 1))
        people.append(p.id)
    sid = c.open_today_session(ws, group.id).id
    c.start_session(ws, sid)
    print(f"ready {sid}", flush=True)
    for n in range(1, ACTIONS + 1):
        clock.advance(seconds=30)
        pid = people[n % len(people)]
        if n <= len(people):
            c.mark_present(ws, sid, pid)
            kind = "attendance.present"
        else:
            c.add_jot(ws, sid, pid, f"jot {n}")
            kind = "jot.added"
        print(f"ack {n} {kind}", flush=True)
    threading.Event().wait()  # idle until killed


if __name__ == "__main__":
    main()
