"""A progress note as the chart copy shows it, alone (``render_note``) or inside a packet or a
participant record (``note_story``)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from . import fmt
from .furniture import CONTENT_W, Page
from .model import (
    AddendumDoc,
    NoteDoc,
    NoteExportDoc,
    ParticipantInfo,
    RenderResult,
    SectionDoc,
    SignatureInfo,
)

SHORT_HASH = 16  # hex digits of the SHA-256 printed; enough to match it against the database


def participant_header(p: ParticipantInfo) -> str:
    """The running header for a participant's pages."""
    name = p.legal_name
    if p.preferred_name and p.preferred_name != p.legal_name:
        name += f" ({p.preferred_name})"
    return f"{name} · Chart {p.chart_id}"


def participant_facts(page: Page, p: ParticipantInfo) -> list[Flowable]:
    return page.w.facts([
        ("Legal name", p.legal_name),
        ("Preferred name", p.preferred_name or fmt.NONE),
        ("Chart ID", p.chart_id),
        ("Date of birth", fmt.day(p.date_of_birth)),
    ], CONTENT_W)


def render_note(doc: NoteExportDoc) -> RenderResult:
    """One progress note as a PDF (the Part 2 notice on its first page for a SUD program)."""
    page = Page(doc.clinic, doc.meta, "Progress note")
    return page.build(note_story(page, doc.note, notice=True))


def note_story(page: Page, note: NoteDoc, notice: bool = False) -> list[Flowable]:
    """The flowables of one note, starting with the mark that sets its header and watermark."""
    w, tz = page.w, page.tz
    story: list[Flowable] = [
        page.mark(participant_header(note.participant), draft=not note.signed),
        w.p(f"Progress note ({note.note_format}) · {fmt.day(note.session_date)}", "title"),
    ]
    if notice:
        story += [*page.notice(note.program), Spacer(0, 2 * mm)]
    if note.late_entry_label:
        story.append(w.p(note.late_entry_label, "notice"))
    if not note.signed:
        story.append(w.p("This note is a draft: it has not been signed.", "notice"))
    story += [w.p("Participant", "h2"), *participant_facts(page, note.participant),
              w.p("Service", "h2"), *w.facts(_service_facts(note, tz), CONTENT_W)]
    story += _sections(page, "Group session", note.group_sections)
    story += _sections(page, f"Individual ({note.note_format})", note.individual_sections)
    if note.check_facts:
        story += [w.p("Check-in and check-out", "h2"), *w.facts(note.check_facts, CONTENT_W)]
    story += _tables(page, note)
    story += _signature_block(page, "Signatures", note.signatures)
    for addendum in note.addenda:
        story += _addendum(page, addendum)
    if note.review is not None:
        r = note.review
        story += [w.p("Supervisor review", "h2"), *w.facts([
            ("Status", r.status), ("Reviewer", r.reviewer),
            ("Reviewed", fmt.moment(r.at, tz)), ("Comment", r.comment or fmt.NONE),
        ], CONTENT_W)]
    return story


def _service_facts(note: NoteDoc, tz: ZoneInfo) -> list[tuple[str, str]]:
    units = f"{note.units:g}"
    if note.units_explanation:
        units += f" ({note.units_explanation})"
    return [
        ("Program", note.program.name),
        ("Level of care", note.level_of_care),
        ("Group", note.group_name or fmt.NONE),
        ("Date of service", fmt.day(note.session_date)),
        ("Planned", fmt.span(note.planned_start, note.planned_end, tz)),
        ("Actual", fmt.span(note.actual_start, note.actual_end, tz)),
        ("Arrival", fmt.time(note.arrival, tz)),
        ("Departure", fmt.time(note.departure, tz)),
        ("Attendance", note.attendance_status),
        ("Minutes of service", fmt.minutes(note.minutes_of_service)),
        ("Out of room", fmt.minutes(note.out_of_room_minutes)),
        ("Service code", note.service_code),
        ("Units", units),
        ("Modality", note.modality),
        ("Location", note.location),
        ("Facilitators", "; ".join(note.facilitators) or fmt.NONE),
    ]


def _sections(page: Page, heading: str,
              sections: tuple[SectionDoc, ...]) -> list[Flowable]:
    if not sections:
        return []
    out: list[Flowable] = [CondPageBreak(30 * mm), page.w.p(heading, "h2")]
    for section in sections:
        out.append(page.w.p(section.title, "h3"))
        out += page.w.text_block(section.text)
    return out


def _tables(page: Page, note: NoteDoc) -> list[Flowable]:
    w, out = page.w, []
    if note.scores:
        out += _titled(w.p("Scores", "h2"), w.grid(
            ("Measure", "Total", "Band"),
            [(s.measure, f"{s.total:g}", s.band) for s in note.scores],
            (50 * mm, 25 * mm, CONTENT_W - 75 * mm)))
    if note.goals:
        out += _titled(w.p("Goals addressed", "h2"), w.grid(
            ("Goal", "Progress", "Comment"),
            [(g.goal, g.rating or fmt.NONE, g.comment or fmt.NONE) for g in note.goals],
            (CONTENT_W * 0.42, 28 * mm, CONTENT_W * 0.58 - 28 * mm)))
    if note.safety_flags:
        out += _titled(w.p("Safety", "h2"), w.grid(
            ("Flag", "Follow-up"),
            [(f.message, f.follow_up or "No follow-up recorded.") for f in note.safety_flags],
            (CONTENT_W * 0.5, CONTENT_W * 0.5)))
    return out


def _titled(heading: Flowable, table: list[Flowable]) -> list[Flowable]:
    """A heading and its (short) table on one page; a table too long for that still splits.
    Long cells set below the table follow freely."""
    return [KeepTogether([heading, table[0]]), *table[1:]]


def _signature_block(page: Page, heading: str, signatures: tuple[SignatureInfo, ...],
                     level: str = "h2") -> list[Flowable]:
    w, tz = page.w, page.tz
    rows = [(f"{s.signer}, {s.credentials}" if s.credentials else s.signer, s.role, s.meaning,
             fmt.moment(s.signed_at, tz), s.sha256[:SHORT_HASH]) for s in signatures]
    table = w.grid(("Signed by", "Role", "Meaning", "Signed", "SHA-256 (start)"), rows,
                   (CONTENT_W * 0.27, CONTENT_W * 0.15, CONTENT_W * 0.13, CONTENT_W * 0.22,
                    CONTENT_W * 0.23), empty="Not signed.")
    return _titled(w.p(heading, level), table)


def _addendum(page: Page, a: AddendumDoc) -> list[Flowable]:
    w = page.w
    out: list[Flowable] = [
        CondPageBreak(25 * mm),
        w.p(f"Addendum written {fmt.moment(a.written_at, page.tz)} by {a.author}", "h2"),
        *w.facts([("Reason", a.reason or fmt.NONE)], CONTENT_W, columns=1),
        *w.text_block(a.text),
    ]
    return out + _signature_block(page, "Addendum signatures", a.signatures, "h3")
