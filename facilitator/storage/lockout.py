"""Back-off after failed logins, kept beside the database.

Failed attempts happen *before* the database can be opened, so they cannot be written to the
encrypted audit log at that moment. They are kept here (no PHI) and moved into the audit log by
the next successful unlock of any user.

What keeps the count honest:

* Logins that have no key slot share **one bucket** (``UNKNOWN``): junk logins cannot each get
  free tries, and what was typed is stored only as a short hash (someone may type a password
  into the login field). Wrong recovery keys have their own bucket (``RECOVERY``).
* A failure of a real login that is not yet in the audit log is **never evicted**; only audited
  entries and the shared buckets' oldest entries are dropped when the file grows.
* Read-modify-write happens under an OS file lock, so two CLI runs cannot lose each other's
  failures; entries that do not parse are skipped, never a crash.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .files import exclusive, write_atomic

FREE_ATTEMPTS = 3
MAX_DELAY_S = 300.0
UNKNOWN = "(unknown login)"
RECOVERY = "(recovery key)"
_SHARED = (UNKNOWN, RECOVERY)
_KEEP_SHARED = 100  # per shared bucket: enough for the back-off, bounded against floods
_KEEP_AUDITED = 200
_MAX_LOGIN = 64
# A shared bucket counts only recent failures: a colleague's typo last week must not make the
# next mistyped login wait five minutes.
_SHARED_WINDOW_S = 3600.0


@dataclass(frozen=True)
class FailedAttempt:
    login: str
    at: datetime
    tried: str = ""
    """For the shared bucket: a short hash of what was typed (to tell repeats apart)."""


def tried_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _valid(entry: Any) -> bool:
    if not isinstance(entry, dict):
        return False
    login, at = entry.get("login"), entry.get("at")
    # record_failure never writes a longer login: a longer one was not written by us.
    if not isinstance(login, str) or not isinstance(at, str) or len(login) > _MAX_LOGIN:
        return False
    try:
        return datetime.fromisoformat(at).tzinfo is not None
    except ValueError:
        return False


class Lockout:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _locked(self) -> contextlib.AbstractContextManager[None]:
        """An exclusive OS lock on a side file for one read-modify-write (blocking: the other
        holder is a process that writes a small file and exits)."""
        return exclusive(self.path.with_suffix(".lock"))

    def _read(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (FileNotFoundError, ValueError, TypeError, UnicodeDecodeError):
            return []
        return [e for e in data if _valid(e)] if isinstance(data, list) else []

    def _write(self, entries: list[dict[str, Any]]) -> None:
        keep: list[dict[str, Any]] = []
        shared: dict[str, int] = {}
        audited = 0
        for e in reversed(entries):  # newest first: what is dropped is always the oldest
            if e["login"] in _SHARED:
                shared[e["login"]] = shared.get(e["login"], 0) + 1
                if shared[e["login"]] > _KEEP_SHARED and e.get("audited"):
                    continue
                if shared[e["login"]] > _KEEP_SHARED * 5:
                    continue  # a flood: the newest are enough to keep the bucket closed
            elif e.get("audited"):
                audited += 1
                if audited > _KEEP_AUDITED:
                    continue
            keep.append(e)
        write_atomic(self.path, json.dumps(list(reversed(keep))).encode("utf-8"))

    def retry_after(self, login: str, now: datetime) -> float:
        """Seconds to wait before the next attempt for ``login`` (a login with a key slot, or a
        shared bucket) is allowed (0 when free)."""
        key = login.casefold()
        times = [e["at"] for e in self._read() if e["login"] == key]
        if key in _SHARED:
            times = [t for t in times
                     if (now - datetime.fromisoformat(t)).total_seconds() < _SHARED_WINDOW_S]
        if len(times) < FREE_ATTEMPTS:
            return 0.0
        delay = min(MAX_DELAY_S, 2.0 ** (len(times) - FREE_ATTEMPTS + 1))
        last = datetime.fromisoformat(times[-1])
        return max(0.0, delay - (now - last).total_seconds())

    def record_failure(self, login: str, now: datetime, *, audited: bool = False,
                       tried: str = "") -> None:
        """Count a failure for the back-off. ``login``: a login with a key slot or a shared
        bucket; ``tried``: for a shared bucket, what was typed (stored only as a short hash).
        ``audited``: it is already in the audit log (e.g. at the lock screen)."""
        entry: dict[str, Any] = {"login": login.casefold()[:_MAX_LOGIN], "at": now.isoformat(),
                                 "audited": audited}
        if tried:
            entry["tried"] = tried_hash(tried)
        with self._locked():
            self._write([*self._read(), entry])

    def pending(self) -> list[FailedAttempt]:
        """Failures not yet in the audit log (read only)."""
        return [FailedAttempt(e["login"], datetime.fromisoformat(e["at"]), str(e.get("tried", "")))
                for e in self._read() if not e.get("audited")]

    def signed_in(self, login: str) -> None:
        """After the sign-in transaction that appended ``pending()`` has committed: mark those
        failures audited and reset ``login``'s back-off. Called only after the commit, so a
        sign-in that fails to commit hands the same failures over again next time."""
        self._rewrite(lambda e: e["login"] != login.casefold(), audited=True)

    def reset(self, login: str) -> None:
        """Reset ``login``'s back-off (a correct password at the lock screen); other logins'
        failures stay pending for the next sign-in to audit."""
        self._rewrite(lambda e: e["login"] != login.casefold(), audited=False)

    def _rewrite(self, keep: Callable[[dict[str, Any]], bool], *, audited: bool) -> None:
        if not self._read():
            return  # nothing to rewrite: no lock file either
        # Unwritable: the same failures are handed over again next time (a duplicate audit
        # line is better than a lost one or a refused sign-in).
        with contextlib.suppress(OSError), self._locked():
            entries = self._read()
            if not entries:
                return
            self._write([{**e, "audited": True} if audited else e for e in entries if keep(e)])
