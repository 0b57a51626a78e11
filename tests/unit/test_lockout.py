"""The back-off file: how long a login waits, whose failures are handed to the audit log, and a
damaged or unwritable file never turning a sign-in into a crash (issue 14)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from facilitator.storage.lockout import MAX_DELAY_S, FailedAttempt, Lockout

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def lockout(tmp_path: Path) -> Lockout:
    return Lockout(tmp_path / "lockout.json")


def fail(lockout: Lockout, login: str, times: int, start: datetime = T0) -> datetime:
    at = start
    for n in range(times):
        at = start + timedelta(seconds=n)
        lockout.record_failure(login, at)
    return at


def test_free_attempts_then_doubling_delays(lockout: Lockout) -> None:
    assert lockout.retry_after("avery", T0) == 0.0
    last = fail(lockout, "avery", 2)
    assert lockout.retry_after("avery", last) == 0.0
    delays = []
    for _ in range(5):
        lockout.record_failure("avery", last)
        delays.append(lockout.retry_after("avery", last))
    assert delays == [2.0, 4.0, 8.0, 16.0, 32.0]


def test_delay_counts_from_the_last_failure_and_runs_out(lockout: Lockout) -> None:
    last = fail(lockout, "avery", 4)  # 4 s to wait after the fourth failure
    assert lockout.retry_after("avery", last + timedelta(seconds=1)) == 3.0
    assert lockout.retry_after("avery", last + timedelta(seconds=4)) == 0.0
    assert lockout.retry_after("avery", last + timedelta(seconds=60)) == 0.0


def test_delay_is_capped(lockout: Lockout) -> None:
    last = fail(lockout, "avery", 20)
    # Five minutes at most, not 2**18 s: a forgotten password must not lock a therapist out.
    assert lockout.retry_after("avery", last) == MAX_DELAY_S == 300.0


def test_back_off_is_per_login_whatever_the_case(lockout: Lockout) -> None:
    fail(lockout, "Avery", 3)
    assert lockout.retry_after("AVERY", T0 + timedelta(seconds=2)) > 0
    assert lockout.retry_after("blake", T0 + timedelta(seconds=2)) == 0.0


def test_pending_failures_are_every_login_not_yet_audited(lockout: Lockout) -> None:
    lockout.record_failure("Avery", T0)
    lockout.record_failure("blake", T0 + timedelta(seconds=5), audited=True)
    lockout.record_failure("casey", T0 + timedelta(seconds=9))
    assert lockout.pending() == [FailedAttempt("avery", T0),
                                 FailedAttempt("casey", T0 + timedelta(seconds=9))]


def test_signed_in_marks_handed_over_failures_and_resets_that_login(lockout: Lockout) -> None:
    fail(lockout, "avery", 3)
    fail(lockout, "blake", 3)
    lockout.signed_in("AVERY")
    assert lockout.pending() == []  # blake's are in the audit log now
    assert lockout.retry_after("avery", T0) == 0.0
    assert lockout.retry_after("blake", T0 + timedelta(seconds=2)) > 0  # back-off stays


def test_reset_keeps_other_logins_pending(lockout: Lockout) -> None:
    fail(lockout, "avery", 3)
    lockout.record_failure("blake", T0)
    lockout.reset("Avery")
    assert lockout.retry_after("avery", T0) == 0.0
    assert lockout.pending() == [FailedAttempt("blake", T0)]


def test_only_the_newest_500_failures_are_kept(lockout: Lockout) -> None:
    entries = [{"login": "avery", "at": (T0 + timedelta(seconds=n)).isoformat(),
                "audited": False} for n in range(500)]
    lockout.path.write_text(json.dumps(entries), "utf-8")
    lockout.record_failure("blake", T0 + timedelta(hours=1))
    kept = json.loads(lockout.path.read_text("utf-8"))
    assert len(kept) == 500
    assert kept[0]["at"] == (T0 + timedelta(seconds=1)).isoformat()
    assert kept[-1] == {"login": "blake", "at": (T0 + timedelta(hours=1)).isoformat(),
                        "audited": False}
    assert [p.name for p in lockout.path.parent.iterdir()] == ["lockout.json"]


@pytest.mark.parametrize("content", ["{broken", "42", '{"login": "avery"}', "null"])
def test_damaged_file_counts_as_no_failures(lockout: Lockout, content: str) -> None:
    lockout.path.write_text(content, "utf-8")
    assert lockout.retry_after("avery", T0) == 0.0
    assert lockout.pending() == []
    lockout.record_failure("avery", T0)
    assert lockout.pending() == [FailedAttempt("avery", T0)]


def test_malformed_entries_are_ignored(lockout: Lockout) -> None:
    good = {"login": "avery", "at": T0.isoformat()}
    lockout.path.write_text(json.dumps(["x", {"login": "avery"}, {"at": "y"}, good]), "utf-8")
    assert lockout.pending() == [FailedAttempt("avery", T0)]


def test_nothing_to_rewrite_writes_nothing(lockout: Lockout) -> None:
    lockout.signed_in("avery")
    lockout.reset("avery")
    assert not lockout.path.exists()


def test_unwritable_file_hands_the_same_failures_over_again(lockout: Lockout) -> None:
    fail(lockout, "avery", 1)
    fail(lockout, "blake", 1)
    before = lockout.path.read_text("utf-8")
    # A directory where the temporary file goes makes every write fail with an OSError, also
    # for root (CI), which file permissions would not stop.
    lockout.path.with_suffix(".tmp").mkdir()
    lockout.signed_in("avery")
    lockout.reset("blake")
    assert lockout.path.read_text("utf-8") == before
    assert [a.login for a in lockout.pending()] == ["avery", "blake"]


def test_a_failed_attempt_is_an_immutable_value() -> None:
    attempt = FailedAttempt("avery", T0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        attempt.login = "blake"  # type: ignore[misc]
    assert {attempt, FailedAttempt("avery", T0)} == {attempt}
