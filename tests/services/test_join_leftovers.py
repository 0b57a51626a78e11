"""What a join that died half-way leaves beside the data folder (``.<name>.joining-<8 hex>``,
an encrypted copy of the clinic's records and a key file) goes when the app next starts: only
folders of that exact pattern, never while a join runs in this process, and the log names
none of them."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from facilitator.services import app_state
from facilitator.storage import joining
from facilitator.storage.device import NoDeviceSecrets
from facilitator.storage.vault import Vault


def _left(parent: Path, name: str) -> Path:
    folder = parent / name
    folder.mkdir()
    (folder / "facilitator.db").write_bytes(b"\x8a" * 64)
    (folder / "keys.json").write_text("{}")
    return folder


def test_the_next_start_removes_a_dead_joins_folder_and_nothing_else(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = tmp_path / "Clinic data"
    dead = [_left(tmp_path, ".Clinic data.joining-0a1b2c3d"),
            _left(tmp_path, ".Clinic data.joining-ffffffff")]
    kept = [_left(tmp_path, name) for name in (
        ".Clinic data.joining-0a1b2c3", ".Clinic data.joining-0a1b2c3d.old",
        ".Clinic data.joining-0A1B2C3D", ".Other.joining-0a1b2c3d", "Clinic data.joining-0a1b2c3d",
        ".Clinic datax.joining-0a1b2c3d")]
    elsewhere = _left(tmp_path, "elsewhere")
    link = tmp_path / ".Clinic data.joining-12345678"
    link.symlink_to(elsewhere, target_is_directory=True)
    (tmp_path / ".Clinic data.joining-87654321").write_text("a file, not a folder")
    assert joining.leftovers(data) == sorted(dead)
    caplog.set_level(logging.INFO, logger="facilitator")
    lock = app_state.acquire_instance_lock(Vault(data, device=NoDeviceSecrets()))
    lock.release()
    assert not any(p.exists() for p in dead)
    assert all(p.is_dir() for p in [*kept, elsewhere]) and link.is_symlink()
    assert (elsewhere / "keys.json").exists()
    assert (tmp_path / ".Clinic data.joining-87654321").is_file()
    assert "Removed 2 leftover folder(s) of an interrupted join" in caplog.text
    assert "Clinic" not in caplog.text and "joining-" not in caplog.text


def test_a_join_running_in_this_process_keeps_every_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    dead = _left(tmp_path, ".data.joining-0a1b2c3d")
    with joining.work_folder(data) as work:
        work.mkdir()
        assert joining.remove_leftovers(data) == 0
        assert dead.exists() and work.exists()
        assert joining.leftovers(data) == sorted([dead, work])
    assert joining.remove_leftovers(data) == 2  # that join is over (it would have cleaned up)
    assert joining.leftovers(data) == []
