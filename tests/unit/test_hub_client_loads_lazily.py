"""A laptop without a clinic hub never loads psycopg and its libpq: importing the main window
(which shows the sync status) cost about 14 MB of memory when the hub client came with it."""

from __future__ import annotations

import subprocess
import sys


def test_the_main_window_does_not_load_the_hub_client() -> None:
    code = ("import sys\nimport facilitator.ui.main_window\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'psycopg'"
            " or m == 'facilitator.storage.hub.client'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""})
    assert out.stdout.strip() == "[]"
