"""A batch of note exports: read and audited per chunk of notes, never a file left unaudited."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event

from facilitator.services import audit, exports
from facilitator.services.errors import NotFound

from .conftest import NotesClinic
from .test_exports import sign_all, text_of


def _folder(tmp_path: Path, name: str = "out") -> Path:
    folder = tmp_path / name  # tmp_path holds the clinic's own files too
    folder.mkdir()
    return folder


def _commits(nc: NotesClinic) -> list[int]:
    """Counts the transactions committed through the admin's engine from now on."""
    seen: list[int] = []
    event.listen(nc.admin.db.engine, "commit", lambda _conn: seen.append(1))
    return seen


def test_a_batch_is_audited_in_one_transaction_per_chunk(nc: NotesClinic, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ids = list(sign_all(nc).values())
    out_dir = _folder(tmp_path)
    commits = _commits(nc)
    out = exports.export_notes_batch(nc.admin, ids, out_dir)
    assert len(commits) == 1  # four notes, one chunk: one audit transaction, not four
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(o.path.name for o in out)
    events = audit.list_events(nc.admin, action_prefix="export.note")
    assert sorted(e.details["file"] for e in events) == sorted(o.path.name for o in out)
    assert sorted(e.details["participants"][0] for e in events) == sorted(nc.people)
    assert "Ada Example" in text_of(out[0].path)
    monkeypatch.setattr(exports, "BATCH_CHUNK", 3)
    commits.clear()
    again = exports.export_notes_batch(nc.admin, ids, _folder(tmp_path, "again"))
    assert len(commits) == 2 and len(again) == 4  # 3 + 1


def test_a_note_failing_midway_keeps_the_ones_before_it_named_and_audited(
        nc: NotesClinic, tmp_path: Path) -> None:
    ids = list(sign_all(nc).values())
    out_dir = _folder(tmp_path)
    with pytest.raises(NotFound):
        exports.export_notes_batch(nc.admin, [ids[0], ids[1], 10**9, ids[2]], out_dir)
    files = sorted(p.name for p in out_dir.iterdir())
    assert len(files) == 2 and all(f.endswith(".pdf") for f in files)  # no staged file left
    events = audit.list_events(nc.admin, action_prefix="export.note")
    assert sorted(e.details["file"] for e in events) == files


def test_a_chunk_whose_audit_fails_leaves_no_file(nc: NotesClinic, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ids = list(sign_all(nc).values())
    out_dir = _folder(tmp_path)
    monkeypatch.setattr(exports, "BATCH_CHUNK", 2)
    real = audit.record
    calls: list[int] = []

    def fail_on_third(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk gone")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audit, "record", fail_on_third)
    with pytest.raises(OSError):
        exports.export_notes_batch(nc.admin, ids, out_dir)
    # The first chunk was named and audited; the second's transaction failed, so its files
    # were removed with it: no export exists unaudited.
    files = sorted(p.name for p in out_dir.iterdir())
    events = audit.list_events(nc.admin, action_prefix="export.note")
    assert len(files) == 2 and sorted(e.details["file"] for e in events) == files


def test_a_cancelled_chunk_names_and_audits_what_it_staged(nc: NotesClinic, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    ids = list(sign_all(nc).values())
    out_dir = _folder(tmp_path)
    monkeypatch.setattr(exports, "BATCH_CHUNK", 2)
    commits = _commits(nc)
    done: list[int] = []
    with pytest.raises(exports.ExportCancelled, match="after 3 of 4"):
        exports.export_notes_batch(nc.admin, ids, out_dir,
                                   progress=lambda n, _total: done.append(n),
                                   cancelled=lambda: len(done) == 3)
    assert done == [1, 2, 3] and len(commits) == 2
    files = sorted(p.name for p in out_dir.iterdir())
    assert len(files) == 3 and all(f.endswith(".pdf") for f in files)
    events = audit.list_events(nc.admin, action_prefix="export.note")
    assert sorted(e.details["file"] for e in events) == files
