"""Unexpected exceptions: a generic message for the user, a PHI-free crash log for support.

An exception's *message* may quote what a user typed (a name, a note), so the log keeps only the
exception type and the stack frames (file, line, function) — never messages or local values.
The running block is not interrupted: every console action was already committed.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

MAX_LOGS = 20


def phi_free_report(exc_type: type[BaseException], tb: TracebackType | None) -> str:
    frames = traceback.extract_tb(tb)
    lines = [f"{datetime.now(UTC).isoformat()} {exc_type.__module__}.{exc_type.__qualname__}"]
    lines += [f"  {Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames]
    return "\n".join(lines) + "\n"


def install(log_dir: Path, notify: Callable[[str], None]) -> None:
    """Route uncaught exceptions to a crash log in ``log_dir`` and a short notice."""

    def hook(exc_type: type[BaseException], exc: BaseException,
             tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
            (log_dir / f"crash-{stamp}.log").write_text(phi_free_report(exc_type, tb), "utf-8")
            for old in sorted(log_dir.glob("crash-*.log"))[:-MAX_LOGS]:
                old.unlink(missing_ok=True)
        except OSError:
            pass  # a full or read-only disk must not turn one error into two
        notify("Something went wrong. Your work so far is saved. If it happens again, tell "
               "your administrator (a crash report without patient data was kept).")

    sys.excepthook = hook
