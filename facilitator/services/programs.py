"""Programs (SUD or mental-health IOP) and groups with their weekly schedule (admins edit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Any

from sqlalchemy import select

from ..models.roster import (
    MODALITIES,
    PART2_SHORT_NOTICE,
    PROGRAM_KINDS,
    Group,
    GroupFacilitator,
    Program,
)
from . import audit
from .errors import NotFound
from .validation import Checker
from .workspace import Workspace

DEFAULT_TEMPLATE: tuple[dict[str, Any], ...] = (
    {"kind": "checkin", "title": "Check-in", "minutes": 30},
    {"kind": "module", "title": "Skills module", "minutes": 45},
    {"kind": "break", "title": "Break", "minutes": 15},
    {"kind": "process", "title": "Skills practice and process group", "minutes": 60},
    {"kind": "checkout", "title": "Check-out", "minutes": 30},
)
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class ProgramView:
    id: int
    name: str
    kind: str
    level_of_care: str
    daily_minimum_minutes: int
    weekly_minimum_minutes: int
    break_counts_as_service: bool
    billing_code: str
    note_deadline_hours: int
    redisclosure_notice: str

    @property
    def is_part2(self) -> bool:
        return self.kind == "sud"


@dataclass(frozen=True)
class ProgramDraft:
    name: str
    kind: str
    level_of_care: str = "ASAM 2.1"
    daily_minimum_minutes: int = 180
    weekly_minimum_minutes: int = 540
    break_counts_as_service: bool = False
    billing_code: str = ""
    note_deadline_hours: int = 72
    redisclosure_notice: str | None = None  # None: the default for the program kind


@dataclass(frozen=True)
class GroupView:
    id: int
    name: str
    program_id: int
    program_name: str
    weekdays: tuple[int, ...]
    block_start: time
    block_end: time
    capacity: int
    modality: str
    location: str
    template: tuple[dict[str, Any], ...]
    facilitator_ids: tuple[int, ...]
    active: bool

    @property
    def schedule_text(self) -> str:
        days = ", ".join(WEEKDAY_NAMES[d - 1] for d in self.weekdays)
        return f"{days} {self.block_start:%H:%M}–{self.block_end:%H:%M}"


@dataclass(frozen=True)
class GroupDraft:
    name: str
    program_id: int
    weekdays: tuple[int, ...]
    block_start: time
    block_end: time
    capacity: int = 12
    modality: str = "in_person"
    location: str = ""
    template: tuple[dict[str, Any], ...] = DEFAULT_TEMPLATE
    facilitator_ids: tuple[int, ...] = field(default_factory=tuple)


def program_view(p: Program) -> ProgramView:
    return ProgramView(p.id, p.name, p.kind, p.level_of_care, p.daily_minimum_minutes,
                       p.weekly_minimum_minutes, p.break_counts_as_service, p.billing_code,
                       p.note_deadline_hours, p.redisclosure_notice)


def _check_program(d: ProgramDraft) -> None:
    c = Checker()
    c.text("name", "The program name", d.name)
    if d.kind not in PROGRAM_KINDS:
        c.fail("kind", "Kind must be substance use (sud) or mental health (mh).")
    if not 0 < d.daily_minimum_minutes <= 24 * 60:
        c.fail("daily_minimum_minutes", "The daily minimum must be between 1 and 1440 minutes.")
    if not 0 < d.weekly_minimum_minutes <= 7 * 24 * 60:
        c.fail("weekly_minimum_minutes", "The weekly minimum must be a positive number of minutes.")
    if not 1 <= d.note_deadline_hours <= 24 * 14:
        c.fail("note_deadline_hours", "The note deadline must be between 1 hour and 14 days.")
    c.raise_if_any()


def add_program(ws: Workspace, d: ProgramDraft) -> ProgramView:
    ws.require("admin")
    _check_program(d)
    notice = d.redisclosure_notice
    if notice is None:
        notice = PART2_SHORT_NOTICE if d.kind == "sud" else ""
    with ws.transaction() as s:
        p = Program(name=d.name.strip(), kind=d.kind, level_of_care=d.level_of_care.strip(),
                    daily_minimum_minutes=d.daily_minimum_minutes,
                    weekly_minimum_minutes=d.weekly_minimum_minutes,
                    break_counts_as_service=d.break_counts_as_service,
                    billing_code=d.billing_code.strip(), note_deadline_hours=d.note_deadline_hours,
                    redisclosure_notice=notice, created_at=ws.clock.now(),
                    created_by_id=ws.actor.user_id)
        s.add(p)
        s.flush()
        audit.record(s, ws, "program.created", "program", p.id)
        return program_view(p)


def list_programs(ws: Workspace) -> list[ProgramView]:
    with ws.transaction() as s:
        return [program_view(p) for p in s.scalars(select(Program).order_by(Program.name))]


def _check_group(d: GroupDraft) -> None:
    c = Checker()
    c.text("name", "The group name", d.name)
    if not d.weekdays or any(not 1 <= w <= 7 for w in d.weekdays):
        c.fail("weekdays", "Pick at least one meeting day.")
    if d.block_end <= d.block_start:
        c.fail("block_end", "The block must end after it starts.")
    if not 1 <= d.capacity <= 40:
        c.fail("capacity", "Capacity must be between 1 and 40.")
    if d.modality not in MODALITIES:
        c.fail("modality", "Modality must be in person or telehealth.")
    c.text("location", "The location", d.location, required=False)
    if not d.template:
        c.fail("template", "The block template needs at least one segment.")
    c.raise_if_any()


def group_view(g: Group, facilitator_ids: tuple[int, ...]) -> GroupView:
    return GroupView(
        g.id, g.name, g.program_id, g.program.name,
        tuple(int(x) for x in g.weekdays.split(",") if x), g.block_start, g.block_end,
        g.capacity, g.modality, g.location, tuple(g.template), facilitator_ids, g.active,
    )


def add_group(ws: Workspace, d: GroupDraft) -> GroupView:
    ws.require("admin")
    _check_group(d)
    with ws.transaction() as s:
        if s.get(Program, d.program_id) is None:
            raise NotFound("That program no longer exists.")
        g = Group(name=d.name.strip(), program_id=d.program_id,
                  weekdays=",".join(str(w) for w in sorted(set(d.weekdays))),
                  block_start=d.block_start, block_end=d.block_end, capacity=d.capacity,
                  modality=d.modality, location=d.location.strip(), template=list(d.template),
                  created_at=ws.clock.now(), created_by_id=ws.actor.user_id)
        s.add(g)
        s.flush()
        s.add_all(GroupFacilitator(group_id=g.id, user_id=u) for u in set(d.facilitator_ids))
        audit.record(s, ws, "group.created", "group", g.id)
        s.refresh(g)
        return group_view(g, tuple(sorted(set(d.facilitator_ids))))


def list_groups(ws: Workspace, *, include_inactive: bool = False) -> list[GroupView]:
    with ws.transaction() as s:
        q = select(Group).order_by(Group.name)
        if not include_inactive:
            q = q.where(Group.active.is_(True))
        groups = list(s.scalars(q))
        facs: dict[int, list[int]] = {}
        for gf in s.scalars(select(GroupFacilitator)):
            facs.setdefault(gf.group_id, []).append(gf.user_id)
        return [group_view(g, tuple(sorted(facs.get(g.id, [])))) for g in groups]
