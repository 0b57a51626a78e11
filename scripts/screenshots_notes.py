"""Screenshots of the notes pages (offscreen): the notes queue with the editor and its
prefilled facts, written to docs/screenshots/. The fictional demo clinic in a temporary folder
with a fake clock.

    .venv/bin/python scripts/screenshots_notes.py
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import shots
from PySide6.QtCore import QSize

from facilitator.clock import FakeClock
from facilitator.services import auth
from facilitator.services.demo import create_demo
from facilitator.ui.notes.notes_page import NotesPage


def main() -> int:
    app = shots.app()
    with tempfile.TemporaryDirectory() as tmp:
        # A Wednesday afternoon: the morning block has ended and its notes are owed.
        clock = FakeClock(datetime(2026, 3, 4, 21, 0, tzinfo=UTC))
        vault = shots.scratch_vault(Path(tmp) / "data")
        admin, _ = create_demo(vault, clock, shots.PASSWORD)
        admin.close()
        ws = auth.sign_in(vault, clock, "therapist", shots.PASSWORD)
        page = NotesPage(ws)
        page.resize(1400, 860)
        page.show()
        app.processEvents()
        sessions = page.queue_model.rows()
        if sessions:
            page.open_session(sessions[-1].session_id)
        editor = page.editor
        if editor.note is not None and editor.note.editable:
            first = next(iter(editor.section_edits.values()))
            first.setPlainText(editor.note.short_name + " arrived on time, joined the check-in "
                               "and named a stressful weekend at home.")
            editor.save()
        for size, name in ((QSize(1400, 860), "notes-editor"), (QSize(1280, 720),
                                                                 "notes-editor-1280x720")):
            shots.shoot(app, page, name, size)
        ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
