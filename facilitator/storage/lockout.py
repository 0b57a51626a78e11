"""Back-off after failed logins, kept beside the database.

Failed attempts happen *before* the database can be opened, so they cannot be written to the
encrypted audit log at that moment. They are kept here (login names and times only, no PHI) and
moved into the audit log by the next successful unlock of any user.
"""

from __future__ import annotations

import contextlib
import json
import os
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

    def record_failure(self, login: str, now: datetime) -> None:
        entries = self._read()
        entries.append({"login": login.casefold(), "at": now.isoformat(), "audited": False})
        self._write(entries)

    def succeeded(self, login: str) -> list[FailedAttempt]:
        """Reset ``login``'s back-off; return every failure not yet moved to the audit log."""
        entries = self._read()
        pending = [
            FailedAttempt(e["login"], datetime.fromisoformat(e["at"]))
            for e in entries
            if not e.get("audited")
        ]
        kept = [{**e, "audited": True} for e in entries if e["login"] != login.casefold()]
        if entries:
            # Unwritable: the same failures are handed over again next time (a duplicate
            # audit line is better than a lost one or a refused sign-in).
            with contextlib.suppress(OSError):
                self._write(kept)
        return pending
