"""Participants, their enrollments (rolling admission), goals and drug-test results."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..models.roster import (
    PARTICIPANT_STATUSES,
    DrugTest,
    Enrollment,
    Group,
    Participant,
    Program,
    TreatmentGoal,
)
from . import audit
from .errors import Conflict, NeedsConfirmation, NotFound
from .validation import MAX_TEXT, Checker
from .workspace import Workspace

DRUG_TEST_RESULTS = ("negative", "positive", "dilute", "invalid", "refused", "pending")


@dataclass(frozen=True)
class ParticipantDraft:
    chart_id: str
    legal_name: str
    admission_date: date
    preferred_name: str = ""
    pronouns: str = ""
    date_of_birth: date | None = None
    discharge_date: date | None = None
    status: str = "active"
    level_of_care: str = "ASAM 2.1"
    program_id: int | None = None


@dataclass(frozen=True)
class ParticipantView(ParticipantDraft):
    id: int = 0
    program_name: str = ""
    groups: str = ""  # current groups, comma-separated, for the roster table

    @property
    def display_name(self) -> str:
        """Preferred name first: it is what the therapist calls the person in the room."""
        if self.preferred_name and self.preferred_name != self.legal_name:
            return f"{self.preferred_name} ({self.legal_name})"
        return self.legal_name

    @property
    def short_name(self) -> str:
        return self.preferred_name or self.legal_name


@dataclass(frozen=True)
class EnrollmentView:
    id: int
    participant_id: int
    group_id: int
    group_name: str
    start_date: date
    end_date: date | None


@dataclass(frozen=True)
class GoalView:
    id: int
    text: str
    status: str


@dataclass(frozen=True)
class DrugTestView:
    id: int
    collected_on: date
    result: str
    substances: str


# An admission further ahead than this is asked about: more likely a typed year than a plan.
ADMISSION_AHEAD_DAYS = 30


def _check(d: ParticipantDraft, today: date, confirm_admission: bool) -> None:
    c = Checker()
    c.text("chart_id", "The chart ID", d.chart_id, max_len=64)
    c.text("legal_name", "The legal name", d.legal_name)
    c.text("preferred_name", "The preferred name", d.preferred_name, required=False)
    c.text("pronouns", "Pronouns", d.pronouns, required=False, max_len=50)
    if d.status not in PARTICIPANT_STATUSES:
        c.fail("status", f"Status must be one of {', '.join(PARTICIPANT_STATUSES)}.")
    c.order("discharge_date", d.admission_date, d.discharge_date,
            "The discharge date is before the admission date.")
    if d.date_of_birth is not None and d.date_of_birth > today:
        c.fail("date_of_birth", f"The date of birth ({d.date_of_birth:%d %b %Y}) is after "
                                "today.")
    c.order("date_of_birth", d.date_of_birth, d.admission_date,
            "The date of birth is after the admission date.")
    if d.status == "discharged" and d.discharge_date is None:
        c.fail("discharge_date", "A discharged participant needs a discharge date.")
    c.raise_if_any()
    if not confirm_admission and d.admission_date > today + timedelta(days=ADMISSION_AHEAD_DAYS):
        raise NeedsConfirmation({"admission_date": (
            f"The admission date ({d.admission_date:%d %b %Y}) is more than "
            f"{ADMISSION_AHEAD_DAYS} days ahead. Check the year, or save again to keep it.")})


def _clean(d: ParticipantDraft) -> ParticipantDraft:
    # NFKC: a chart ID typed with full-width digits or a decomposed accent is the same ID, and
    # must hit the duplicate check rather than create a look-alike second chart.
    return replace(d, chart_id=unicodedata.normalize("NFKC", d.chart_id).strip(),
                   legal_name=d.legal_name.strip(),
                   preferred_name=d.preferred_name.strip(), pronouns=d.pronouns.strip(),
                   level_of_care=d.level_of_care.strip())


def _fields(d: ParticipantDraft) -> dict[str, object]:
    return {f: getattr(d, f) for f in ParticipantDraft.__dataclass_fields__}


def _view(s: Session, p: Participant, today: date) -> ParticipantView:
    names = s.scalars(
        select(Group.name).join(Enrollment, Enrollment.group_id == Group.id).where(
            Enrollment.participant_id == p.id, _current(today)
        ).order_by(Group.name)
    ).all()
    program = s.get(Program, p.program_id) if p.program_id else None
    return ParticipantView(**_fields(p), id=p.id, program_name=program.name if program else "",
                           groups=", ".join(names))


def _current(on: date):  # type: ignore[no-untyped-def] - a SQL expression
    return and_(Enrollment.start_date <= on,
                or_(Enrollment.end_date.is_(None), Enrollment.end_date >= on))


def add_participant(ws: Workspace, draft: ParticipantDraft, *,
                    confirm_admission: bool = False) -> ParticipantView:
    """Add a participant; an admission more than ``ADMISSION_AHEAD_DAYS`` ahead raises
    ``NeedsConfirmation`` unless ``confirm_admission``."""
    _check(draft, ws.today(), confirm_admission)
    d = _clean(draft)
    with ws.transaction() as s:
        if s.scalar(select(Participant.id).where(Participant.chart_id == d.chart_id)):
            raise Conflict(f"Chart ID {d.chart_id} is already used by another participant.")
        p = Participant(**_fields(d), created_at=ws.clock.now(), created_by_id=ws.actor.user_id)
        s.add(p)
        s.flush()
        audit.record(s, ws, "participant.created", "participant", p.id)
        return _view(s, p, ws.today())


def update_participant(ws: Workspace, participant_id: int, draft: ParticipantDraft, *,
                       confirm_admission: bool = False) -> ParticipantView:
    """Change a participant's details (dates checked as in ``add_participant``)."""
    _check(draft, ws.today(), confirm_admission)
    d = _clean(draft)
    with ws.transaction() as s:
        p = s.get(Participant, participant_id)
        if p is None:
            raise NotFound("That participant no longer exists.")
        clash = s.scalar(select(Participant.id).where(Participant.chart_id == d.chart_id,
                                                      Participant.id != p.id))
        if clash:
            raise Conflict(f"Chart ID {d.chart_id} is already used by another participant.")
        changed = sorted(k for k, v in _fields(d).items() if getattr(p, k) != v)
        # Old and new values go into the (encrypted) audit log, so an overwritten value can be
        # recovered from it.
        values = {k: [getattr(p, k), getattr(d, k)] for k in changed}
        for k in changed:
            setattr(p, k, getattr(d, k))
        p.updated_at, p.updated_by_id = ws.clock.now(), ws.actor.user_id
        audit.record(s, ws, "participant.updated", "participant", p.id, fields=changed,
                     changes=values)
        return _view(s, p, ws.today())


