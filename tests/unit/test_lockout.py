"""The back-off file: how long a login waits, whose failures are handed to the audit log, and a
damaged or unwritable file never turning a sign-in into a crash (issue 14)."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from facilitator.storage.lockout import (
    _KEEP_AUDITED,
    _KEEP_SHARED,
    MAX_DELAY_S,
    RECOVERY,
    UNKNOWN,
    FailedAttempt,
    Lockout,
    tried_hash,
)

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


def _entries(login: str, count: int, *, audited: bool, start: datetime = T0
             ) -> list[dict[str, object]]:
    return [{"login": login, "at": (start + timedelta(seconds=n)).isoformat(),
             "audited": audited} for n in range(count)]


def _kept(lockout: Lockout) -> list[dict[str, object]]:
    return json.loads(lockout.path.read_text("utf-8"))


LATER = T0 + timedelta(hours=1)
BLAKE = {"login": "blake", "at": LATER.isoformat(), "audited": False}


def test_a_real_login_s_unaudited_failures_are_never_dropped(lockout: Lockout) -> None:
    """They are what the next sign-in writes into the audit log: dropping them would hide an
    attack on an account however many there were."""
    old = _entries("avery", 600, audited=False)
    lockout.path.write_text(json.dumps(old), "utf-8")
    lockout.record_failure("blake", LATER)
    assert _kept(lockout) == [*old, BLAKE]
    assert sorted(p.name for p in lockout.path.parent.iterdir()) == ["lockout.json",
                                                                     "lockout.lock"]


def test_only_the_newest_audited_failures_are_kept(lockout: Lockout) -> None:
    old = _entries("avery", _KEEP_AUDITED + 50, audited=True)
    lockout.path.write_text(json.dumps(old), "utf-8")
    lockout.record_failure("blake", LATER)
    assert _kept(lockout) == [*old[50:], BLAKE]


def test_a_shared_bucket_keeps_its_newest_audited_and_unaudited_failures(lockout: Lockout
                                                                         ) -> None:
    audited = _entries(UNKNOWN, _KEEP_SHARED + 50, audited=True)
    lockout.path.write_text(json.dumps(audited), "utf-8")
    lockout.record_failure(UNKNOWN, LATER)
    # The new failure counts towards the bucket's own limit: 99 audited ones stay beside it.
    assert _kept(lockout) == [*audited[51:],
                              {"login": UNKNOWN, "at": LATER.isoformat(), "audited": False}]
    flood = _entries(RECOVERY, _KEEP_SHARED * 5 + 20, audited=False)
    lockout.path.write_text(json.dumps(flood), "utf-8")
    lockout.record_failure("blake", LATER)
    assert _kept(lockout) == [*flood[20:], BLAKE]


def test_what_was_typed_as_an_unknown_login_is_kept_only_as_a_short_hash(lockout: Lockout
                                                                         ) -> None:
    lockout.record_failure(UNKNOWN, T0, tried="my secret password")
    assert "secret" not in lockout.path.read_text("utf-8")
    assert re.fullmatch(r"[0-9a-f]{12}", tried_hash("my secret password"))
    assert tried_hash("my secret password") != tried_hash("my secret passwort")
    assert lockout.pending() == [FailedAttempt(UNKNOWN, T0, tried_hash("my secret password"))]
    lockout.record_failure("avery", T0)  # a real login needs no hash: its name is in the slot
    assert "tried" not in _kept(lockout)[-1]


def test_a_shared_bucket_counts_only_the_last_hour(lockout: Lockout) -> None:
    """A colleague's typos last week must not make the next mistyped login wait five minutes;
    a real login's failures count until someone signs in."""
    for login in (UNKNOWN, "avery"):
        fail(lockout, login, 10, start=T0 - timedelta(hours=2))
        last = fail(lockout, login, 3)
    assert lockout.retry_after(UNKNOWN, last) == 2.0
    assert lockout.retry_after("avery", last) == MAX_DELAY_S


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


def test_the_longest_login_counts_and_longer_text_is_cut_to_it(lockout: Lockout) -> None:
    longest = "a" * 64  # the longest login validation.check_login accepts
    last = fail(lockout, longest, 3)
    assert lockout.retry_after(longest, last) == 2.0
    lockout.record_failure("B" * 70, T0)  # e.g. a pasted text in the login field
    assert lockout.pending()[-1] == FailedAttempt("b" * 64, T0)


def test_entries_the_app_never_writes_are_skipped(lockout: Lockout) -> None:
    good = {"login": "avery", "at": T0.isoformat()}
    lockout.path.write_text(json.dumps([
        {"login": "a" * 65, "at": T0.isoformat()},  # longer than any login the app writes
        {"login": "avery", "at": "yesterday"},
        {"login": "avery", "at": "2026-03-02T15:00:00"},  # no zone: not ours either
        good,
    ]), "utf-8")
    assert lockout.pending() == [FailedAttempt("avery", T0)]


def test_a_shared_bucket_s_hour_ends_exactly_an_hour_later(lockout: Lockout) -> None:
    fail(lockout, UNKNOWN, 2, start=T0 - timedelta(hours=1))  # one hour and 1 h - 1 s before T0
    lockout.record_failure(UNKNOWN, T0 - timedelta(seconds=1))
    # At T0 the first failure is exactly one hour old and no longer counts: two remain.
    assert lockout.retry_after(UNKNOWN, T0) == 0.0
    lockout.record_failure(UNKNOWN, T0 - timedelta(seconds=1))
    assert lockout.retry_after(UNKNOWN, T0) == 1.0  # three: 2 s from the last failure


@pytest.mark.parametrize(("login", "count", "audited"), [
    ("avery", _KEEP_AUDITED + 5, True),  # more audited failures than are kept
    (UNKNOWN, _KEEP_SHARED + 5, True),  # a shared bucket's audited overflow
    (RECOVERY, _KEEP_SHARED * 5 + 5, False),  # a flood of wrong recovery keys
])
def test_dropping_the_oldest_of_one_kind_keeps_older_failures_of_others(
        lockout: Lockout, login: str, count: int, audited: bool) -> None:
    """Trimming one kind of entry goes on through the whole file: a real login's older,
    unaudited failure behind the trimmed ones is still handed to the audit log."""
    carol = {"login": "carol", "at": (T0 - timedelta(days=1)).isoformat(), "audited": False}
    many = _entries(login, count, audited=audited)
    lockout.path.write_text(json.dumps([carol, *many]), "utf-8")
    lockout.record_failure("blake", LATER)
    assert _kept(lockout)[0] == carol
    assert lockout.pending()[0].login == "carol"
