"""While a round pulls, the console comes first (storage.turns, storage.checkpoints): a unit of
work on another thread ends the slice being applied and the next slice waits until it is over;
no commit but the pull's own copies the log into the file; afterwards SQLite's rule is back."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import text

from facilitator.services import roster
from facilitator.services.sync import apply, pull
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Clinic
from tests.sync.test_converge import clinic  # the laptops of the notes clinic, one hub

__all__ = ["clinic", "nc"]
NEW = 12


def test_a_console_read_ends_the_slice_and_the_next_waits_for_it(
        clinic: Clinic, nc: NotesClinic, monkeypatch: pytest.MonkeyPatch) -> None:
    a = clinic.adopt("A", nc.vault)
    a.sync()
    b = clinic.join_from(a, "B")
    b.sync()
    for i in range(NEW):
        roster.add_participant(a.sign_in(), roster.ParticipantDraft(
            chart_id=f"Y-{i}", legal_name=f"Yan Placeholder {i}",
            admission_date=nc.clock.now().date()))
    assert a.sync().pushed == 1

    ws = b.sign_in()
    monkeypatch.setattr(pull, "APPLY_SLICE_S", 60.0)  # only the console ends a slice early
    monkeypatch.setattr(apply, "INSERT_CHUNK", 1)  # and the slice asks after every row
    monkeypatch.setattr(apply.GidIndex, "AHEAD", 1)
    slices: list[tuple[int, float, int]] = []  # changes left, when, autocheckpoint pages
    inside, read_ended = threading.Event(), []

    def console() -> None:
        with ws.read():  # e.g. the console's refresh, on the GUI thread
            inside.set()
            time.sleep(0.2)
        read_ended.append(time.perf_counter())

    real_apply = pull.apply_changes

    def applying(s: Any, changes: list[dict[str, Any]], stop: Any, index: Any) -> Any:
        slices.append((len(changes), time.perf_counter(), ws.db.checkpoints.pages))
        if len(slices) == 1:
            threading.Thread(target=console).start()
            assert inside.wait(10)
        return real_apply(s, changes, stop, index)

    monkeypatch.setattr(pull, "apply_changes", applying)
    report = b.sync()
    assert report.applied == NEW
    # The first slice applied one row and ended; the next began once the read was over.
    assert [left for left, _, _ in slices] == [NEW, NEW - 1]
    assert slices[1][1] >= read_ended[0]
    # No commit during the round checkpointed on its own; after it, SQLite's rule is back.
    assert [pages for _, _, pages in slices] == [0, 0]
    with ws.transaction() as s:
        assert s.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == 1000
    assert a.dump() == b.dump()
