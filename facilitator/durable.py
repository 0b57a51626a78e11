"""Durability helpers below every layer (stdlib only), shared by ``storage`` and ``export``.

``export`` may not import ``storage`` (it renders, never touches the data folder's machinery),
yet both write files that must survive a power cut, so the one low-level step they share lives
here: the import contracts let any layer import this module and this module import none of ours.
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Flush ``folder``'s entries to disk, so a rename into it survives a power cut (POSIX;
    Windows cannot open a folder for that, and its renames are journaled by NTFS)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
