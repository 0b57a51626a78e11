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

**While the console is busy, the copy waits for a pause** (``Database.checkpoint_soon``). On a
disk, the copy writes the slices' pages to scattered places of the file and flushes them: for
a round of a busy day's changes that took 200 to 360 ms on the five-year clinic, and every
console commit meanwhile waited for its own flush behind those writes (the console-during-sync
figure, on the disk, was 190 to 360 ms against 20 to 25 ms with the copies left out). So a
round that ends while the console acted in the last moments leaves the copy *owed*: commits
keep leaving the log alone (``pages`` stays 0), and a helper thread makes the copy once no
unit of work of another thread has run for ``QUIET_S`` (between two clicks, or two of the
console's one-second refreshes), or at once when the log has grown past ``OWED_LIMIT_BYTES``.
Readers find the pages in the log meanwhile; nothing is less durable (each commit's own flush
is unchanged).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Checkpoints:
    USUAL_PAGES = 1000  # SQLite's own default for ``PRAGMA wal_autocheckpoint``
    # An owed copy waits until no other thread's unit of work has run for this long.
    QUIET_S = 0.4
    # ... or until the log has grown this large (a console that never pauses).
    OWED_LIMIT_BYTES = 64 * 1024 * 1024

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_hand = 0
        self._settled = threading.Event()  # clear while a copy waits for a pause
        self._settled.set()

    @property
    def owed(self) -> bool:
        """Whether a copy waits for the console's pause (``Database.checkpoint_soon``)."""
        return not self._settled.is_set()

    def owe(self) -> bool:
        """Leave the copy for later; False when one is owed already (its helper waits)."""
        with self._lock:
            if self.owed:
                return False
            self._settled.clear()
            return True

    def settle(self) -> None:
        """The owed copy is made (or the database closes): SQLite's own rule is back."""
        self._settled.set()

    def wait_settled(self, longest: float) -> bool:
        """Wait until no copy is owed (``longest`` seconds at most); whether none is."""
        return self._settled.wait(longest)

    @property
    def pages(self) -> int:
        """``wal_autocheckpoint`` for a write transaction that begins now (0: none)."""
        return 0 if self._by_hand or self.owed else self.USUAL_PAGES

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
