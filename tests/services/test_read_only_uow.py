"""The read-only unit of work: deferred BEGIN, never waits for or blocks the writer."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from facilitator.models.users import User
from facilitator.services.workspace import Workspace
from facilitator.storage.engine import RELAXED_CACHE_KIB

from .write_lock import write_lock_held


def test_a_read_proceeds_while_a_writer_holds_the_write_lock(ws: Workspace) -> None:
    # A write would now wait out the busy timeout; the read must answer at once (the helper
    # checks that the writer still held its lock afterwards).
    with write_lock_held(ws), ws.read() as s:
        assert s.scalar(select(func.count(User.id))) == 1


def test_a_write_inside_a_read_is_refused_and_nothing_is_stored(ws: Workspace) -> None:
    with pytest.raises(RuntimeError, match="read-only"), ws.read() as s:
        user = s.scalar(select(User))
        user.display_name = "Changed in a read"
    with ws.read() as s:
        assert s.scalar(select(User.display_name)) != "Changed in a read"


def test_today_is_the_clinic_date(ws: Workspace) -> None:
    # The fake clock reads 2026-03-02 15:00 UTC, 09:00 in Chicago.
    assert ws.today().isoformat() == "2026-03-02"


@contextlib.contextmanager
def _holding(ws: Workspace, readers: int) -> Iterator[None]:
    """``readers`` read transactions open, each holding a pooled connection."""
    with contextlib.ExitStack() as stack:
        for _ in range(readers):
            stack.enter_context(ws.read()).execute(select(1))
        yield


def test_a_relaxed_write_skips_the_fsync_and_every_durable_one_after_it_does_not(
        ws: Workspace) -> None:
    """``durable=False`` (a pull's slices) commits at synchronous=NORMAL with a larger page
    cache; the pooled connection it ran on is back at FULL and the usual cache for the next
    ordinary write, whichever connection that gets."""
    level, cache = text("PRAGMA synchronous"), text("PRAGMA cache_size")
    with ws.transaction() as s:
        usual = s.execute(cache).scalar()
    assert usual != RELAXED_CACHE_KIB
    for i in range(4):  # 0-3 connections held by readers: each write gets another one
        with _holding(ws, i), ws.transaction(durable=False) as s:
            assert s.execute(level).scalar() == 1  # NORMAL
            assert s.execute(cache).scalar() == RELAXED_CACHE_KIB  # a pull's larger cache
            s.execute(text("UPDATE users SET display_name = display_name || :x"), {"x": str(i)})
    for i in range(4):
        with _holding(ws, i), ws.transaction() as s:
            assert s.execute(level).scalar() == 2  # FULL
            assert s.execute(cache).scalar() == usual  # the memory given back
    with ws.read() as s:  # the relaxed writes were committed
        assert all(name.endswith("0123") for name in s.scalars(select(User.display_name)))
