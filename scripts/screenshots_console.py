"""Screenshots of the live console (offscreen): running, break, privacy shield, go-around, the
topic picker, walk-ins and session info, written to docs/screenshots/console-*.png. A fictional
demo group in a temporary folder with a fake clock, driven through the same key handlers a
therapist uses.

    .venv/bin/python scripts/screenshots_console.py
"""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, time
from pathlib import Path

import shots
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from facilitator.clock import FakeClock
from facilitator.services import clinic_setup, programs, roster, users
from facilitator.services import console as svc
from facilitator.services.curriculum import library, planning
from facilitator.services.curriculum.dto import PlanEntry
from facilitator.services.workspace import Workspace
from facilitator.ui.console.window import ConsoleWindow

PASSWORD = shots.PASSWORD
# Invented names, obviously demo data.
NAMES = ("Robin Sampleton", "Casey Demoford", "Jordan Mockridge", "Rowan Fictori",
         "Sky Testwell", "Quinn Placeholt", "Morgan Examplar", "Reese Pretendo",
         "Ash Storybrook", "Sage Notreal", "Emery Madeupson", "Blake Imaginary")




def keys(app: QApplication, window: QWidget, text: str) -> None:
    """Send each character to the focused widget, as typing would."""
    for char in text:
        target = window.focusWidget() or window
        key = Qt.Key(ord(char.upper())) if char.isalnum() else Qt.Key.Key_Space
        for kind in (QKeyEvent.Type.KeyPress, QKeyEvent.Type.KeyRelease):
            QApplication.sendEvent(target, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier,
                                                     char))
        app.processEvents()


def special(app: QApplication, window: QWidget, key: Qt.Key) -> None:
    target = window.focusWidget() or window
    for kind in (QKeyEvent.Type.KeyPress, QKeyEvent.Type.KeyRelease):
        QApplication.sendEvent(target, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier))
    app.processEvents()


def demo_group(folder: Path, clock: FakeClock, names: tuple[str, ...]
               ) -> tuple[Workspace, programs.ProgramView, programs.GroupView]:
    """A fictional clinic in ``folder`` with one Monday 09:00–12:00 group of ``names``."""
    setup = clinic_setup.ClinicSetup(
        clinic_name="Lakeside Recovery (demo)", timezone="America/Chicago",
        address="1 Example Way", admin_login="terry", admin_display_name="Terry Therapist",
        admin_credentials="LCSW", password=PASSWORD, password_again=PASSWORD)
    ws, _ = clinic_setup.create_clinic(shots.scratch_vault(folder / "data"), clock, setup)
    program = programs.add_program(ws, programs.ProgramDraft("Recovery IOP (demo)", "sud"))
    group = programs.add_group(ws, programs.GroupDraft(
        "Monday Morning IOP (demo)", program.id, (1, 3, 5), time(9), time(12),
        location="Room 2"))
    for n, name in enumerate(names, 1):
        p = roster.add_participant(ws, roster.ParticipantDraft(
            f"DEMO-{n:03d}", name, date(2026, 2, 1), program_id=program.id))
        roster.enroll(ws, p.id, group.id, date(2026, 2, 2))
    return ws, program, group


def main() -> int:
    app = shots.app()
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))  # Mon 09:00 in Chicago
        ws, program, group = demo_group(Path(tmp), clock, NAMES)
        evening = programs.add_group(ws, programs.GroupDraft(
            "Evening IOP (demo)", program.id, (1, 3), time(18), time(21)))
        visitor = roster.add_participant(ws, roster.ParticipantDraft(
            "DEMO-100", "Kit Visitorson", date(2026, 2, 1), program_id=program.id))
        roster.enroll(ws, visitor.id, evening.id, date(2026, 2, 2))
        for login, name, creds, role in (("dana", "Dana Cofield", "LPC", "therapist"),
                                         ("sam", "Sam Overseer", "LCSW", "supervisor")):
            users.add_user(ws, users.UserDraft(login, name, creds, role), PASSWORD)
        library.sync_shipped_library(ws)
        topic = library.search_topics(ws, "urge")[0].key
        planning.save_plan(ws, group.id, 1, [PlanEntry(0, 1, 0, topic)],
                           start_date=date(2026, 3, 2))
        session = svc.open_today_session(ws, group.id)
        svc.start_session(ws, session.id)
        window = ConsoleWindow(ws, session.id)
        window.resize(1366, 820)
        window.show()
        app.processEvents()

        keys(app, window, "1p2p3p4p5p6p7p8p9p")
        clock.advance(minutes=11)
        keys(app, window, "0p")  # late
        keys(app, window, "ca")  # eleventh (key C): absent
        clock.advance(minutes=2)
        keys(app, window, "g")
        keys(app, window, "735n71n")
        special(app, window, Qt.Key.Key_Return)
        keys(app, window, "463n")
        window.refresh()
        shots.shoot(app, window, "console-go-around")

        special(app, window, Qt.Key.Key_Escape)
        rows = svc.roster(ws, session.id)
        svc.raise_flag(ws, session.id, rows[3].participant_id,
                       "Positive safety screen at check-in")
        clock.advance(minutes=20)
        svc.start_next_segment(ws, session.id)
        clock.advance(minutes=30)
        keys(app, window, "5o")  # stepped out
        clock.advance(minutes=17)  # the module runs two minutes over
        window.refresh()
        window.board.select_row(4)
        shots.shoot(app, window, "console-running")

        keys(app, window, "5o")
        keys(app, window, "b")
        clock.advance(minutes=4)
        window.refresh()
        shots.shoot(app, window, "console-break")

        special(app, window, Qt.Key.Key_F12)
        shots.shoot(app, window, "console-privacy")
        special(app, window, Qt.Key.Key_F12)

        keys(app, window, "b")  # back from the break: the process group
        keys(app, window, "s")
        module = next(g for g in svc.get_session(ws, session.id).segments if g.kind == "module")
        window.segments.table.selectRow(window.segments.model.row_of(module.id))
        keys(app, window, "t")
        shots.shoot(app, window, "console-topic-picker")
        special(app, window, Qt.Key.Key_Return)  # the planned topic, as taught
        special(app, window, Qt.Key.Key_Escape)

        keys(app, window, "w")
        keys(app, window, "kit")
        shots.shoot(app, window, "console-walk-in")
        special(app, window, Qt.Key.Key_Escape)

        keys(app, window, "i")
        shots.shoot(app, window, "console-info")
        window.close()
        ws.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
