"""The read-only unit of work: deferred BEGIN, never waits for or blocks the writer."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

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
