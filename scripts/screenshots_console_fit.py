"""The console with 15 participants at 1280×720 and at 1920×1080 (offscreen), written to
docs/screenshots/console-1280x720.png and console-1920x1080.png: the whole board must fit
without scrolling, names whole. Fictional data in a temporary folder, a fake clock.

    .venv/bin/python scripts/screenshots_console_fit.py
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import shots
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication
from screenshots_console import demo_group, keys

from facilitator.clock import FakeClock
from facilitator.services import console as svc
from facilitator.services.workspace import Workspace
from facilitator.ui.console.window import ConsoleWindow

# Invented names, obviously demo data; some long on purpose.
NAMES = ("Robin Sampleton", "Casey Demoford", "Jordan Mockridge", "Rowan Fictori",
         "Sky Testwell", "Quinn Placeholt", "Morgan Examplar", "Reese Pretendo",
         "Ash Storybrook", "Sage Notreal", "Emery Madeupson", "Bellamy Demoforth-Whitacre",
         "Blake Imaginary", "Harper Inventedsworth", "Lou Fabricant")


def running_console(app: QApplication, folder: Path) -> tuple[Workspace, ConsoleWindow]:
    """A running block of 15 invented participants, 35 minutes in, in a console window."""
    clock = FakeClock(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))  # Mon 09:00 in Chicago
    ws, _program, group = demo_group(folder, clock, NAMES)
    session = svc.open_today_session(ws, group.id)
    svc.start_session(ws, session.id)
    window = ConsoleWindow(ws, session.id)
    window.resize(1280, 720)
    window.show()
    app.processEvents()
    keys(app, window, "1p2p3p4p5p6p7p8p9p0p")
    clock.advance(minutes=9)
    keys(app, window, "cphpkpmqa")
    rows = svc.roster(ws, session.id)
    svc.raise_flag(ws, session.id, rows[3].participant_id, "Positive safety screen")
    clock.advance(minutes=20)
    keys(app, window, "5o")
    clock.advance(minutes=6)
    window.refresh()
    window.board.select_row(11)
    return ws, window


def main() -> int:
    app = shots.app()
    with tempfile.TemporaryDirectory() as tmp:
        ws, window = running_console(app, Path(tmp))
        shots.shoot(app, window, "console-1280x720", QSize(1280, 720))
        shots.shoot(app, window, "console-1920x1080", QSize(1920, 1080))
        window.close()
        ws.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
