"""The running console in the light and in a dark colour scheme (offscreen), with a side panel
open, written to docs/screenshots/console-light.png, console-dark.png and
console-dark-panel.png. The dark scheme is the palette a dark system theme hands the app; the
console re-colours itself when the palette changes (``facilitator.ui.theme``).

    .venv/bin/python scripts/screenshots_console_theme.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import shots
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QPalette
from screenshots_console_fit import running_console

Role = QPalette.ColorRole
DARK = {Role.Window: "#202124", Role.WindowText: "#e8eaed", Role.Base: "#2b2c2f",
        Role.AlternateBase: "#323336", Role.Text: "#e8eaed", Role.Button: "#303134",
        Role.ButtonText: "#e8eaed", Role.Highlight: "#8ab4f8", Role.HighlightedText: "#202124",
        Role.PlaceholderText: "#9aa0a6", Role.ToolTipBase: "#303134", Role.ToolTipText: "#e8eaed"}


def main() -> int:
    app = shots.app()
    with tempfile.TemporaryDirectory() as tmp:
        ws, window = running_console(app, Path(tmp))
        shots.shoot(app, window, "console-light", QSize(1280, 720))
        dark = QPalette(app.palette())
        for role, colour in DARK.items():
            dark.setColor(role, QColor(colour))
        app.setPalette(dark)
        shots.shoot(app, window, "console-dark", QSize(1280, 720))
        window.commands.open_jot()
        window.jots.text_edit.setText("Used the breathing exercise when the topic got hard.")
        window.strip.show_error("The disk refused the write.")
        shots.shoot(app, window, "console-dark-panel", QSize(1280, 720))
        window.close()
        ws.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
