"""`make bench`: one JSON object per line, {"name", "value", "unit", "target"}.

Figures are measured on a generated five-year clinic (cached in .bench-cache/). They report;
tests assert behaviour. A figure that cannot be measured prints an "error" field instead.

``python -m bench NAME ...`` measures only the named figures (e.g. ``console_tick_ms``), so a
change can be compared before and after within a minute; with no names, all of them.
"""

from __future__ import annotations

import json
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from . import dataset, foundation_bench

# The figures asked for on the command line; empty means all.
SELECTED: set[str] = set()


def wanted(*names: str) -> bool:
    """Whether any of ``names`` is to be measured (lets a section skip its set-up)."""
    return not SELECTED or any(name in SELECTED for name in names)


def emit(name: str, unit: str, target: str, measure: Callable[[], float]) -> None:
    if not wanted(name):
        return
    row: dict[str, object] = {"name": name, "unit": unit, "target": target}
    try:
        row["value"] = round(float(measure()), 3)
    except Exception as error:
        row["value"] = None
        row["error"] = f"{type(error).__name__}: {error}"[:300]
    print(json.dumps(row), flush=True)

def main(argv: list[str] | None = None) -> int:
    SELECTED.update(sys.argv[1:] if argv is None else argv)
    print(json.dumps({"info": "preparing the five-year dataset (cached after the first run)"}),
          file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        data = dataset.working_copy(Path(tmp) / "data")
        emit("startup_to_login_ratio", "ratio", "<= 3",
             lambda: foundation_bench.startup_to_login_ratio(data))
        emit("unlock_s", "s", "<= 0.5", lambda: foundation_bench.unlock_s(data))
        emit("rekey_s", "s", "<= 60", lambda: foundation_bench.rekey_s(data))
        emit("write_commit_p99_ms", "ms", "<= 10",
             lambda: foundation_bench.write_commit_p99_ms(data))
        emit("encrypted_over_plain_ratio", "ratio", "<= 1.3",
             foundation_bench.encrypted_over_plain_ratio)
        emit("rss_mb", "MB", "<= 200", lambda: foundation_bench.rss_mb_roster(data))
        if wanted("console_action_p99_ms", "console_tick_ms",
                  "console_refresh_p99_ms_during_verify", "resume_after_crash_s"):
            _console(data)
        if wanted("coverage_query_ms", "library_load_ms"):
            _curriculum(data)
        if wanted("note_prefill_ms", "note_autosave_p99_ms", "sign_note_ms", "timeline_ms",
                  "review_queue_ms"):
            _notes(data)
        if wanted("session_packet_s", "session_packet_vs_raw_ratio", "chart_90_days_s",
                  "batch_export_notes_per_s", "rss_mb_during_500_note_batch"):
            _export_db(data)
    _export()
    if wanted("sync_push_entries_per_s", "sync_note_roundtrip_ms", "initial_sync_5y_s",
              "console_action_p99_ms_during_sync", "console_action_p99_ms_spaced_no_sync"):
        from . import sync_bench

        sync_bench.run_all(emit, tuple(SELECTED))
    return 0

def _console(data: Path) -> None:
    from . import console_bench

    ws = dataset.sign_in(data)
    try:
        emit("console_action_p99_ms", "ms", "<= 10",
             lambda: console_bench.console_action_p99_ms(ws))
        session_id = console_bench.running_block(ws)
        emit("console_tick_ms", "ms", "<= 5",
             lambda: console_bench.console_tick_ms(ws, session_id))
        emit("console_refresh_p99_ms_during_verify", "ms", "<= 20",
             lambda: console_bench.console_refresh_p99_ms_during_verify(ws, session_id))
    finally:
        ws.close()
    emit("resume_after_crash_s", "s", "<= 1",
         lambda: console_bench.resume_after_crash_s(data, dataset.PASSWORD))

def _curriculum(data: Path) -> None:
    from . import curriculum_bench

    ws = dataset.sign_in(data)
    try:
        pid = curriculum_bench.busiest_participant(ws)
        emit("coverage_query_ms", "ms", "<= 50",
             lambda: curriculum_bench.coverage_query_ms(ws, pid))
    finally:
        ws.close()
    emit("library_load_ms", "ms", "<= 200", curriculum_bench.library_load_ms)

def _notes(data: Path) -> None:
    from . import notes_bench

    therapist = dataset.sign_in(data, "therapist")
    try:
        emit("note_prefill_ms", "ms", "<= 50", lambda: notes_bench.note_prefill_ms(therapist))
        emit("note_autosave_p99_ms", "ms", "<= 10",
             lambda: notes_bench.note_autosave_p99_ms(therapist))
        emit("sign_note_ms", "ms", "<= 50", lambda: notes_bench.sign_note_ms(therapist))
        emit("timeline_ms", "ms", "<= 100", lambda: notes_bench.timeline_ms(therapist))
    finally:
        therapist.close()
    supervisor = dataset.sign_in(data, "supervisor")
    try:
        emit("review_queue_ms", "ms", "<= 100", lambda: notes_bench.review_queue_ms(supervisor))
    finally:
        supervisor.close()

def _export_db(data: Path) -> None:
    from . import export_db_bench as e

    ws = dataset.sign_in(data)
    try:
        sid = e.busiest_session(ws) if wanted("session_packet_s",
                                              "session_packet_vs_raw_ratio") else 0
        emit("session_packet_s", "s", "<= 0.5", lambda: e.session_packet_s(ws, sid))
        emit("session_packet_vs_raw_ratio", "ratio", "<= 2",
             lambda: e.session_packet_vs_raw_ratio(ws, sid))
        emit("chart_90_days_s", "s", "<= 1", lambda: e.chart_90_days_s(ws))
        figures: list[float] = []
        emit("batch_export_notes_per_s", "notes/s", ">= 50",
             lambda: figures.extend(e.batch_in_fresh_process(data)) or figures[0])
        emit("rss_mb_during_500_note_batch", "MB", "<= 200",
             lambda: figures[1] if figures else float("nan"))
    finally:
        ws.close()


def _export() -> None:
    # Synthetic documents for now: the services that assemble them from the database come with
    # the export issue's service half, which can swap in documents built from the dataset.
    from . import export_bench

    for name, unit, target, measure in export_bench.FIGURES:
        emit(name, unit, target, measure)

def _exit_on_terminate(signum: int, _frame: object) -> None:
    """A bench stopped with SIGTERM (``kill``, ``timeout``) unwinds like one interrupted with
    Ctrl+C: its temporary copies (gigabytes each for the five-year clinic) and throw-away
    PostgreSQL clusters are removed by their context managers instead of left in ``TMPDIR``."""
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_terminate)
    sys.exit(main())
