"""Building the export's plain documents from the database (read-only units of work).

The renderer (``facilitator.export``) never queries; these functions read what a chart copy
shows and hand over frozen dataclasses. A signed note is exported from its signed snapshot
(text and facts as signed), a draft from its live facts (and watermarked by the renderer).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...export import model as doc
from ...models.notes import ProgressNote
from ...models.roster import Group, Participant, Program
from ...models.sessions import Attendance, GroupSession
from ...models.users import Clinic
from ..console._common import ordered_segments
from ..console.minutes import iso_week_start
from ..errors import NotFound
from ..notes import NoteView, TimelineEntry
from ..notes.views import note_view
from ..workspace import Workspace

GROUP_TITLES = (("interventions", "Topics and interventions"), ("process", "Group process"))
SEGMENT_KINDS = {"checkin": "check-in", "checkout": "check-out"}


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def clinic_info(s: Session, ws: Workspace) -> doc.ClinicInfo:
    clinic = s.scalar(select(Clinic))
    return doc.ClinicInfo(clinic.name if clinic else "", clinic.address if clinic else "",
                          ws.timezone)


def meta(ws: Workspace, purpose: str = "internal") -> doc.ExportMeta:
    return doc.ExportMeta(ws.clock.now(), ws.actor.signature_name, purpose)


def participant_info(p: Participant) -> doc.ParticipantInfo:
    return doc.ParticipantInfo(p.legal_name, p.preferred_name, p.chart_id, p.date_of_birth)


def program_info(p: Program) -> doc.ProgramInfo:
    return doc.ProgramInfo(p.name, "sud" if p.kind == "sud" else "mh", p.redisclosure_notice)


def _signature(g: Any) -> doc.SignatureInfo:
    meaning = g.meaning if g.meaning in ("author", "co-signer", "reviewer") else "author"
    return doc.SignatureInfo(g.signer, g.credentials, g.role, meaning, g.signed_at, g.sha256)


def note_doc(s: Session, view: NoteView) -> doc.NoteDoc:
    """One note as the chart copy shows it."""
    participant = s.get(Participant, view.participant_id)
    sess = s.get(GroupSession, view.session_id)
    if participant is None or sess is None:
        raise NotFound("That note's participant or session no longer exists.")
    group = s.get(Group, sess.group_id)
    program = s.get(Program, group.program_id) if group else None
    if program is None:
        raise NotFound("The session's program no longer exists.")
    f = view.facts
    ses, att, svc = f.get("session", {}), f.get("attendance", {}), f.get("service", {})
    checks = [(f"Check-in: {q}", a) for q, a in f.get("checkin", [])]
    checks += [(f"Check-out: {q}", a) for q, a in f.get("checkout", [])]
    reviews = [r for r in view.reviews if r.decision != "cosigned"]
    last = reviews[-1] if reviews else None
    return doc.NoteDoc(
        participant=participant_info(participant), program=program_info(program),
        level_of_care=ses.get("level_of_care", program.level_of_care),
        session_date=sess.session_date, planned_start=_time(ses.get("planned_start")),
        planned_end=_time(ses.get("planned_end")), actual_start=_time(ses.get("actual_start")),
        actual_end=_time(ses.get("actual_end")), arrival=_time(att.get("arrived_at")),
        departure=_time(att.get("departed_at")),
        attendance_status=att.get("status", "").replace("_", " "),
        minutes_of_service=int(att.get("minutes", 0)),
        out_of_room_minutes=int(att.get("out_of_room_minutes", 0)),
        service_code=svc.get("code", ""), units=svc.get("units", 0),
        units_explanation=svc.get("explanation", ""),
        modality=ses.get("modality", "").replace("_", " "), location=ses.get("location", ""),
        facilitators=tuple(f"{x['name']}, {x['credentials']}" if x.get("credentials")
                           else x["name"] for x in f.get("facilitators", [])),
        note_format=view.format if view.format in ("DAP", "BIRP", "SOAP", "GIRP") else "DAP",
        group_sections=tuple(doc.SectionDoc(title, view.group_sections.get(key, ""))
                             for key, title in GROUP_TITLES) if view.kind == "session" else (),
        individual_sections=tuple(doc.SectionDoc(spec.title, view.sections.get(spec.key, ""))
                                  for spec in view.sections_spec),
        check_facts=tuple((q, str(a)) for q, a in checks),
        scores=tuple(doc.ScoreDoc(x["measure"], x["total"] if x["total"] is not None else 0,
                                  x["band"] or "") for x in f.get("scores", [])),
        goals=tuple(doc.GoalDoc(g.text, g.rating, g.comment) for g in view.goals
                    if g.addressed),
        safety_flags=tuple(doc.SafetyFlagDoc(x["message"], x.get("follow_up", ""))
                           for x in f.get("flags", [])),
        signatures=tuple(_signature(g) for g in view.history[-1].signatures)
        if view.history else (),
        late_entry_label=view.late_entry if view.state != "draft" and view.late_entry else None,
        addenda=tuple(doc.AddendumDoc(a.written_at, a.author, a.reason, a.text,
                                      tuple(_signature(g) for g in a.signatures))
                      for a in view.addenda),
        review=(doc.ReviewInfo(last.decision.replace("_", " "), last.reviewer, last.at,
                               last.comment) if last else None),
        signed=view.state != "draft", group_name=view.group_name,
    )


def note_by_id(ws: Workspace, s: Session, note_id: int) -> tuple[ProgressNote, doc.NoteDoc]:
    note = s.get(ProgressNote, note_id)
    if note is None:
        raise NotFound("That note no longer exists.")
    return note, note_doc(s, note_view(ws, s, note))


def session_packet(ws: Workspace, s: Session, session_id: int, purpose: str
                   ) -> tuple[doc.SessionPacketDoc, list[int]]:
    """The packet and the participants whose notes it contains."""
    sess = s.get(GroupSession, session_id)
    if sess is None:
        raise NotFound("That session no longer exists.")
    group = s.get(Group, sess.group_id)
    program = s.get(Program, group.program_id) if group else None
    if group is None or program is None:
        raise NotFound("The session's group or program no longer exists.")
    roster = s.execute(select(Attendance, Participant)
                       .join(Participant, Participant.id == Attendance.participant_id)
                       .where(Attendance.session_id == sess.id)).all()
    notes = s.scalars(select(ProgressNote).where(ProgressNote.session_id == sess.id)).all()
    views = sorted((note_view(ws, s, n) for n in notes), key=lambda v: v.short_name.casefold())
    note_docs = tuple(note_doc(s, v) for v in views)
    topics: list[str] = []
    facilitators: tuple[str, ...] = ()
    if note_docs:
        facilitators = note_docs[0].facilitators
    for v in views[:1]:
        topics = [t["title"] for t in v.facts.get("topics", [])]
    sign_in = tuple(doc.SignInRow(
        f"{p.preferred_name} ({p.legal_name})" if p.preferred_name else p.legal_name,
        a.arrived_at, a.departed_at, a.minutes or 0, a.status.replace("_", " "))
        for a, p in sorted(roster, key=lambda r: r[1].legal_name.casefold()))
    packet = doc.SessionPacketDoc(
        clinic=clinic_info(s, ws), meta=meta(ws, purpose), group_name=group.name,
        program=program_info(program), session_date=sess.session_date,
        planned_start=sess.planned_start, planned_end=sess.planned_end,
        actual_start=sess.actual_start, actual_end=sess.actual_end,
        segments=tuple(doc.SegmentDoc(g.title, SEGMENT_KINDS.get(g.kind, g.kind),
                                      g.actual_start, g.actual_end, g.skipped)
                       for g in ordered_segments(sess)),
        topics=tuple(topics), facilitators=facilitators, sign_in=sign_in, notes=note_docs)
    return packet, [a.participant_id for a, _ in roster]


def participant_record(ws: Workspace, s: Session, participant: Participant, start: date,
                       end: date, timeline: list[TimelineEntry], purpose: str,
                       include_drafts: bool) -> doc.ParticipantRecordDoc:
    program = s.get(Program, participant.program_id) if participant.program_id else None
    if program is None:  # a participant without a program: take the first session's
        first = timeline[-1] if timeline else None
        sess = s.get(GroupSession, first.session_id) if first else None
        group = s.get(Group, sess.group_id) if sess else None
        program = s.get(Program, group.program_id) if group else None
    if program is None:
        raise NotFound("This participant has no program, so the record has no heading.")
    notes = []
    for entry in reversed(timeline):  # oldest first in the chart
        if entry.note_id is None or (entry.note_state == "draft" and not include_drafts):
            continue
        note = s.get(ProgressNote, entry.note_id)
        if note is not None:
            notes.append(note_doc(s, note_view(ws, s, note)))
    weeks: dict[date, int] = {}
    for e in timeline:
        week = iso_week_start(e.session_date)
        weeks[week] = weeks.get(week, 0) + e.minutes
    trend = []
    for e in reversed(timeline):
        scores = {m: total for m, total, _ in e.scores}
        trend.append(doc.TrendPoint(e.session_date, e.mood, e.craving, e.anxiety,
                                    _float(scores.get("PHQ-9")), _float(scores.get("GAD-7"))))
    return doc.ParticipantRecordDoc(
        clinic=clinic_info(s, ws), meta=meta(ws, purpose),
        participant=participant_info(participant), program=program_info(program),
        date_from=start, date_to=end, notes=tuple(notes),
        attendance=tuple(doc.AttendanceRow(e.session_date, e.group_name,
                                           e.attendance_status.replace("_", " "), e.minutes)
                         for e in reversed(timeline)),
        weekly_hours=tuple(doc.WeeklyHoursRow(w, m, program.weekly_minimum_minutes)
                           for w, m in sorted(weeks.items())),
        trend=tuple(trend))


def _float(value: int | None) -> float | None:
    return None if value is None else float(value)

