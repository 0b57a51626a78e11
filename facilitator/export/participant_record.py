"""A participant's record for a date range: attendance and weekly hours against the program
minimum, the trend chart, then every note in the range (with its addenda), each from a new page.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, PageBreakIfNotEmpty, Spacer

from . import fmt
from .furniture import CONTENT_W, Page
from .model import ParticipantRecordDoc, RenderResult
from .note import note_story, participant_facts, participant_header
from .trend_chart import trend_drawing


def render_participant_record(doc: ParticipantRecordDoc) -> RenderResult:
    """The record as one PDF (the Part 2 notice on its first page for a SUD program)."""
    page = Page(doc.clinic, doc.meta, "Participant record")
    w = page.w
    header = participant_header(doc.participant)
    range_text = f"{fmt.day(doc.date_from)} to {fmt.day(doc.date_to)}"
    attended = sum(r.minutes for r in doc.attendance)
    story: list[Flowable] = [
        page.mark(header),
        w.p("Participant record", "title"),
        *page.notice(doc.program),
        Spacer(0, 2 * mm),
        *participant_facts(page, doc.participant),
        *w.facts([("Program", doc.program.name), ("Period", range_text),
                 ("Notes in period", str(len(doc.notes))),
                 ("Minutes attended", fmt.minutes(attended))], CONTENT_W),
        w.p("Trend", "h2"),
    ]
    if any(getattr(p, a) is not None for p in doc.trend
           for a in ("mood", "craving", "anxiety", "phq9_total", "gad7_total")):
        story.append(trend_drawing(doc.trend, doc.date_from, doc.date_to, CONTENT_W))
    else:
        story.append(w.p("No check-in ratings or questionnaire totals in this period.", "small"))
    story += [
        CondPageBreak(40 * mm),
        w.p("Weekly hours", "h2"),
        *w.grid(("Week of", "Attended", "Program minimum", "Met"),
               [(fmt.day(r.week_start), fmt.hours(r.minutes), fmt.hours(r.weekly_minimum),
                 "yes" if r.minutes >= r.weekly_minimum else "NO, below minimum")
                for r in doc.weekly_hours],
               (CONTENT_W * 0.3, CONTENT_W * 0.2, CONTENT_W * 0.25, CONTENT_W * 0.25)),
        w.p("Attendance", "h2"),
        *w.grid(("Date", "Group", "Status", "Minutes"),
               [(fmt.day(r.day), r.group, r.status, str(r.minutes)) for r in doc.attendance],
               (CONTENT_W * 0.25, CONTENT_W * 0.45, CONTENT_W * 0.15, CONTENT_W * 0.15)),
    ]
    if not doc.notes:
        story.append(w.p("No progress notes in this period.", "h2"))
    for note in doc.notes:
        story.append(PageBreakIfNotEmpty())
        story += note_story(page, note)
    return page.build(story)
