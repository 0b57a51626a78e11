"""A session packet: a cover page, the sign-in sheet, then every participant's note, each from
a new page (so a note's pages can be filed in that participant's chart on their own)."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreakIfNotEmpty, Spacer

from . import fmt
from .furniture import CONTENT_W, Page
from .model import RenderResult, SessionPacketDoc
from .note import note_story


def render_session_packet(doc: SessionPacketDoc) -> RenderResult:
    """The whole session as one PDF (the Part 2 notice on the cover of a SUD program's)."""
    page = Page(doc.clinic, doc.meta, "Session packet")
    w, tz = page.w, page.tz
    header = f"{doc.group_name} · {fmt.day(doc.session_date)}"
    story: list[Flowable] = [
        page.mark(header),
        w.p(f"Session packet · {doc.group_name}", "title"),
        *page.notice(doc.program),
        Spacer(0, 2 * mm),
        *w.facts([
            ("Group", doc.group_name),
            ("Program", doc.program.name),
            ("Date", fmt.day(doc.session_date)),
            ("Participants", str(len(doc.sign_in))),
            ("Planned", fmt.span(doc.planned_start, doc.planned_end, tz)),
            ("Actual", fmt.span(doc.actual_start, doc.actual_end, tz)),
        ], CONTENT_W),
        w.p("Facilitators", "h2"),
        w.p("; ".join(doc.facilitators) or fmt.NONE),
        w.p("Segments", "h2"),
        *w.grid(("Segment", "Kind", "Actual time"),
               [(s.title, s.kind,
                 "skipped" if s.skipped else fmt.span(s.actual_start, s.actual_end, tz))
                for s in doc.segments],
               (CONTENT_W * 0.55, CONTENT_W * 0.2, CONTENT_W * 0.25)),
        w.p("Topics delivered", "h2"),
        *([w.p(f"• {t}") for t in doc.topics] or [w.p("None recorded.", "small")]),
        PageBreakIfNotEmpty(),
        page.mark(header),
        w.p(f"Sign-in sheet · {fmt.day(doc.session_date)}", "title"),
        *w.grid(("Participant", "Arrival", "Departure", "Minutes", "Status"),
               [(r.participant, fmt.time(r.arrival, tz), fmt.time(r.departure, tz),
                 str(r.minutes), r.status) for r in doc.sign_in],
               (CONTENT_W * 0.4, CONTENT_W * 0.14, CONTENT_W * 0.14, CONTENT_W * 0.12,
                CONTENT_W * 0.2), empty="Nobody signed in."),
    ]
    for note in doc.notes:
        story.append(PageBreakIfNotEmpty())
        story += note_story(page, note)
    return page.build(story)
