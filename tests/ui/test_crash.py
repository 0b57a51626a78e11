"""Unexpected errors: the user gets a short notice, the log keeps no message text (PHI)."""

from __future__ import annotations

import sys
from pathlib import Path

from facilitator.ui import crash


def test_crash_log_has_frames_but_no_message(tmp_path: Path) -> None:
    notices: list[str] = []
    old = sys.excepthook
    crash.install(tmp_path / "logs", notices.append)
    try:
        try:
            raise ValueError("Chart C-77 for Wilhelmina Uniquename failed")
        except ValueError as error:
            sys.excepthook(type(error), error, error.__traceback__)
    finally:
        sys.excepthook = old
    logs = list((tmp_path / "logs").glob("crash-*.log"))
    assert len(logs) == 1
    text = logs[0].read_text("utf-8")
    assert "builtins.ValueError" in text and "test_crash.py" in text
    assert "Wilhelmina" not in text and "C-77" not in text
    assert notices and "saved" in notices[0]
