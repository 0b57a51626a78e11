"""The facts a note states, gathered from what the console stored (never cloned prose).

``session_facts`` returns, for every participant on a session's roster (or one), the canonical
facts dict (see ``canonical.normalise``: datetimes as UTC ``...Z`` strings, so a draft's live
facts and a signed revision's snapshot have one shape): the session (date, times, modality,
location, group, program), facilitators with credentials, the participant's attendance
(status, arrival, departure, out-of-room minutes, minutes of service), service code and units,
topics delivered with their intervention phrases as taught, check-in/check-out answers,
PHQ-9/GAD-7 totals and bands, and safety flags with their follow-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...forms import FormDefinition
from ...models.curriculum import CurriculumModule, CurriculumTopic, TopicDelivery, TopicVersion
from ...models.roster import Group, Program
from ...models.sessions import FormResponse, GroupSession, SafetyFlag, SessionFacilitator
from ...models.users import User
from ..console.checkins import forms_catalog
from ..console.state import build_attendance
from .canonical import normalise
from .units import units_for

MEASURES = {"phq9": "PHQ-9", "gad7": "GAD-7"}
STATUS_TEXT = {"present": "Present", "late": "Late", "left_early": "Left early",
               "absent": "Absent", "excused": "Excused", "telehealth": "Telehealth",
               "expected": "Not marked"}


def answer_lines(form: FormDefinition | None, answers: Mapping[str, Any]) -> list[list[str]]:
    """[label, value] pairs of a response, in the form's item order, answered items only."""
    if form is None:
        return [[k, str(v)] for k, v in sorted(answers.items())]
    lines: list[list[str]] = []
    stack = list(reversed(form.items))
    while stack:
        item = stack.pop()
        stack.extend(reversed(item.children))
        if item.link_id not in answers or answers[item.link_id] in (None, ""):
            continue
        value = answers[item.link_id]
        if isinstance(value, bool):
            text = "Yes" if value else "No"
        elif item.options:
            text = next((o.display for o in item.options if o.code == value), str(value))
        else:
            text = str(value)
        lines.append([item.text, text])
    return lines


def _facilitators(s: Session, sess: GroupSession) -> list[dict[str, Any]]:
    ids = set(s.scalars(select(SessionFacilitator.user_id)
                        .where(SessionFacilitator.session_id == sess.id)))
    if sess.lead_facilitator_id is not None:
        ids.add(sess.lead_facilitator_id)
    users = s.scalars(select(User).where(User.id.in_(ids))).all() if ids else []
    return [{"user_id": u.id, "name": u.display_name, "credentials": u.credentials,
             "lead": u.id == sess.lead_facilitator_id}
            for u in sorted(users, key=lambda u: (u.id != sess.lead_facilitator_id,
                                                  u.display_name.casefold()))]


def session_topics(s: Session, sess: GroupSession) -> list[dict[str, Any]]:
    rows = s.execute(
        select(TopicVersion.title, TopicVersion.version, TopicVersion.intervention_phrases,
               CurriculumModule.title)
        .join(TopicDelivery, TopicDelivery.topic_version_id == TopicVersion.id)
        .join(CurriculumTopic, CurriculumTopic.id == TopicDelivery.topic_id)
        .join(CurriculumModule, CurriculumModule.id == CurriculumTopic.module_id)
        .where(TopicDelivery.session_id == sess.id)
        .order_by(TopicDelivery.delivered_at, TopicDelivery.id)).all()
    topics = [{"title": t, "version": v, "module": m, "phrases": list(p or [])}
              for t, v, p, m in rows]
    linked = {t["title"] for t in topics}
    delivered_in = set(s.scalars(select(TopicDelivery.segment_id)
                                 .where(TopicDelivery.session_id == sess.id)))
    for seg in sess.segments:  # free-text topics typed in the console, not from the library
        if (seg.topic_text and seg.topic_version_id is None and seg.id not in delivered_in
                and seg.topic_text not in linked):
            topics.append({"title": seg.topic_text, "version": None, "module": "",
                           "phrases": []})
    return topics


def session_facts(s: Session, sess: GroupSession, now: datetime,
                  only: int | None = None) -> dict[int, dict[str, Any]]:
    """Canonical facts per participant id (see the module docstring)."""
    group = s.get(Group, sess.group_id)
    assert group is not None
    program = s.get(Program, group.program_id)
    assert program is not None
    views, _ = build_attendance(s, sess, program, now, only=only)
    pids = [v.participant_id for v in views]
    session_part = {
        "date": sess.session_date, "group": group.name, "program": program.name,
        "program_kind": program.kind, "level_of_care": program.level_of_care,
        "planned_start": sess.planned_start, "planned_end": sess.planned_end,
        "actual_start": sess.actual_start, "actual_end": sess.actual_end,
        "modality": sess.modality, "location": sess.location,
    }
    facilitators = _facilitators(s, sess)
    topics = session_topics(s, sess)
    forms = forms_catalog().forms
    responses: dict[int, dict[str, FormResponse]] = {}
    for r in s.scalars(select(FormResponse).where(FormResponse.session_id == sess.id,
                                                  FormResponse.participant_id.in_(pids))
                       .order_by(FormResponse.id)):
        responses.setdefault(r.participant_id, {})[r.form_id] = r  # the newest of each form
    flags: dict[int, list[dict[str, Any]]] = {}
    for f in s.scalars(select(SafetyFlag).where(
            SafetyFlag.participant_id.in_(pids),
            SafetyFlag.session_id == sess.id).order_by(SafetyFlag.raised_at, SafetyFlag.id)):
        flags.setdefault(f.participant_id, []).append({
            "id": f.id, "severity": f.severity, "message": f.message, "raised_at": f.raised_at,
            "addressed_at": f.addressed_at, "follow_up": f.follow_up})
    out: dict[int, dict[str, Any]] = {}
    for v in views:
        own = responses.get(v.participant_id, {})
        out_minutes = sum(
            int(((o.returned_at or sess.actual_end or now) - o.left_at).total_seconds() // 60)
            for o in v.out_of_room)
        units = units_for(program.unit_rule, v.minutes_today, program.daily_minimum_minutes)
        out[v.participant_id] = normalise({
            "session": session_part,
            "facilitators": facilitators,
            "attendance": {"status": v.status, "arrived_at": v.arrived_at,
                           "departed_at": v.departed_at, "walk_in": v.walk_in,
                           "out_of_room_minutes": out_minutes, "minutes": v.minutes_today,
                           "daily_minimum": v.daily_minimum},
            "service": {"code": program.billing_code, "rule": program.unit_rule,
                        "units": units.units, "explanation": units.explanation},
            "topics": topics,
            "checkin": answer_lines(forms.get("checkin"), own["checkin"].answers)
            if "checkin" in own else [],
            "checkout": answer_lines(forms.get("checkout"), own["checkout"].answers)
            if "checkout" in own else [],
            "scores": [{"measure": MEASURES[k], "total": own[k].total, "band": own[k].band}
                       for k in MEASURES if k in own],
            "flags": flags.get(v.participant_id, []),
        })
    return out


def interventions_text(topics: list[dict[str, Any]]) -> str:
    """A first draft of the shared group section from the topics as taught: each topic with
    its note-ready intervention phrases from the curriculum (the clinician edits it)."""
    parts = []
    for t in topics:
        title = t["title"] + (f" ({t['module']})" if t.get("module") else "")
        phrases = " ".join(p if p.endswith(".") else p + "." for p in t.get("phrases", []))
        parts.append(f"{title}: {phrases}".strip().rstrip(":") + ("" if phrases else "."))
    return "\n".join(parts)
