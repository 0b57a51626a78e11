"""The hidden work folder of a laptop joining a clinic, and the clean-up of ones left behind.

A join (``services.sync.join``) builds the new data folder as ``.<data folder>.joining-<8 hex>``
beside it and renames it into place at the end. A join that dies half-way (the app killed, the
machine off) leaves that folder: an encrypted database of the clinic's records and a key file
whose slots open it with a user's password or the recovery key, i.e. PHI that nobody will use.
``remove_leftovers`` deletes such folders at the app's next start and at the next join attempt,
but never one of a join running in this process (each join registers its folder while it
runs). Only folders matching the exact pattern are touched: never a symlink, a file, or a
folder merely named alike.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

_MARK = ".joining-"
_running: set[Path] = set()  # work folders of the joins running in this process
_running_lock = threading.Lock()


def _pattern(data_dir: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(data_dir.name)}{re.escape(_MARK)}[0-9a-f]{{8}}")


@contextlib.contextmanager
def work_folder(data_dir: Path) -> Iterator[Path]:
    """A new work folder's path beside ``data_dir`` (not created), registered as running
    until the context ends, so no clean-up removes it meanwhile."""
    data_dir = Path(data_dir)
    work = data_dir.parent / f".{data_dir.name}{_MARK}{secrets.token_hex(4)}"
    with _running_lock:
        _running.add(work)
    try:
        yield work
    finally:
        with _running_lock:
            _running.discard(work)


def leftovers(data_dir: Path) -> list[Path]:
    """Work folders of ``data_dir``'s joins on disk (running or left behind)."""
    data_dir = Path(data_dir)
    pattern = _pattern(data_dir)
    with contextlib.suppress(OSError):
        return sorted(p for p in data_dir.parent.iterdir()
                      if pattern.fullmatch(p.name) and p.is_dir() and not p.is_symlink())
    return []


def remove_leftovers(data_dir: Path) -> int:
    """Delete the work folders that died with an earlier join of ``data_dir``; nothing while
    a join runs in this process. Returns how many went. Logs counts only (no names)."""
    with _running_lock:
        if _running:
            return 0
        removed = 0
        for path in leftovers(data_dir):
            try:
                shutil.rmtree(path)
            except OSError as error:
                log.warning("A leftover folder of an interrupted join could not be removed"
                            " (%s)", type(error).__name__)
                continue
            removed += 1
    if removed:
        log.info("Removed %d leftover folder(s) of an interrupted join", removed)
    return removed
