"""Past blocks for the demo clinic and the benchmark dataset, generated in bulk.

Sessions (ended) with segments, attendance (some late, some leaving early, some stepping out),
check-in and check-out responses scored by the real form rules, a few flags (addressed), and
jots in fictional, neutral words; plus a planned session today for every group meeting today.
Rows go in with bulk ``insert`` and ids assigned here, so five years of eight groups take seconds.
One audit event records the generation; individual rows are not audited (they are not real care).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ...forms import FormDefinition, score
from ...models.roster import Enrollment, Group, GroupFacilitator, Participant, Program
from ...models.sessions import (
    Attendance,
    FormResponse,
    GroupSession,
    Jot,
    OutOfRoom,
    SafetyFlag,
    Segment,
    SessionFacilitator,
)
from .. import audit
from ..workspace import Workspace
from . import minutes as mins
from ._common import local_instant
from .blocks import plan
from .checkins import forms_catalog

JOTS = ("Shared an example of using a coping skill this week.",
        "Quiet during the module; engaged more in process group.",
        "Offered support to a peer; stayed on topic.",
        "Practised the breathing exercise with the group.",
        "Asked for a handout to take home.",
        "Reported a stressful weekend; used the plan discussed last time.")
FOLLOW_UP = "Talked one to one after group; safety plan reviewed; no immediate risk (demo)."
TAKEAWAYS = ("Paced breathing", "Urge surfing", "Opposite action", "Check the facts", "TIPP")
BATCH = 400  # sessions per flush: keeps memory flat for multi-year histories


class _Ids:
    """Next free primary key per table, read once; bulk rows carry explicit ids."""

    def __init__(self, s: Session) -> None:
        self._next: dict[type[Any], int] = {}
        for model in (GroupSession, Segment, Attendance, OutOfRoom, FormResponse, SafetyFlag,
                      Jot):
            self._next[model] = (s.scalar(select(func.max(model.id))) or 0) + 1

    def take(self, model: type[Any]) -> int:
        value = self._next[model]
        self._next[model] = value + 1
        return value


def _dates(first: date, last: date, weekdays: set[int]) -> Iterator[date]:
    day = first
    while day <= last:
        if day.isoweekday() in weekdays:
            yield day
        day += timedelta(days=1)


def _checkin(rng: random.Random) -> dict[str, object]:
    use = rng.random() < 0.08
    answers: dict[str, object] = {
        "mood": rng.randint(3, 9), "anxiety": rng.randint(1, 8),
        "craving": min(10, int(rng.expovariate(0.45))), "use": use,
        "sleep-hours": round(rng.uniform(4.5, 9.0) * 2) / 2,
        "medication": rng.choice(("yes", "yes", "yes", "partly", "not-prescribed")),
        "safety": rng.random() < 0.01, "goal": "Use one skill before the weekend (demo).",
    }
    if use:
        answers["use-what"] = "Alcohol (demo)"
    return answers


class _Rows:
    def __init__(self) -> None:
        self.by_model: dict[type[Any], list[dict[str, Any]]] = {}

    def add(self, model: type[Any], row: dict[str, Any]) -> None:
        self.by_model.setdefault(model, []).append(row)

    def flush(self, s: Session) -> dict[str, int]:
        counts = {}
        for model in (GroupSession, SessionFacilitator, Segment, Attendance, OutOfRoom,
                      FormResponse, SafetyFlag, Jot):
            rows = self.by_model.get(model)
            if rows:
                s.execute(insert(model), rows)
                counts[model.__tablename__] = len(rows)
        self.by_model.clear()
        return counts


class _Generator:
    def __init__(self, s: Session, ws: Workspace, rng: random.Random) -> None:
        self.s, self.ws, self.rng = s, ws, rng
        self.ids = _Ids(s)
        self.rows = _Rows()
        self.user = ws.actor.user_id
        forms = forms_catalog().forms
        self.checkin: FormDefinition | None = forms.get("checkin")
        self.checkout: FormDefinition | None = forms.get("checkout")
        self.counts: dict[str, int] = {}

    def flush(self) -> None:
        for name, n in self.rows.flush(self.s).items():
            self.counts[name] = self.counts.get(name, 0) + n

    def session(self, group: Group, program: Program, lead: int, day: date,
                members: list[int]) -> None:
        rng, tz, user = self.rng, self.ws.timezone, self.user
        planned_start = local_instant(day, group.block_start, tz)
        planned_end = local_instant(day, group.block_end, tz)
        sid = self.ids.take(GroupSession)
        start = planned_start + timedelta(minutes=rng.randint(0, 3))
        at = start
        breaks: list[mins.Interval] = []
        for n, part in enumerate(group.template or []):
            end = at + timedelta(minutes=int(part["minutes"]) + rng.randint(-2, 3))
            self.rows.add(Segment, dict(
                id=self.ids.take(Segment), session_id=sid, position=n, kind=part["kind"],
                title=part.get("title") or part["kind"], planned_minutes=int(part["minutes"]),
                actual_start=at, actual_end=end, skipped=False, topic_version_id=None,
                topic_text="Demo topic" if part["kind"] == "module" else "",
                created_at=at, created_by_id=user))
            if part["kind"] == "break":
                breaks.append((at, end))
            at = end
        end_at = at
        self.rows.add(GroupSession, dict(
            id=sid, group_id=group.id, session_date=day, status="ended",
            planned_start=planned_start, planned_end=planned_end, actual_start=start,
            actual_end=end_at, modality=group.modality, location=group.location,
            not_held_reason="", lead_facilitator_id=lead, created_at=planned_start,
            created_by_id=user))
        self.rows.add(SessionFacilitator, dict(session_id=sid, user_id=lead))
        window = (start, end_at)
        for pid in members:
            self.attendance(sid, pid, window, breaks, program.break_counts_as_service)
        if rng.random() < 0.7:
            self.rows.add(Jot, dict(id=self.ids.take(Jot), session_id=sid,
                                    participant_id=rng.choice(members) if members else None,
                                    at=start + timedelta(minutes=rng.randint(10, 170)),
                                    text=rng.choice(JOTS), created_at=end_at,
                                    created_by_id=user))

    def attendance(self, sid: int, pid: int, window: mins.Interval,
                   breaks: list[mins.Interval], break_counts: bool) -> None:
        rng, user = self.rng, self.user
        start, end = window
        roll = rng.random()
        arrived: datetime | None = start - timedelta(minutes=rng.randint(0, 5))
        departed: datetime | None = None
        status = "present"
        if roll < 0.05:
            status, arrived = "absent", None
        elif roll < 0.08:
            status, arrived = "excused", None
        elif roll < 0.15:
            status, arrived = "late", start + timedelta(minutes=rng.randint(6, 30))
        elif roll < 0.20:
            status, departed = "left_early", end - timedelta(minutes=rng.randint(15, 60))
        aid = self.ids.take(Attendance)
        gaps: list[mins.Interval] = []
        if arrived is not None and rng.random() < 0.1:
            left = start + timedelta(minutes=rng.randint(100, 140))
            gaps.append((left, left + timedelta(minutes=rng.randint(3, 15))))
            self.rows.add(OutOfRoom, dict(id=self.ids.take(OutOfRoom), attendance_id=aid,
                                          left_at=gaps[0][0], returned_at=gaps[0][1],
                                          created_at=gaps[0][0], created_by_id=user))
        minutes = mins.service_minutes(window, arrived, departed, breaks=breaks,
                                       out_of_room=gaps, break_counts_as_service=break_counts)
        self.rows.add(Attendance, dict(
            id=aid, session_id=sid, participant_id=pid, status=status, arrived_at=arrived,
            departed_at=departed, walk_in=False, minutes=minutes, created_at=start,
            created_by_id=user))
        if arrived is None:
            return
        if self.checkin is not None:
            self.response(sid, pid, self.checkin, _checkin(rng), max(arrived, start))
        if self.checkout is not None and departed is None:
            answers = {"takeaway": rng.choice(TAKEAWAYS), "craving-now": rng.randint(0, 6),
                       "safe": rng.random() > 0.005}
            self.response(sid, pid, self.checkout, answers, end - timedelta(minutes=10))

    def response(self, sid: int, pid: int, form: FormDefinition, answers: dict[str, object],
                 at: datetime) -> None:
        result = score(form, answers)
        rid = self.ids.take(FormResponse)
        self.rows.add(FormResponse, dict(
            id=rid, session_id=sid, participant_id=pid, form_id=form.id,
            form_version=form.version, answers=answers, total=result.total, band=result.band,
            summary=result.summary, created_at=at, created_by_id=self.user))
        for flag in result.flags:
            addressed = at + timedelta(minutes=30) if flag.severity == "high" else None
            self.rows.add(SafetyFlag, dict(
                id=self.ids.take(SafetyFlag), participant_id=pid, session_id=sid,
                response_id=rid, code=flag.code, severity=flag.severity, message=flag.message,
                raised_at=at, addressed_at=addressed,
                addressed_by_id=self.user if addressed else None,
                follow_up=FOLLOW_UP if addressed else "", created_at=at, created_by_id=self.user))


def add_history(ws: Workspace, weeks: int, rng: random.Random) -> dict[str, int]:
    """Generate ``weeks`` of ended past sessions for every active group (days without a session
    yet only) and a planned session today for each group meeting today. Returns row counts."""
    day0 = ws.today()
    first = day0 - timedelta(weeks=weeks)
    with ws.transaction() as s:
        gen = _Generator(s, ws, rng)
        groups = list(s.scalars(select(Group).where(Group.active.is_(True)).order_by(Group.id)))
        programs = {p.id: p for p in s.scalars(select(Program))}
        leads: dict[int, int] = {}
        for gf in s.scalars(select(GroupFacilitator).order_by(GroupFacilitator.user_id)):
            leads.setdefault(gf.group_id, gf.user_id)
        admitted = dict(s.execute(select(Participant.id, Participant.admission_date)).all())
        enrollments: dict[int, list[tuple[int, date, date | None]]] = {}
        for e in s.scalars(select(Enrollment)):
            enrollments.setdefault(e.group_id, []).append((e.participant_id, e.start_date,
                                                           e.end_date))
        taken = set(s.execute(select(GroupSession.group_id, GroupSession.session_date)
                              .where(GroupSession.session_date >= first)).all())
        pending = 0
        for group in groups:
            weekdays = {int(x) for x in group.weekdays.split(",") if x}
            lead = leads.get(group.id, ws.actor.user_id)
            roster = enrollments.get(group.id, [])
            for day in _dates(first, day0 - timedelta(days=1), weekdays):
                if (group.id, day) in taken:
                    continue
                members = sorted(pid for pid, start, end in roster
                                 if start <= day and (end is None or end >= day)
                                 and admitted.get(pid, day) <= day)
                gen.session(group, programs[group.program_id], lead, day, members)
                pending += 1
                if pending >= BATCH:
                    gen.flush()
                    pending = 0
        gen.flush()
        planned = 0
        for group in groups:
            weekdays = {int(x) for x in group.weekdays.split(",") if x}
            if day0.isoweekday() in weekdays and (group.id, day0) not in taken:
                plan(s, ws, group, day0, local_instant(day0, group.block_start, ws.timezone),
                     local_instant(day0, group.block_end, ws.timezone), group.template or [])
                planned += 1
        gen.counts["planned_today"] = planned
        audit.record(s, ws, "demo.history_generated", "clinic", "", weeks=weeks, **gen.counts)
        return dict(gen.counts)
