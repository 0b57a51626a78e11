"""The CLI as an admin runs it: real processes, real files, exit codes, and no PHI on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from facilitator.clock import SystemClock
from facilitator.services import auth, roster
from facilitator.storage.device import NoDeviceSecrets
from facilitator.storage.vault import Vault

PASSWORD = "demo password 1"


def run(*args: str, env: dict[str, str] | None = None, password: str | None = PASSWORD
        ) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("FACILITATOR_PASSWORD", None)
    if password is not None:
        full_env["FACILITATOR_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "facilitator", *args], capture_output=True,
                          text=True, env=full_env, stdin=subprocess.DEVNULL, timeout=120)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("cli")
    data, tmp = base / "data", base / "tmp"
    tmp.mkdir()
    result = run("demo", "--data-dir", str(data), "--no-keyring", env={"TMPDIR": str(tmp)})
    assert result.returncode == 0, result.stderr
    assert "Recovery key" in result.stdout
    return data, tmp


def test_verify_passes_on_demo(demo_dir: tuple[Path, Path]) -> None:
    result = run("verify", "--user", "admin", "--data-dir", str(demo_dir[0]), "--no-keyring")
    assert result.returncode == 0, result.stderr
    assert "Audit chain: intact" in result.stdout and "Participants: 30" in result.stdout


def test_wrong_password_exits_3_with_one_line(demo_dir: tuple[Path, Path]) -> None:
    result = run("verify", "--user", "admin", "--data-dir", str(demo_dir[0]), "--no-keyring",
                 password="definitely wrong")
    assert result.returncode == 3
    assert result.stderr.strip().count("\n") == 0 and "not correct" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("verify", "--data-dir", str(tmp_path)).returncode == 2  # --user missing
    missing = run("verify", "--user", "admin", "--data-dir", str(tmp_path / "none"))
    assert missing.returncode == 2 and "no Facilitator data" in missing.stderr
    no_password = run("verify", "--user", "admin", "--data-dir", str(tmp_path), password=None)
    assert no_password.returncode == 2


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("Facilitator ")


def test_backup_restore_cli(demo_dir: tuple[Path, Path], tmp_path: Path) -> None:
    target = tmp_path / "b.fbak"
    result = run("backup", "--user", "admin", "--to", str(target), "--data-dir",
                 str(demo_dir[0]), "--no-keyring")
    assert result.returncode == 0, result.stderr
    restored = tmp_path / "restored"
    assert run("restore", "--from", str(target), "--data-dir", str(restored)).returncode == 0
    check = run("verify", "--user", "supervisor", "--data-dir", str(restored), "--no-keyring")
    assert check.returncode == 0, check.stderr
    again = run("restore", "--from", str(target), "--data-dir", str(restored))
    assert again.returncode == 1 and "not empty" in again.stderr


def test_no_demo_phi_in_any_file(demo_dir: tuple[Path, Path]) -> None:
    data, tmp = demo_dir
    assert run("verify", "--user", "therapist", "--data-dir", str(data),
               "--no-keyring").returncode == 0
    ws = auth.sign_in(Vault(data, device=NoDeviceSecrets()), SystemClock(), "admin", PASSWORD)
    try:
        people = roster.list_participants(ws)
    finally:
        ws.close()
    needles = {n for p in people for n in (p.legal_name, p.chart_id) if n}
    assert len(needles) >= 60
    files = [f for root in (data, tmp) for f in root.rglob("*") if f.is_file()]
    assert any(f.name == "facilitator.db" for f in files)
    for f in files:
        blob = f.read_bytes()
        assert not blob.startswith(b"SQLite format 3")
        for needle in needles:
            assert needle.encode("utf-8") not in blob, f"{needle!r} in plaintext in {f.name}"
            assert needle.encode("utf-16-le") not in blob


def test_errors_are_one_line_and_refused_input_is_usage(tmp_path: Path) -> None:
    for args in (("bogus",), ("verify", "--data-dir", str(tmp_path))):
        result = run(*args)
        assert result.returncode == 2
        assert result.stderr.strip().count("\n") == 0, result.stderr
        assert "--help" in result.stderr and "usage:" not in result.stderr
    short = run("demo", "--data-dir", str(tmp_path / "d"), "--no-keyring", password="short")
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    assert short.stderr.strip().count("\n") == 0
    assert "usage:" in run("--help").stdout  # help stays in full
