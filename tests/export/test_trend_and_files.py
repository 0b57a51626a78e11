"""The trend chart's gaps, and writing export files atomically under PHI-free names."""

from __future__ import annotations

import errno
import os
from datetime import date
from pathlib import Path

import pytest
from reportlab.graphics.shapes import PolyLine

from facilitator.export import files, samples
from facilitator.export.model import TrendPoint
from facilitator.export.trend_chart import segments, trend_drawing

D = [date(2026, 3, d) for d in range(2, 9)]


def test_missing_values_break_the_line_instead_of_dropping_to_zero() -> None:
    points = [TrendPoint(D[0], mood=5), TrendPoint(D[1], mood=6), TrendPoint(D[2]),
              TrendPoint(D[3], mood=4), TrendPoint(D[4], mood=0)]
    assert segments(points, "mood") == [[(D[0], 5.0), (D[1], 6.0)], [(D[3], 4.0), (D[4], 0.0)]]
    assert segments(points, "craving") == []


def test_the_drawing_has_one_line_per_unbroken_stretch() -> None:
    points = [TrendPoint(D[0], mood=5), TrendPoint(D[1], mood=6), TrendPoint(D[2]),
              TrendPoint(D[3], mood=4), TrendPoint(D[4], mood=3)]
    drawing = trend_drawing(points, D[0], D[-1], 400)

    def lines(node: object) -> list[PolyLine]:
        found = [node] if isinstance(node, PolyLine) else []
        for child in getattr(node, "contents", []):
            found += lines(child)
        return found

    assert len(lines(drawing)) == 2  # two mood stretches; no line for empty series


def test_the_file_name_carries_no_phi_and_differs_by_participant_date_and_type() -> None:
    person = samples.PEOPLE[0]
    name = files.safe_file_name(person.chart_id, date(2026, 3, 2), "Session packet")
    assert name.startswith("session-packet-") and name.endswith("-20260302.pdf")
    for part in (person.chart_id, person.legal_name, person.preferred_name, "1001"):
        assert part.lower() not in name.lower()
    assert name == files.safe_file_name(person.chart_id, date(2026, 3, 2), "Session packet")
    assert name != files.safe_file_name("DEMO-1002", date(2026, 3, 2), "Session packet")
    assert name != files.safe_file_name(person.chart_id, date(2026, 3, 3), "Session packet")
    assert name != files.safe_file_name(person.chart_id, date(2026, 3, 2), "note")


def test_a_clinic_key_makes_the_fingerprint_one_only_the_clinic_can_recompute() -> None:
    plain = files.safe_file_name("DEMO-1001", date(2026, 3, 2), "note")
    keyed = files.safe_file_name("DEMO-1001", date(2026, 3, 2), "note", key=b"k" * 32)
    other = files.safe_file_name("DEMO-1001", date(2026, 3, 2), "note", key=b"j" * 32)
    assert len({plain, keyed, other}) == 3
    assert keyed == files.safe_file_name("DEMO-1001", date(2026, 3, 2), "note", key=b"k" * 32)


def test_write_is_whole_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = files.write_atomic(tmp_path, "note-abc.pdf", b"%PDF-1.4 demo")
    assert path == tmp_path / "note-abc.pdf"
    assert path.read_bytes() == b"%PDF-1.4 demo"
    assert sorted(os.listdir(tmp_path)) == ["note-abc.pdf"]


def test_a_taken_name_gets_a_suffix_and_the_old_file_is_untouched(tmp_path: Path) -> None:
    (tmp_path / "note-abc.pdf").write_bytes(b"first")
    second = files.write_atomic(tmp_path, "note-abc.pdf", b"second")
    third = files.write_atomic(tmp_path, "note-abc.pdf", b"third")
    assert (tmp_path / "note-abc.pdf").read_bytes() == b"first"
    assert second.name == "note-abc-2.pdf" and second.read_bytes() == b"second"
    assert third.name == "note-abc-3.pdf"
    assert sorted(os.listdir(tmp_path)) == ["note-abc-2.pdf", "note-abc-3.pdf", "note-abc.pdf"]


def test_a_missing_folder_or_a_file_as_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(files.ExportError, match="does not exist"):
        files.write_atomic(tmp_path / "nowhere", "a.pdf", b"x")
    (tmp_path / "plain").write_text("not a folder")
    with pytest.raises(files.ExportError, match="is not a folder"):
        files.write_atomic(tmp_path / "plain", "a.pdf", b"x")


@pytest.mark.parametrize(("code", "message"), [
    (errno.ENOSPC, "disk holding .* is full"),
    (errno.EACCES, "cannot save files in"),
    (errno.EIO, "could not be saved"),
])
def test_a_failed_write_explains_itself_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, message: str) -> None:
    # The operating system's failure is simulated at fsync, after the bytes were handed over:
    # the worst moment, with a temporary file on disk.
    def failing_fsync(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(files.os, "fsync", failing_fsync)
    with pytest.raises(files.ExportError, match=message):
        files.write_atomic(tmp_path, "note-abc.pdf", b"data")
    assert os.listdir(tmp_path) == []


def test_a_cancelled_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def cancelled(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", cancelled)
    with pytest.raises(KeyboardInterrupt):
        files.write_atomic(tmp_path, "note-abc.pdf", b"data")
    assert os.listdir(tmp_path) == []


def test_an_unwritable_folder_is_refused_before_writing(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, who may write anywhere; the permission answer is the OS's.
    monkeypatch.setattr(files.os, "access", lambda path, mode: False)
    with pytest.raises(files.ExportError, match="cannot save files in"):
        files.write_atomic(tmp_path, "note-abc.pdf", b"data")
    assert os.listdir(tmp_path) == []


def test_a_name_with_a_folder_in_it_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="folder"):
        files.write_atomic(tmp_path, "../escape.pdf", b"x")


def test_a_batch_cancelled_halfway_keeps_the_finished_files_and_no_partial_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_fsync = os.fsync
    calls = {"n": 0}

    def cancel_on_third(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the user pressed Cancel while file 3 was being written
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", cancel_on_third)
    written = []
    with pytest.raises(KeyboardInterrupt), files.ExportFolder(tmp_path) as target:
        for i in range(5):
            written.append(target.write(f"note-{i}.pdf", b"data %d" % i))
    assert sorted(os.listdir(tmp_path)) == ["note-0.pdf", "note-1.pdf"]
    assert [p.read_bytes() for p in written] == [b"data 0", b"data 1"]


def test_a_staged_file_is_hidden_until_published_and_discard_removes_it(tmp_path: Path) -> None:
    with files.ExportFolder(tmp_path) as folder:
        staged = folder.stage(b"%PDF-1.4 staged")
        assert staged.parent == tmp_path and staged.name.startswith(".")
        kept = folder.stage(b"%PDF-1.4 dropped")
        final = folder.publish(staged, "note-a.pdf")
        folder.discard(kept)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note-a.pdf"]
    assert final.read_bytes() == b"%PDF-1.4 staged"
