"""PDF exports end to end on the five-year clinic: the export services assemble the documents
from the database, render and write them atomically, and audit each. Each function returns one
float; ``bench/__main__.py`` prints them (the renderer-only figures on synthetic documents are
in ``export_bench``)."""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from facilitator.models.notes import ProgressNote
from facilitator.models.sessions import Attendance, GroupSession
from facilitator.services import exports
from facilitator.services.exports import assemble
from facilitator.services.workspace import Workspace

from . import export_bench
from .notes_bench import busiest_participant

BATCH = 500


def busiest_session(ws: Workspace, size: int = 12) -> int:
    """An ended session with notes and about ``size`` participants (the largest up to it)."""
    with ws.read() as s:
        counts = (select(Attendance.session_id, func.count().label("n"))
                  .group_by(Attendance.session_id).subquery())
        return s.scalar(select(GroupSession.id)
                        .join(counts, counts.c.session_id == GroupSession.id)
                        .where(GroupSession.status == "ended", counts.c.n <= size)
                        .order_by(counts.c.n.desc(), GroupSession.session_date.desc()).limit(1))


def session_packet_s(ws: Workspace, session_id: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        exports.export_session(ws, session_id, folder)  # warm: fonts, caches
        samples = []
        for _ in range(3):
            start = time.perf_counter()
            exports.export_session(ws, session_id, folder)
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def session_packet_vs_raw_ratio(ws: Workspace, session_id: int) -> float:
    """Our whole export ÷ plain ReportLab rendering of the same text in one font, same run."""
    from facilitator.export.session_packet import render_session_packet

    with ws.read() as s:
        packet, _ = assemble.session_packet(ws, s, session_id, "internal")
    texts = list(export_bench._strings(packet))
    ours, raw = [], []
    render_session_packet(packet)
    export_bench._raw(texts)
    for _ in range(3):
        start = time.perf_counter()
        render_session_packet(packet)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        export_bench._raw(texts)
        raw.append(time.perf_counter() - start)
    return statistics.median(ours) / statistics.median(raw)


def chart_90_days_s(ws: Workspace) -> float:
    """The participant with the most sessions: 90 days ending at their last session."""
    pid, last = busiest_participant(ws)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        exports.export_participant_record(ws, pid, last - timedelta(days=89), last, folder)
        return time.perf_counter() - start


def batch(ws: Workspace, count: int = BATCH) -> tuple[float, float]:
    """(notes per second, peak RSS in MB) exporting ``count`` signed notes one file each."""
    import psutil

    process = psutil.Process()
    with ws.read() as s:
        ids = list(s.scalars(select(ProgressNote.id).where(ProgressNote.state == "final")
                             .order_by(ProgressNote.id.desc()).limit(count)))
    peak = [process.memory_info().rss]

    def progress(_done: int, _total: int) -> None:
        peak[0] = max(peak[0], process.memory_info().rss)

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        exports.export_notes_batch(ws, ids, Path(folder), progress=progress)
        elapsed = time.perf_counter() - start
    return len(ids) / elapsed, peak[0] / 2**20


def batch_in_fresh_process(data: Path, count: int = BATCH) -> tuple[float, float]:
    """``batch`` in a process of its own, so the peak RSS is the batch's (a records clerk's
    app), not what the benchmarks before it left in this process."""
    import json
    import subprocess
    import sys

    code = ("import json, sys\nfrom pathlib import Path\nfrom bench import dataset, "
            "export_db_bench as e\nws = dataset.sign_in(Path(sys.argv[1]))\n"
            "print(json.dumps(e.batch(ws, int(sys.argv[2]))))\nws.close()\n")
    out = subprocess.run([sys.executable, "-c", code, str(data), str(count)],
                         capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    rate, rss = json.loads(out.stdout.strip().splitlines()[-1])
    return float(rate), float(rss)
