"""Curriculum figures: one participant's coverage on the five-year clinic, and loading plus
validating the shipped library from disk."""

from __future__ import annotations

import statistics
import time

from sqlalchemy import func, select

from facilitator.curriculum import default_library_path, load_library
from facilitator.models.sessions import Attendance
from facilitator.services.curriculum import coverage
from facilitator.services.workspace import Workspace

RUNS = 15


def busiest_participant(ws: Workspace) -> int:
    """The participant with the most attendance rows: the worst case for coverage."""
    with ws.transaction() as s:
        pid = s.scalar(select(Attendance.participant_id).group_by(Attendance.participant_id)
                       .order_by(func.count().desc()).limit(1))
    if pid is None:
        raise RuntimeError("the dataset has no attendance")
    return int(pid)


def coverage_query_ms(ws: Workspace, participant_id: int) -> float:
    """Median ms of ``participant_coverage`` (one transaction) over several runs, warm."""
    coverage.participant_coverage(ws, participant_id)
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        coverage.participant_coverage(ws, participant_id)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def library_load_ms() -> float:
    """Median ms to read and validate every shipped library file (no database involved)."""
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        loaded = load_library(default_library_path())
        samples.append((time.perf_counter() - start) * 1000)
        if loaded.errors or not loaded.modules:
            raise RuntimeError(f"library problems: {loaded.errors[:3]}")
    return statistics.median(samples)


if __name__ == "__main__":
    print(f"library_load_ms {library_load_ms():.1f}")
