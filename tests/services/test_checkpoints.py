"""Who checkpoints the write-ahead log (storage.checkpoints): SQLite at a commit as usual, nobody
at a commit while a long writer holds ``by_hand()``, the writer itself when it asks, and a
helper at the console's next pause when the console was busy as the writer ended."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from facilitator.storage.checkpoints import Checkpoints
from facilitator.storage.engine import Database

PAGES = 1500  # past SQLite's 1,000-page threshold, in one commit


def _write_pages(db: Database) -> None:
    with db.session() as s, s.begin():
        s.execute(text("CREATE TABLE IF NOT EXISTS filler (x BLOB)"))
        s.execute(text("INSERT INTO filler VALUES (:x)"), [{"x": os.urandom(3000)}] * PAGES)


def _file_pages(path: Path) -> int:
    return path.stat().st_size // 4096


def test_a_commit_past_the_threshold_copies_the_log_into_the_file(tmp_path: Path) -> None:
    db = Database(tmp_path / "f.db", os.urandom(32))
    try:
        _write_pages(db)
        assert _file_pages(tmp_path / "f.db") >= PAGES  # SQLite's own checkpoint ran
    finally:
        db.close()


def test_while_held_by_hand_no_commit_checkpoints_until_asked(tmp_path: Path) -> None:
    db = Database(tmp_path / "f.db", os.urandom(32))
    try:
        _write_pages(db)  # the table exists, the pages of this first write are in the file
        before = _file_pages(tmp_path / "f.db")
        with db.checkpoints.by_hand():
            _write_pages(db)
            assert _file_pages(tmp_path / "f.db") == before  # all of it still in the log
            db.checkpoint()
            assert _file_pages(tmp_path / "f.db") >= before + PAGES
        _write_pages(db)  # and SQLite's own rule is back afterwards
        assert _file_pages(tmp_path / "f.db") >= before + 2 * PAGES
    finally:
        db.close()


class _Console:
    """Another thread doing a unit of work of 5 ms every 50 ms, as the live console does while a
    round runs (``storage.turns``: counted while a background job runs). The waits are the
    cadence being simulated; the test waits on its actions, not on time."""

    def __init__(self, db: Database) -> None:
        self.db, self.stop = db, threading.Event()
        self.thread = threading.Thread(target=self._run)
        self.acted = threading.Condition()
        self.actions = 0

    def _run(self) -> None:
        while not self.stop.is_set():
            with self.db.turns.foreground():
                self.stop.wait(0.005)
            with self.acted:
                self.actions += 1
                self.acted.notify_all()
            self.stop.wait(0.045)

    def wait_actions(self, more: int) -> None:
        with self.acted:
            target = self.actions + more
            assert self.acted.wait_for(lambda: self.actions >= target, timeout=10)

    def __enter__(self) -> _Console:
        self.thread.start()
        self.wait_actions(2)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join()


def _round_leaves_pages(db: Database) -> int:
    """A round's slices (by hand) wrote pages; returns the file's pages before them."""
    _write_pages(db)
    before = _file_pages(db.path)
    with db.checkpoints.by_hand():
        _write_pages(db)
    return before


def test_with_the_console_idle_the_round_s_copy_is_made_at_once(tmp_path: Path) -> None:
    db = Database(tmp_path / "f.db", os.urandom(32))
    try:
        before = _round_leaves_pages(db)
        with db.turns.background():
            db.checkpoint_soon()
            assert not db.checkpoints.owed
        assert _file_pages(db.path) >= before + PAGES
    finally:
        db.close()


def test_with_the_console_busy_the_copy_waits_for_its_pause(tmp_path: Path) -> None:
    db = Database(tmp_path / "f.db", os.urandom(32))
    try:
        before = _round_leaves_pages(db)
        with db.turns.background(), _Console(db) as console:
            db.checkpoint_soon()
            assert db.checkpoints.owed and db.checkpoints.pages == 0
            console.wait_actions(15)  # 0.7 s, longer than the pause it waits for
            assert db.checkpoints.owed
            assert _file_pages(db.path) == before  # no commit copied the log meanwhile
            db.checkpoint_soon()  # a second round's end: still one helper
        assert db.checkpoints.wait_settled(5)  # the console paused
        assert _file_pages(db.path) >= before + PAGES
        assert db.checkpoints.pages == db.checkpoints.USUAL_PAGES  # SQLite's rule is back
    finally:
        db.close()


def test_a_console_that_never_pauses_gets_the_copy_once_the_log_is_large(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(tmp_path / "f.db", os.urandom(32))
    monkeypatch.setattr(Checkpoints, "OWED_LIMIT_BYTES", PAGES * 4096)
    try:
        before = _round_leaves_pages(db)
        with db.turns.background(), _Console(db):
            db.checkpoint_soon()
            assert db.checkpoints.wait_settled(2)
            assert _file_pages(db.path) >= before + PAGES
    finally:
        db.close()


def test_closing_with_a_copy_owed_loses_nothing(tmp_path: Path) -> None:
    key = os.urandom(32)
    db = Database(tmp_path / "f.db", key)
    with db.turns.background(), _Console(db):
        _round_leaves_pages(db)
        db.checkpoint_soon()
        assert db.checkpoints.owed
        db.close()  # the helper stops; SQLite copies the log as its last connection closes
    assert not (tmp_path / "f.db-wal").exists() or (tmp_path / "f.db-wal").stat().st_size == 0
    again = Database(tmp_path / "f.db", key)
    try:
        with again.read_session() as s:
            assert s.execute(text("SELECT count(*) FROM filler")).scalar_one() == 2 * PAGES
    finally:
        again.close()