def get_participant(ws: Workspace, participant_id: int) -> ParticipantView:
    with ws.read() as s:
        p = s.get(Participant, participant_id)
        if p is None:
            raise NotFound("That participant no longer exists.")
        return _view(s, p, ws.today())


def list_participants(ws: Workspace, *, status: str | None = None) -> list[ParticipantView]:
    """All participants with their current groups, in two queries (the roster table's data)."""
    today = ws.today()
    with ws.read() as s:
        programs = dict(s.execute(select(Program.id, Program.name)).all())
        groups: dict[int, list[str]] = {}
        rows = s.execute(
            select(Enrollment.participant_id, Group.name)
            .join(Group, Group.id == Enrollment.group_id)
            .where(_current(today)).order_by(Group.name)
        )
        for pid, name in rows:
            groups.setdefault(pid, []).append(name)
        q = select(Participant).order_by(Participant.legal_name)
        if status:
            q = q.where(Participant.status == status)
        return [
            ParticipantView(**_fields(p), id=p.id,
                            program_name=programs.get(p.program_id or 0, ""),
                            groups=", ".join(groups.get(p.id, [])))
            for p in s.scalars(q)
        ]


# -- enrollments ---------------------------------------------------------------------------------
def _enrollment_view(e: Enrollment, group_name: str) -> EnrollmentView:
    return EnrollmentView(e.id, e.participant_id, e.group_id, group_name, e.start_date, e.end_date)


def enroll(ws: Workspace, participant_id: int, group_id: int, start: date,
           end: date | None = None) -> EnrollmentView:
    c = Checker()
    c.order("end_date", start, end, "The enrollment ends before it starts.")
    c.raise_if_any()
    with ws.transaction() as s:
        p, g = s.get(Participant, participant_id), s.get(Group, group_id)
        if p is None or g is None:
            raise NotFound("That participant or group no longer exists.")
        if start < p.admission_date:
            raise Conflict("The enrollment starts before the participant's admission date.")
        if p.discharge_date is not None and start > p.discharge_date:
            raise Conflict("The enrollment starts after the participant's discharge date.")
        overlapping = s.scalar(select(Enrollment.id).where(
            Enrollment.participant_id == p.id, Enrollment.group_id == g.id,
            or_(Enrollment.end_date.is_(None), Enrollment.end_date >= start),
            *([Enrollment.start_date <= end] if end else []),
        ))
        if overlapping:
            raise Conflict(f"The participant is already enrolled in {g.name} for those dates.")
        e = Enrollment(participant_id=p.id, group_id=g.id, start_date=start, end_date=end,
                       created_at=ws.clock.now(), created_by_id=ws.actor.user_id)
        s.add(e)
        s.flush()
        audit.record(s, ws, "enrollment.created", "participant", p.id, group_id=g.id,
                     start=start, end=end)
        return _enrollment_view(e, g.name)


