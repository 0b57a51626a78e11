"""Failed logins stay counted: junk logins share one bucket and cannot evict a real login's
unaudited failures, the file tolerates damage and concurrent writers, nothing typed into the
login field is stored in clear, and the old-password and recovery-key checks are throttled and
audited like sign-in."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest

from facilitator.clock import FakeClock
from facilitator.services import audit, auth
from facilitator.services.errors import AuthError, ValidationError
from facilitator.services.workspace import Workspace
from facilitator.storage.lockout import UNKNOWN, Lockout
from facilitator.storage.vault import Vault
from tests.conftest import PASSWORD


def _fail(vault: Vault, clock: FakeClock, login: str, password: str = "wrong password") -> str:
    try:
        auth.sign_in(vault, clock, login, password)
    except AuthError as error:
        return str(error)
    raise AssertionError("sign-in should have failed")


def test_junk_logins_do_not_reset_the_admins_backoff_or_lose_audit(
        clinic: tuple[Workspace, str], vault: Vault, clock: FakeClock) -> None:
    clinic[0].close()
    for _ in range(6):
        clock.advance(seconds=10)  # each attempt after the previous one's wait
        _fail(vault, clock, "admin")
    assert vault.lockout.retry_after("admin", clock.now()) > 0
    refused = 0
    for i in range(500):
        refused += "Too many" in _fail(vault, clock, f"junk-{i}")
    assert refused >= 490  # one shared bucket: no free tries per made-up name
    assert vault.lockout.retry_after("admin", clock.now()) > 0
    clock.advance(minutes=10)
    ws = auth.sign_in(vault, clock, "admin", PASSWORD)
    try:
        failed = [e for e in audit.list_events(ws) if e.action == "login.failed"]
    finally:
        ws.close()
    assert sum(e.login == "admin" for e in failed) == 6
    assert sum(e.login == UNKNOWN for e in failed) >= 3


def test_a_flood_written_straight_to_the_file_keeps_real_failures(tmp_path) -> None:
    lockout = Lockout(tmp_path / "lockout.json")
    now = datetime(2026, 3, 2, 15, tzinfo=UTC)
    for _ in range(3):
        lockout.record_failure("admin", now)
    for i in range(1500):
        lockout.record_failure(UNKNOWN, now, tried=f"junk-{i}")
    assert sum(f.login == "admin" for f in lockout.pending()) == 3
    assert lockout.retry_after("admin", now) > 0


def test_what_was_typed_as_a_login_is_not_stored(clinic: tuple[Workspace, str], vault: Vault,
                                                 clock: FakeClock) -> None:
    clinic[0].close()
    _fail(vault, clock, "my-Secret-Passphrase-42")
    assert b"Secret" not in vault.lockout.path.read_bytes()
    clock.advance(minutes=1)
    ws = auth.sign_in(vault, clock, "admin", PASSWORD)
    try:
        events = audit.list_events(ws)
    finally:
        ws.close()
    assert not any("Secret" in json.dumps([e.login, e.details]) for e in events)
    assert any(e.login == UNKNOWN and e.details.get("tried_hash") for e in events)


def test_corrupt_entries_are_skipped(clinic: tuple[Workspace, str], vault: Vault,
                                     clock: FakeClock) -> None:
    clinic[0].close()
    vault.lockout.path.write_text(json.dumps([
        {"login": "admin", "at": "not a time"}, 5, {"login": 3, "at": "x"}, "junk",
        {"login": "admin", "at": "2026-03-02T14:59:00"},  # no zone
        {"login": "admin", "at": clock.now().isoformat(), "audited": False},
    ]))
    ws = auth.sign_in(vault, clock, "admin", PASSWORD)
    try:
        failed = [e for e in audit.list_events(ws) if e.action == "login.failed"]
    finally:
        ws.close()
    assert len(failed) == 1


def test_concurrent_writers_lose_nothing(tmp_path) -> None:
    now = datetime(2026, 3, 2, 15, tzinfo=UTC)

    def writer(login: str) -> None:
        lockout = Lockout(tmp_path / "lockout.json")  # its own handle, like another process
        for _ in range(40):
            lockout.record_failure(login, now)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("ann", "bob", "cy")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(Lockout(tmp_path / "lockout.json").pending()) == 120


def test_old_password_check_is_throttled_and_audited(ws: Workspace) -> None:
    for _ in range(3):
        with pytest.raises(ValidationError):
            auth.change_password(ws, "not my password", "a new password 1", "a new password 1")
    with pytest.raises(AuthError, match="Too many"):
        auth.change_password(ws, PASSWORD, "a new password 1", "a new password 1")
    failed = [e for e in audit.list_events(ws) if e.action == "password.change_failed"]
    assert len(failed) == 3


def test_recovery_key_entry_is_throttled_and_audited(clinic: tuple[Workspace, str],
                                                     vault: Vault, clock: FakeClock) -> None:
    ws, recovery = clinic
    ws.close()
    for _ in range(3):
        with pytest.raises(AuthError, match="not correct"):
            auth.reset_password_with_recovery(vault, clock, "AAAAA-BBBBB", "admin",
                                              "brand new password")
    with pytest.raises(AuthError, match="Too many"):
        auth.reset_password_with_recovery(vault, clock, recovery, "admin", "brand new password")
    clock.advance(minutes=10)
    auth.reset_password_with_recovery(vault, clock, recovery, "admin", "brand new password")
    ws = auth.sign_in(vault, clock, "admin", "brand new password")
    try:
        failed = [e for e in audit.list_events(ws) if e.action == "recovery_key.failed"]
    finally:
        ws.close()
    assert len(failed) == 3
