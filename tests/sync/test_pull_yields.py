"""While a round pulls, the console comes first (storage.turns, storage.checkpoints): a unit of
work on another thread ends the slice being applied and the next slice waits until it is over;
no commit but the pull's own copies the log into the file; afterwards SQLite's rule is back."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest
from sqlalchemy import text

from facilitator.services import roster
from facilitator.services.sync import apply, gid_index, pull, run
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Clinic
from tests.sync.test_apply_slices import new_people_for_b
from tests.sync.test_converge import clinic  # the laptops of the notes clinic, one hub

__all__ = ["clinic", "nc"]
NEW = 12


def _one_check_per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pull, "APPLY_SLICE_S", 60.0)  # only another thread ends a slice early
    monkeypatch.setattr(pull, "BUSY_APPLY_S", 60.0)
    monkeypatch.setattr(apply, "INSERT_CHUNK", 1)  # and the slice asks after every row
    monkeypatch.setattr(gid_index.GidIndex, "AHEAD", 1)


def test_a_console_read_ends_the_slice_and_the_next_waits_for_it(
        clinic: Clinic, nc: NotesClinic, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = new_people_for_b(clinic, nc, NEW)
    ws = b.sign_in()
    _one_check_per_row(monkeypatch)
    slices: list[tuple[int, float, int]] = []  # changes left, when, autocheckpoint pages
    inside, pull_waits, read_ended = threading.Event(), threading.Event(), []
    real_wait = ws.db.turns.wait_for_quiet

    def waiting(longest: float) -> bool:
        pull_waits.set()  # before a slice: the read below may end now
        return real_wait(longest)

    def console() -> None:
        with ws.read():  # e.g. the console's refresh, on the GUI thread
            inside.set()
            pull_waits.clear()  # the next wait, after the slice this read interrupts
            pull_waits.wait(10)
        read_ended.append(time.perf_counter())

    monkeypatch.setattr(ws.db.turns, "wait_for_quiet", waiting)

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
    # No commit during the round checkpointed on its own; after it, SQLite's rule is back,
    # once the copy the round may have left for the console's next pause is made.
    assert [pages for _, _, pages in slices] == [0, 0]
    assert ws.db.checkpoints.wait_settled(5)
    with ws.transaction() as s:
        assert s.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == 1000
    assert a.dump() == b.dump()


def test_a_unit_of_work_that_never_ends_slows_a_round_but_does_not_stall_it(
        clinic: Clinic, nc: NotesClinic, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = new_people_for_b(clinic, nc, NEW)
    ws = b.sign_in()
    _one_check_per_row(monkeypatch)
    monkeypatch.setattr(pull, "QUIET_WAIT_S", 0.05)
    inside, done = threading.Event(), threading.Event()

    def export() -> None:  # e.g. a long export on a worker thread, reading all along
        with ws.read():
            inside.set()
            done.wait(30)

    worker = threading.Thread(target=export)
    slices: list[int] = []
    real_apply = pull.apply_changes

    def applying(s: Any, changes: list[dict[str, Any]], stop: Any, index: Any) -> Any:
        slices.append(len(changes))
        if len(slices) == 1:  # the export starts once the round runs, and outlasts it
            worker.start()
            assert inside.wait(10)
        return real_apply(s, changes, stop, index)

    monkeypatch.setattr(pull, "apply_changes", applying)
    try:
        assert b.sync().applied == NEW
    finally:
        done.set()
        worker.join()
    # Each slice ran its patient tenth of a second rather than one row and out.
    assert len(slices) < NEW // 2
    assert a.dump() == b.dump()


def test_a_console_that_keeps_asking_waits_for_one_step_of_a_slice_at_a_time(
        clinic: Clinic, nc: NotesClinic, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each slice ends at its first check: after checking an entry (before applying any of it),
    after sealing a console edit the entry reaches (a new participant, where the entry adds
    participants, whose chart numbers may clash), after decoding and inserting a few rows of a
    run, after an entry's last change (before recording it). A slice begun in a quiet moment
    also gives way before its first step (after its opening reads), but never two in a row:
    so at least every other slice does one step, and the round still gets through."""
    rows = apply.DECODE_BETWEEN_CHECKS  # a run's rows between two checks
    new = 2 * rows + 3
    a, b = new_people_for_b(clinic, nc, new)
    ws = b.sign_in()
    real_pull = run.pull

    def edited_first(*args: Any, **kwargs: Any) -> Any:  # after the round's own seal
        roster.add_participant(ws, roster.ParticipantDraft(
            chart_id="B-1", legal_name="Bo Placeholder", admission_date=nc.clock.now().date()))
        return real_pull(*args, **kwargs)

    monkeypatch.setattr(run, "pull", edited_first)
    steps: list[list[str]] = []
    monkeypatch.setattr(pull, "_slice", lambda ws, quiet: steps.append([]) or (lambda: True))

    def noted(name: str) -> Any:
        real = getattr(pull, name)

        def step(*args: Any, **kwargs: Any) -> Any:
            if steps:  # inside a slice
                steps[-1].append(name)
            return real(*args, **kwargs)
        return step

    for name in ("seal_local", "_check", "_record"):
        monkeypatch.setattr(pull, name, noted(name))
    real_apply = pull.apply_changes

    def applying(s: Any, changes: list[dict[str, Any]], stop: Any, index: Any) -> Any:
        done, left = real_apply(s, changes, stop, index)
        steps[-1].append(f"applied {done}")
        return done, left

    monkeypatch.setattr(pull, "apply_changes", applying)
    gave_way: list[bool] = []
    real_slice = pull._apply_slice

    def slice_(*args: Any, **kwargs: Any) -> Any:
        taking, seal_first, gave = real_slice(*args, **kwargs)
        gave_way.append(gave)
        return taking, seal_first, gave

    monkeypatch.setattr(pull, "_apply_slice", slice_)
    assert b.sync().applied == new
    assert [s for s in steps if s] == [
        ["_check"], ["seal_local"], [f"applied {rows}"], [f"applied {rows}"], ["applied 3"],
        ["_record"]]
    assert gave_way[0]  # no console ran: the moment was quiet, and it gave way at once
    assert not any(one and other for one, other in itertools.pairwise(gave_way))
    assert all(not step for gave, step in zip(gave_way, steps, strict=True) if gave)
    monkeypatch.undo()
    b.sync()  # B's edit, which the first slice sealed, goes out
    a.sync()
    assert a.dump() == b.dump()


