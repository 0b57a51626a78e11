"""Another thread holding the database's write lock, for tests of the read-only unit of work."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from facilitator.services.workspace import Workspace


@contextmanager
def write_lock_held(ws: Workspace) -> Iterator[None]:
    """Another thread holds ``BEGIN IMMEDIATE`` (the write lock) until the block ends."""
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with ws.transaction() as s:
            s.connection()  # BEGIN IMMEDIATE runs here
            holding.set()
            release.wait(30)

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert holding.wait(10)
        yield
        assert t.is_alive()  # the lock was held throughout: the queries did not wait for it
    finally:
        release.set()
        t.join()
