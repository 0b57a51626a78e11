"""Page images of each PDF export from the renderer's invented sample documents, written to
docs/screenshots/pdf-*.png (pdftoppm from Debian's poppler-utils, 80 dpi).

    .venv/bin/python scripts/screenshots_pdf.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from facilitator.export import samples
from facilitator.export.disclosure_log import render_disclosure_log
from facilitator.export.model import NoteExportDoc
from facilitator.export.note import render_note
from facilitator.export.participant_record import render_participant_record
from facilitator.export.session_packet import render_session_packet

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"

# (image name, page shown, render): the note is the Arabic-named participant's, late and
# amended; the record's first page shows the trend chart.
SHOTS = (
    ("pdf-note", 1, lambda: render_note(NoteExportDoc(samples.CLINIC, samples.META,
                                                      samples.rich_note()))),
    ("pdf-session-packet", 2, lambda: render_session_packet(samples.sample_packet(12))),
    ("pdf-participant-record", 1, lambda: render_participant_record(samples.sample_record())),
    ("pdf-disclosure-log", 1, lambda: render_disclosure_log(samples.sample_disclosure_log())),
)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, page, render in SHOTS:
            pdf = Path(tmp) / f"{name}.pdf"
            pdf.write_bytes(render().pdf)
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page),
                            "-singlefile", str(pdf), str(OUT / name)], check=True)
            print(OUT / f"{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
