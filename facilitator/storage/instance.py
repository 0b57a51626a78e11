"""One app instance per data folder: an OS file lock that vanishes with the process."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from .errors import AlreadyOpen
from .files import make_private


def open_lock_file(path: Path) -> IO[str]:
    """The lock file, positioned at offset 0. ``msvcrt.locking`` locks bytes from the current
    position, and "a+" opens at the *end*: a second instance would lock the byte after the
    first one's PID and both would run. Every instance must lock the same byte, byte 0."""
    fh = open(path, "a+", encoding="ascii")  # noqa: SIM115 - held for the app's life
    make_private(path)
    fh.seek(0)
    return fh


class InstanceLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[str] | None = None

    def acquire(self) -> None:
        fh = open_lock_file(self.path)
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            fh.close()
            raise AlreadyOpen(
                "Facilitator is already open on this computer with the same data folder."
                " Switch to that window instead."
            ) from exc
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
