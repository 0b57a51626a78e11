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
import os
from pathlib import Path

from ..durable import fsync_dir

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
