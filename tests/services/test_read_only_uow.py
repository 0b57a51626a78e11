"""The read-only unit of work: deferred BEGIN, never waits for or blocks the writer."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from facilitator.models.users import User
from facilitator.services.workspace import Workspace


def test_a_read_proceeds_while_a_writer_holds_the_write_lock(ws: Workspace) -> None:
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with ws.transaction() as s:  # BEGIN IMMEDIATE: takes the write lock
            s.execute(select(func.count(User.id))).scalar()
            holding.set()
            release.wait(10)

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert holding.wait(10)
        # A write would now wait out the busy timeout; the read must answer at once.
        with ws.read() as s:
            assert s.scalar(select(func.count(User.id))) == 1
        assert t.is_alive()  # the writer still holds its lock: the read did not wait for it
    finally:
        release.set()
        t.join()


def test_a_write_inside_a_read_is_refused_and_nothing_is_stored(ws: Workspace) -> None:
    with pytest.raises(RuntimeError, match="read-only"), ws.read() as s:
        user = s.scalar(select(User))
        user.display_name = "Changed in a read"
    with ws.read() as s:
        assert s.scalar(select(User.display_name)) != "Changed in a read"


def test_today_is_the_clinic_date(ws: Workspace) -> None:
    # The fake clock reads 2026-03-02 15:00 UTC, 09:00 in Chicago.
    assert ws.today().isoformat() == "2026-03-02"
