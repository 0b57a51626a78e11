"""Back-off after failed logins, kept beside the database.

Failed attempts happen *before* the database can be opened, so they cannot be written to the
encrypted audit log at that moment. They are kept here (login names and times only, no PHI) and
moved into the audit log by the next successful unlock of any user.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

FREE_ATTEMPTS = 3
MAX_DELAY_S = 300.0


@dataclass(frozen=True)
class FailedAttempt:
    login: str
    at: datetime


class Lockout:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
            return [e for e in data if isinstance(e, dict) and {"login", "at"} <= e.keys()]
        except (FileNotFoundError, ValueError, TypeError):
            return []

    def _write(self, entries: list[dict[str, Any]]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(entries[-500:]), "utf-8")
        os.replace(tmp, self.path)

    def retry_after(self, login: str, now: datetime) -> float:
        """Seconds to wait before the next attempt for ``login`` is allowed (0 when free)."""
        times = [e["at"] for e in self._read() if e["login"] == login.casefold()]
        if len(times) < FREE_ATTEMPTS:
            return 0.0
        delay = min(MAX_DELAY_S, 2.0 ** (len(times) - FREE_ATTEMPTS + 1))
        last = datetime.fromisoformat(times[-1])
        return max(0.0, delay - (now - last).total_seconds())

    def record_failure(self, login: str, now: datetime, *, audited: bool = False) -> None:
        """Count a failure for the back-off. ``audited``: it is already in the audit log (a
        wrong password at the lock screen, where the database is open)."""
        entries = self._read()
        entries.append({"login": login.casefold(), "at": now.isoformat(), "audited": audited})
        self._write(entries)

    def pending(self) -> list[FailedAttempt]:
        """Failures of any login not yet in the audit log (read only)."""
        return [FailedAttempt(e["login"], datetime.fromisoformat(e["at"]))
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
        entries = self._read()
        if not entries:
            return
        kept = [{**e, "audited": True} if audited else e for e in entries if keep(e)]
        # Unwritable: the same failures are handed over again next time (a duplicate audit
        # line is better than a lost one or a refused sign-in).
        with contextlib.suppress(OSError):
            self._write(kept)
