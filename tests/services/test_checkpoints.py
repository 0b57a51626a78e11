"""Who checkpoints the write-ahead log (storage.checkpoints): SQLite at a commit as usual, nobody
at a commit while a long writer holds ``by_hand()``, and the writer itself when it asks."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text

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
