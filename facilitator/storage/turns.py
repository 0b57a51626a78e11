"""Write transactions of one process take turns, first come first served.

SQLite lets one writer in at a time; another that finds the lock taken sleeps in growing steps
(up to 100 ms) before it tries again, and a thread that commits and begins again at once can
keep winning. The live console and a background sync round share a process (the round runs on
a worker thread), so each ``Workspace.transaction`` first waits for its turn here: a console
action then waits only for the transaction ahead of it, woken the moment that one ends, and a
long job (sync's apply) asks ``wanted`` between its steps and commits early to let it in.
Other processes (the CLI, verify's child) still meet SQLite's own lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class WriteTurns:
    # After this long, go ahead anyway: SQLite's own lock still keeps writers apart, and a
    # turn never blocks longer than its busy timeout would.
    WAIT_S = 10.0

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._next = 0  # the next ticket to hand out
        self._serving = 0  # the oldest ticket not yet finished
        self._finished: set[int] = set()
        self._holders: set[int] = set()  # threads inside a turn
        self._waiting = 0

    @property
    def wanted(self) -> bool:
        """Whether another write transaction is waiting for its turn."""
        return self._waiting > 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        me = threading.get_ident()
        if me in self._holders:  # nested on one thread: the turn is already this thread's
            yield
            return
        with self._cv:
            ticket = self._next
            self._next += 1
            self._waiting += 1
            try:
                self._cv.wait_for(lambda: self._serving == ticket, timeout=self.WAIT_S)
            finally:
                self._waiting -= 1
            self._holders.add(me)
        try:
            yield
        finally:
            with self._cv:
                self._holders.discard(me)
                self._finished.add(ticket)
                while self._serving in self._finished:
                    self._finished.discard(self._serving)
                    self._serving += 1
                self._cv.notify_all()
