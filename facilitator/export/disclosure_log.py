"""The accounting of disclosures for one participant: every release of their records outside
the clinic, with recipient, purpose and the (PHI-free) file name that was released."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from . import fmt
from .furniture import CONTENT_W, Page
from .model import DisclosureLogDoc, RenderResult
from .note import participant_facts, participant_header


def render_disclosure_log(doc: DisclosureLogDoc) -> RenderResult:
    """The disclosure log as a PDF, newest disclosure last."""
    page = Page(doc.clinic, doc.meta, "Accounting of disclosures")
    w, tz = page.w, page.tz
    story: list[Flowable] = [
        page.mark(participant_header(doc.participant)),
        w.p("Accounting of disclosures", "title"),
        *page.notice(doc.program),
        Spacer(0, 2 * mm),
        *participant_facts(page, doc.participant),
        w.p("Disclosures", "h2"),
        *w.grid(("When", "By", "Recipient", "Purpose", "Document and file"),
               [(fmt.moment(r.when, tz), r.by, r.recipient, r.purpose,
                 f"{r.document_type}\n{r.file_name}")
                for r in sorted(doc.rows, key=lambda r: r.when)],
               (CONTENT_W * 0.15, CONTENT_W * 0.16, CONTENT_W * 0.19, CONTENT_W * 0.19,
                CONTENT_W * 0.31),
               empty="No disclosures have been recorded for this participant."),
    ]
    return page.build(story)
