"""Write transactions of one process take turns, first come first served.

SQLite lets one writer in at a time; another that finds the lock taken sleeps in growing steps
(up to 100 ms) before it tries again, and a thread that commits and begins again at once can
keep winning. The live console and a background sync round share a process (the round runs on
a worker thread), so each ``Workspace.transaction`` first waits for its turn here: a console
action then waits only for the transaction ahead of it, woken the moment that one ends, and a
long job (sync's apply) asks ``wanted`` between its steps and commits early to let it in.
Other processes (the CLI, verify's child) still meet SQLite's own lock.

A round also competes for Python's interpreter lock: while it runs Python (decoding, checking,
building rows) a console action on the GUI thread gets the lock back only every few
milliseconds, each time it gave it up for SQLite. So the round's thread declares itself
``background()`` and every unit of work of any other thread (``foreground()``, reads too) asks
it to step aside: the round ends its slice at its next check (``wanted``) and starts the next
one only once no foreground unit has run for ``LINGER_S`` (``wait_for_quiet``), blocked on a
condition, not holding the interpreter lock. A job whose steps each hold the write lock for
some milliseconds (sealing edits) also waits, while the console is busy, for its next action to
end before the next step (``pace``), so the steps fall in the gaps between actions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class WriteTurns:
    # After this long, go ahead anyway: SQLite's own lock still keeps writers apart, and a
    # turn never blocks longer than its busy timeout would.
    WAIT_S = 10.0
    # A console action is a few units of work in a row (a read, then its write): the round
    # waits this long after the last one before it takes the interpreter back.
    LINGER_S = 0.005

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._next = 0  # the next ticket to hand out
        self._serving = 0  # the oldest ticket not yet finished
        self._finished: set[int] = set()
        self._holders: set[int] = set()  # threads inside a turn
        self._waiting = 0
        self._background: set[int] = set()  # threads running a background job (a sync round)
        self._foreground = 0  # units of work of other threads running while one is
        self._last_foreground = 0.0  # when the last of them ended (perf_counter)
        self._ended = 0  # how many of them have ended

    @property
    def queued(self) -> bool:
        """Whether another write transaction waits for its turn."""
        return self._waiting > 0

    @property
    def wanted(self) -> bool:
        """Whether another write transaction waits for its turn, or (asked by a background
        job) any unit of work of another thread runs."""
        return self._waiting > 0 or (self._foreground > 0
                                     and threading.get_ident() in self._background)

    @contextmanager
    def background(self) -> Iterator[None]:
        """This thread runs a background job for the block: other threads' units of work
        (``foreground``) come first. Nested on one thread, the outer block decides."""
        me = threading.get_ident()
        if me in self._background:
            yield
            return
        with self._cv:
            self._background.add(me)
        try:
            yield
        finally:
            with self._cv:
                self._background.discard(me)

    @contextmanager
    def foreground(self) -> Iterator[None]:
        """One unit of work (read or write). Counted only while a background job runs on
        another thread (one begun before the job is not: the next one is); otherwise this costs
        a set look-up."""
        if not self._background or threading.get_ident() in self._background:
            yield
            return
        with self._cv:
            self._foreground += 1
        try:
            yield
        finally:
            with self._cv:
                self._foreground -= 1
                self._ended += 1
                self._last_foreground = time.perf_counter()
                self._cv.notify_all()

    def busy(self, within: float) -> bool:
        """Whether another thread's unit of work ran during the last ``within`` seconds (asked
        by a background job; units are counted only while one runs)."""
        return self._foreground > 0 or time.perf_counter() - self._last_foreground < within

    def pace(self, longest: float) -> None:
        """For a background job between two steps that each hold the write lock for some
        milliseconds: while another thread is busy (``busy(longest)``: the live console acting
        every moment), wait until its next unit of work has ended (``longest`` at most), so that
        each step falls in a gap between its actions instead of running into the next one."""
        with self._cv:
            if not self.busy(longest):
                return
            seen, give_up = self._ended, time.perf_counter() + longest
            while self._ended == seen:
                left = give_up - time.perf_counter()
                if left <= 0:
                    return
                self._cv.wait(left)

    def wait_for_quiet(self, longest: float) -> bool:
        """For a background job between its steps: wait until no unit of work of another
        thread has run for ``LINGER_S`` (True), or ``longest`` seconds at most (False: something
        else keeps running, and the job must progress all the same)."""
        give_up = time.perf_counter() + longest
        with self._cv:
            while True:
                now = time.perf_counter()
                quiet_at = now if self._foreground == 0 else now + self.LINGER_S
                quiet_at = max(quiet_at, self._last_foreground + self.LINGER_S)
                if quiet_at <= now:
                    return True
                if now >= give_up:
                    return False
                self._cv.wait(min(quiet_at, give_up) - now)

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
