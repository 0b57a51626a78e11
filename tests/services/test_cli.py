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
    assert run("restore", "--from", str(target), "--data-dir", str(restored), "--user", "admin",
               "--no-keyring").returncode == 0
    check = run("verify", "--user", "supervisor", "--data-dir", str(restored), "--no-keyring")
    assert check.returncode == 0, check.stderr
    again = run("restore", "--from", str(target), "--data-dir", str(restored), "--user",
                "admin")
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


def test_verify_names_a_tampered_note_signature(demo_dir: tuple[Path, Path],
                                                tmp_path: Path) -> None:
    import shutil

    from sqlalchemy import text

    copy = tmp_path / "data"
    shutil.copytree(demo_dir[0], copy)
    first = run("verify", "--user", "admin", "--data-dir", str(copy), "--no-keyring")
    assert first.returncode == 0 and "Note signatures: all" in first.stdout
    ws = auth.sign_in(Vault(copy, device=NoDeviceSecrets()), SystemClock(), "admin", PASSWORD)
    try:  # someone with the key drops the guard and edits one signed note
        with ws.db.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER note_revisions_signed_no_update"))
            note_id = conn.execute(text(
                "UPDATE note_revisions SET content = json_set(content, '$.sections.plan', "
                "'Edited later') WHERE id = (SELECT min(id) FROM note_revisions WHERE "
                "signed_at IS NOT NULL) RETURNING note_id")).scalar()
    finally:
        ws.close()
    result = run("verify", "--user", "admin", "--data-dir", str(copy), "--no-keyring")
    assert result.returncode == 1, result.stdout
    assert f"(note {note_id}): the signed note content no longer matches" in result.stdout
    assert "note_revisions_signed_no_update is missing" in result.stdout
    assert "Traceback" not in result.stderr


def test_export_session_and_chart_with_a_release(demo_dir: tuple[Path, Path],
                                                  tmp_path: Path) -> None:
    import shutil

    from facilitator.services import exports

    copy = tmp_path / "data"
    shutil.copytree(demo_dir[0], copy)
    ws = auth.sign_in(Vault(copy, device=NoDeviceSecrets()), SystemClock(), "admin", PASSWORD)
    try:
        from sqlalchemy import text

        with ws.read() as s:
            group, day, chart = s.execute(text(
                "SELECT g.name, gs.session_date, p.chart_id FROM group_sessions gs "
                "JOIN groups g ON g.id = gs.group_id JOIN attendance a ON a.session_id = gs.id "
                "JOIN participants p ON p.id = a.participant_id WHERE gs.status = 'ended' "
                "ORDER BY gs.session_date LIMIT 1")).one()
    finally:
        ws.close()
    out = tmp_path / "out"
    out.mkdir()
    common = ("--user", "admin", "--data-dir", str(copy), "--no-keyring", "--out", str(out))
    result = run("export", "session", *common, "--group", group, "--date", str(day),
                 "--disclose-to", "County court (demo)", "--purpose", "Court order")
    assert result.returncode == 0, result.stderr
    [packet] = list(out.iterdir())
    assert "Exported" in result.stdout and packet.suffix == ".pdf"
    assert chart not in packet.name
    assert subprocess.run(["qpdf", "--check", str(packet)], capture_output=True).returncode == 0
    chart_run = run("export", "chart", *common, "--participant", chart, "--from", str(day),
                    "--to", str(day))
    assert chart_run.returncode == 0, chart_run.stderr
    backwards = run("export", "chart", *common, "--participant", chart, "--from", str(day),
                    "--to", "2000-01-01")
    assert backwards.returncode != 0 and "before the start" in backwards.stderr
    assert backwards.stderr.strip().count("\n") == 0
    missing = run("export", "session", *common)
    assert missing.returncode == 2 and "--session-id" in missing.stderr
    ws = auth.sign_in(Vault(copy, device=NoDeviceSecrets()), SystemClock(), "admin", PASSWORD)
    try:
        pid = exports.find_participant(ws, chart)
        [d] = exports.disclosures(ws, pid)
        assert (d.recipient, d.purpose) == ("County court (demo)", "Court order")
    finally:
        ws.close()


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


def test_verify_of_a_damaged_file_reports_it_and_writes_nothing(demo_dir: tuple[Path, Path],
                                                                tmp_path: Path) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(demo_dir[0], data)
    db = data / "facilitator.db"
    blob = bytearray(db.read_bytes())
    blob[4096 * 5 + 200] ^= 0x01  # one bit inside page 6
    db.write_bytes(bytes(blob))
    before = sorted((p.name, p.read_bytes()) for p in data.iterdir() if p.is_file())
    result = run("verify", "--user", "admin", "--data-dir", str(data), "--no-keyring")
    assert result.returncode == 1
    assert "encryption check" in result.stdout and "Nothing was written" in result.stdout
    after = sorted((p.name, p.read_bytes()) for p in data.iterdir() if p.is_file())
    assert after == before
