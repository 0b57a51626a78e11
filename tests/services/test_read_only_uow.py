"""The read-only unit of work: deferred BEGIN, never waits for or blocks the writer."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from facilitator.models.users import User
from facilitator.services.workspace import Workspace

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


def test_a_relaxed_write_skips_the_fsync_and_every_durable_one_after_it_does_not(
        ws: Workspace) -> None:
    """``durable=False`` (a pull's slices) commits at synchronous=NORMAL; the pooled connection
    it ran on is back at FULL for the next ordinary write, whichever connection that gets."""
    level = text("PRAGMA synchronous")
    for i in range(4):  # every pooled connection has run a relaxed write
        with ws.transaction(durable=False) as s:
            assert s.execute(level).scalar() == 1  # NORMAL
            s.execute(text("UPDATE users SET display_name = display_name || :x"), {"x": str(i)})
    for _ in range(4):
        with ws.transaction() as s:
            assert s.execute(level).scalar() == 2  # FULL
    with ws.read() as s:  # the relaxed writes were committed
        assert all(name.endswith("0123") for name in s.scalars(select(User.display_name)))