@pytest.mark.parametrize("console", ["idle", "busy a moment ago"])
def test_slices_are_short_while_the_console_is_busy(
        clinic: Clinic, nc: NotesClinic, monkeypatch: pytest.MonkeyPatch, console: str) -> None:
    """A console that acted a moment ago (``local.BUSY_S``) will act again soon: the slices
    then commit after ``BUSY_APPLY_S`` (here: after every step), so the commit a next action
    waits for stays small, and read the global ids of a few changes at a time, so a slice's
    first change (before any check) is short too; with the console idle, one slice applies the
    whole entry."""
    a, b = new_people_for_b(clinic, nc, NEW)
    ws = b.sign_in()
    _one_check_per_row(monkeypatch)
    monkeypatch.setattr(pull, "BUSY_APPLY_S", 0.0)
    slices: list[int] = []
    real_batch, real_apply = pull._apply_batch, pull.apply_changes

    def batch(*args: Any, **kwargs: Any) -> Any:
        if console != "idle":  # a read on the console's thread, over before the first slice
            def read() -> None:
                with ws.read():
                    pass

            reader = threading.Thread(target=read)
            reader.start()
            reader.join()
        return real_batch(*args, **kwargs)

    aheads: set[int] = set()

    def applying(s: Any, changes: list[dict[str, Any]], stop: Any, index: Any) -> Any:
        slices.append(len(changes))
        aheads.add(index.ahead)
        return real_apply(s, changes, stop, index)

    monkeypatch.setattr(pull, "_apply_batch", batch)
    monkeypatch.setattr(pull, "apply_changes", applying)
    assert b.sync().applied == NEW
    assert slices == ([NEW] if console == "idle" else list(range(NEW, 0, -1)))
    assert aheads == {gid_index.GidIndex.AHEAD if console == "idle" else pull.BUSY_AHEAD}
    assert a.dump() == b.dump()