def end_enrollment(ws: Workspace, enrollment_id: int, end: date) -> EnrollmentView:
    with ws.transaction() as s:
        e = s.get(Enrollment, enrollment_id)
        if e is None:
            raise NotFound("That enrollment no longer exists.")
        if end < e.start_date:
            raise Conflict("The enrollment cannot end before it started.")
        e.end_date, e.updated_at, e.updated_by_id = end, ws.clock.now(), ws.actor.user_id
        audit.record(s, ws, "enrollment.ended", "participant", e.participant_id, end=end)
        group = s.get(Group, e.group_id)
        return _enrollment_view(e, group.name if group else "")


def enrollments(ws: Workspace, participant_id: int) -> list[EnrollmentView]:
    with ws.read() as s:
        rows = s.execute(
            select(Enrollment, Group.name).join(Group, Group.id == Enrollment.group_id)
            .where(Enrollment.participant_id == participant_id)
            .order_by(Enrollment.start_date.desc())
        )
        return [_enrollment_view(e, name) for e, name in rows]


def group_members(ws: Workspace, group_id: int, on: date | None = None
                  ) -> list[ParticipantView]:
    """Participants enrolled in a group on a date (today by default)."""
    on = on or ws.today()
    with ws.read() as s:
        rows = s.scalars(
            select(Participant).join(Enrollment, Enrollment.participant_id == Participant.id)
            .where(Enrollment.group_id == group_id, _current(on))
            .order_by(Participant.preferred_name, Participant.legal_name)
        ).all()
        return [ParticipantView(**_fields(p), id=p.id) for p in rows]


# -- goals and drug tests ------------------------------------------------------------------------
def add_goal(ws: Workspace, participant_id: int, text: str) -> GoalView:
    c = Checker()
    cleaned = c.text("text", "The goal", text, max_len=MAX_TEXT)
    c.raise_if_any()
    with ws.transaction() as s:
        if s.get(Participant, participant_id) is None:
            raise NotFound("That participant no longer exists.")
        goal = TreatmentGoal(participant_id=participant_id, text=cleaned,
                             created_at=ws.clock.now(), created_by_id=ws.actor.user_id)
        s.add(goal)
        s.flush()
        audit.record(s, ws, "goal.created", "participant", participant_id, goal_id=goal.id)
        return GoalView(goal.id, goal.text, goal.status)


def goals(ws: Workspace, participant_id: int) -> list[GoalView]:
    with ws.read() as s:
        rows = s.scalars(select(TreatmentGoal).where(
            TreatmentGoal.participant_id == participant_id).order_by(TreatmentGoal.id))
        return [GoalView(g.id, g.text, g.status) for g in rows]


def add_drug_test(ws: Workspace, participant_id: int, collected_on: date, result: str,
                  substances: str = "") -> DrugTestView:
    c = Checker()
    if result not in DRUG_TEST_RESULTS:
        c.fail("result", f"Result must be one of {', '.join(DRUG_TEST_RESULTS)}.")
    if collected_on > ws.today():
        c.fail("collected_on", "The collection date is in the future.")
    cleaned = c.text("substances", "Substances", substances, required=False)
    c.raise_if_any()
    with ws.transaction() as s:
        if s.get(Participant, participant_id) is None:
            raise NotFound("That participant no longer exists.")
        t = DrugTest(participant_id=participant_id, collected_on=collected_on, result=result,
                     substances=cleaned, created_at=ws.clock.now(),
                     created_by_id=ws.actor.user_id)
        s.add(t)
        s.flush()
        audit.record(s, ws, "drug_test.created", "participant", participant_id, test_id=t.id)
        return DrugTestView(t.id, t.collected_on, t.result, t.substances)


def drug_tests(ws: Workspace, participant_id: int) -> list[DrugTestView]:
    with ws.read() as s:
        rows = s.scalars(select(DrugTest).where(DrugTest.participant_id == participant_id)
                         .order_by(DrugTest.collected_on.desc()))
        return [DrugTestView(t.id, t.collected_on, t.result, t.substances) for t in rows]
