"""Progress-note figures on the five-year clinic (~100,000 generated notes): prefill, autosave,
signing (without the password KDF), the supervisor's review queue, one participant's timeline.
Each function returns one float; ``bench/__main__.py`` prints them."""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

from sqlalchemy import func, select

from facilitator.models.notes import ProgressNote
from facilitator.models.sessions import Attendance
from facilitator.services import notes
from facilitator.services.notes.signing import sign_confirmed
from facilitator.services.workspace import Workspace

RUNS = 30
SAVES = 200


def _ms(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def a_draft(ws: Workspace) -> notes.NoteView:
    """A draft of the signed-in therapist: an existing one, or a new one for a note owed."""
    with ws.read() as s:
        note_id = s.scalar(select(ProgressNote.id).where(
            ProgressNote.state == "draft", ProgressNote.author_id == ws.actor.user_id,
            ProgressNote.returned_comment == "").order_by(ProgressNote.id.desc()).limit(1))
        if note_id is not None:
            note = s.get(ProgressNote, note_id)
            sid, pid = note.session_id, note.participant_id
        else:
            entry = notes.notes_queue(ws)[-1]
            row = next(r for r in notes.session_notes(ws, entry.session_id).rows
                       if r.state == "none")
            sid, pid = entry.session_id, row.participant_id
    return notes.open_note(ws, sid, pid)


def note_prefill_ms(ws: Workspace) -> float:
    """Median time to open a draft with its live prefilled facts."""
    note = a_draft(ws)
    samples = [_ms(lambda: notes.open_note(ws, note.session_id, note.participant_id))
               for _ in range(RUNS)]
    return statistics.median(samples)


def note_autosave_p99_ms(ws: Workspace) -> float:
    note = a_draft(ws)
    seq = note.edit_seq
    samples = []
    text = note.sections.get("data", "") or "Bench text."
    for i in range(SAVES):
        start = time.perf_counter()
        seq = notes.save_draft(ws, note.note_id, seq, sections={"data": f"{text} {i}"})
        samples.append((time.perf_counter() - start) * 1000)
    return _p99(samples)


def sign_note_ms(ws: Workspace) -> float:
    """One note signed (checks, facts snapshot, hash, signature, audit), password excluded."""
    note = a_draft(ws)
    sections = {x.key: f"Bench {x.title} for this participant, written for the benchmark."
                for x in note.sections_spec}
    seq = notes.save_draft(ws, note.note_id, note.edit_seq, sections=sections,
                           justifications={"clone": "Benchmark text", "names": "Benchmark"})
    for flag in note.flags:
        if flag.open:
            from facilitator.services import console

            console.address_flag(ws, flag.id, "Bench follow-up.")
    start = time.perf_counter()
    [result] = sign_confirmed(ws, [(note.note_id, seq)])
    elapsed = (time.perf_counter() - start) * 1000
    if not result.signed:
        raise RuntimeError(result.message)
    return elapsed


def review_queue_ms(ws: Workspace) -> float:
    """A supervisor opens the review queue: awaiting co-signature and signed-not-reviewed."""
    def both() -> None:
        notes.review_queue(ws)
        notes.review_queue(ws, status="final")

    both()  # warm
    return statistics.median(_ms(both) for _ in range(5))


def busiest_participant(ws: Workspace) -> tuple[int, date]:
    """The participant with the most sessions, and the date of their last one."""
    from facilitator.models.sessions import GroupSession

    with ws.read() as s:
        pid = s.scalar(select(Attendance.participant_id).group_by(Attendance.participant_id)
                       .order_by(func.count().desc()).limit(1))
        last = s.scalar(select(func.max(GroupSession.session_date))
                        .join(Attendance, Attendance.session_id == GroupSession.id)
                        .where(Attendance.participant_id == pid))
    return pid, last


def timeline_ms(ws: Workspace) -> float:
    """The participant with the most sessions, two years ending at their last session."""
    pid, last = busiest_participant(ws)
    return statistics.median(
        _ms(lambda: notes.participant_timeline(ws, pid, last - timedelta(days=730), last))
        for _ in range(10))
