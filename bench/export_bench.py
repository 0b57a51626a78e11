"""PDF export figures from synthetic documents (the renderer never queries, so no database).

``session_packet_s``: a 12-participant session packet; ``session_packet_vs_raw_ratio``: that
time over plain ReportLab setting the same text in one font (no font runs, no tables, no
furniture), measured in the same run so machine load cancels out; ``chart_90_days_s``: a 90-day
participant record with its trend chart; ``batch_export_notes_per_s``: single notes rendered and
written atomically. Fonts register on a warm-up render first: a batch pays that once.
"""

from __future__ import annotations

import dataclasses
import io
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from facilitator.export import files, samples
from facilitator.export.model import NoteExportDoc
from facilitator.export.note import render_note
from facilitator.export.participant_record import render_participant_record
from facilitator.export.session_packet import render_session_packet

REPEATS = 5
BATCH = 60


def _median_s(job: Callable[[], object], repeats: int = REPEATS) -> float:
    job()  # warm-up: font registration and caches, as in a long-running app
    samples_s = []
    for _ in range(repeats):
        start = time.perf_counter()
        job()
        samples_s.append(time.perf_counter() - start)
    return statistics.median(samples_s)


def _strings(value: object) -> Iterator[str]:
    """Every text of a document, in order (what the raw baseline sets)."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _strings(item)
    elif value is not None and not hasattr(value, "key"):  # numbers, dates; not ZoneInfo
        yield str(value)


def _raw(texts: list[str]) -> bytes:
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from facilitator.export import fonts

    fonts.ensure_base_fonts()
    style = ParagraphStyle("raw", fontName=fonts.REGULAR, fontSize=9.5, leading=12.5)
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=LETTER).build([Paragraph(escape(t), style) for t in texts])
    return buf.getvalue()


def session_packet_s() -> float:
    doc = samples.sample_packet(12)
    return _median_s(lambda: render_session_packet(doc))


def session_packet_vs_raw_ratio() -> float:
    doc = samples.sample_packet(12)
    texts = list(_strings(doc))
    ours, raw = [], []
    render_session_packet(doc)
    _raw(texts)
    for _ in range(REPEATS):  # interleaved, so load on the machine hits both alike
        start = time.perf_counter()
        render_session_packet(doc)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        _raw(texts)
        raw.append(time.perf_counter() - start)
    return statistics.median(ours) / statistics.median(raw)


def chart_90_days_s() -> float:
    doc = samples.sample_record(days=90)
    return _median_s(lambda: render_participant_record(doc), repeats=3)


def batch_export_notes_per_s(count: int = BATCH) -> float:
    people = samples.PEOPLE
    docs = [NoteExportDoc(samples.CLINIC, samples.META, samples.sample_note(
        people[i % len(people)], day=date(2026, 1, 5) + timedelta(days=i), signed=i % 5 != 0))
        for i in range(count)]
    render_note(docs[0])  # warm-up
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        with files.ExportFolder(Path(folder)) as target:
            for doc in docs:
                result = render_note(doc)
                target.write(files.safe_file_name(doc.note.participant.chart_id,
                                                  doc.note.session_date, "note"), result.pdf)
        elapsed = time.perf_counter() - start
    return count / elapsed


# Renderer alone on synthetic multi-script documents (the end-to-end figures on the dataset,
# under the names, come from export_db_bench).
FIGURES: tuple[tuple[str, str, str, Callable[[], float]], ...] = (
    ("render_session_packet_synthetic_s", "s", "<= 0.5", session_packet_s),
    ("render_packet_vs_raw_synthetic_ratio", "ratio", "<= 2", session_packet_vs_raw_ratio),
    ("render_chart_90_days_synthetic_s", "s", "<= 1", chart_90_days_s),
    ("render_notes_synthetic_per_s", "notes/s", ">= 50", batch_export_notes_per_s),
)
