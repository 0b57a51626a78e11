"""Who copies the write-ahead log into the database file, and when.

Usually SQLite itself: the commit that takes the log past ``USUAL_PAGES`` pages checkpoints it
(PASSIVE), inside that commit, before the committing call returns. While a pull runs that
commit is a problem either way. A pull's slice writes thousands of pages, so the next commit
checkpoints them: when that is a console action's, the therapist's click waits for the copy
(55 to 150 ms measured on the five-year clinic); when it is the slice's own, it happens inside
the slice's write turn and the console action queued behind it waits just as long.

So a long writer holds ``by_hand()`` for its run: every write transaction that begins
meanwhile, on any connection of the process, leaves the log alone at its commit, and the long
writer checkpoints (``Database.checkpoint``) after each of its transactions, once its write
turn has ended. SQLite releases Python's interpreter lock while it copies, so a console action
runs beside the copy. Other processes (the CLI, verify's child) keep SQLite's own rule.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Checkpoints:
    USUAL_PAGES = 1000  # SQLite's own default for ``PRAGMA wal_autocheckpoint``

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_hand = 0

    @property
    def pages(self) -> int:
        """``wal_autocheckpoint`` for a write transaction that begins now (0: none)."""
        return 0 if self._by_hand else self.USUAL_PAGES

    @contextmanager
    def by_hand(self) -> Iterator[None]:
        """Commits leave the log alone until the block ends (nested holders count)."""
        with self._lock:
            self._by_hand += 1
        try:
            yield
        finally:
            with self._lock:
                self._by_hand -= 1
