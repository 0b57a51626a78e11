"""Small, durable, owner-only files and folders.

Everything the app writes beside the database (key slots, back-off state, anchors, backups) is
written to a temporary file, fsynced *through the handle that wrote it* (an fsync on a read-only
handle fails on Windows with EBADF), renamed into place, and then the folder is fsynced so the
rename itself survives a power cut (POSIX; Windows cannot open a folder for that).
Files are created 0600 and folders 0700 where the OS has such modes: other accounts on a shared
clinic computer see nothing, not even the names.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from ..durable import fsync_dir
from .errors import DataDirProblem

__all__ = ["PRIVATE_DIR", "PRIVATE_FILE", "fsync_dir", "make_private", "private_dir"]

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(folder: Path) -> Path:
    """Create ``folder`` (and parents) if needed and make it owner-only."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    make_private(folder, PRIVATE_DIR)
    return folder


def make_private(path: Path, mode: int = PRIVATE_FILE) -> None:
    if os.name != "nt":
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, mode)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically and durably, owner-only."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0),
                 PRIVATE_FILE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    make_private(tmp)  # O_CREAT's mode is ignored for a file that already existed
    os.replace(tmp, path)
    fsync_dir(path.parent)


@contextlib.contextmanager
def exclusive(lock: Path) -> Iterator[None]:
    """An exclusive OS lock on the side file ``lock`` for one read-modify-write, blocking while
    another process holds it. Not re-entrant: a second ``exclusive`` on the same file in the
    same process waits for the first (flock locks belong to the open file)."""
    with open(lock, "a+b") as fh:
        make_private(lock)
        if sys.platform == "win32":
            import msvcrt

            fh.seek(0)  # "a+" opens at the end; every holder must lock byte 0
            msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def dir_problem(exc: OSError, where: Path) -> DataDirProblem:
    """A message safe to show for ``exc`` met in the folder ``where``."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DataDirProblem("The disk is full: nothing was saved. Free some space and retry.")
    if exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
        return DataDirProblem(
            f"The data folder {where} cannot be written (read-only or no permission)."
        )
    # An OSError raised without an errno would otherwise read "cannot be used: Success".
    reason = os.strerror(exc.errno) if exc.errno else "unknown error"
    return DataDirProblem(f"The data folder {where} cannot be used: {reason}.")
