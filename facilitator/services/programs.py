"""Programs (SUD or mental-health IOP) and groups with their weekly schedule and block template
(admins add, edit, deactivate and reactivate them).

A group's template is copied into a session's segments when the session is planned
(``services.console.blocks.plan``), so editing a group's schedule or template changes only
sessions planned afterwards; sessions already planned keep their own segments and times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models.roster import (
    PART2_SHORT_NOTICE,
    Group,
    GroupFacilitator,
    Program,
)
from ..models.users import User
from . import audit
from .errors import Conflict, NotFound, ValidationError
from .program_rules import DEFAULT_TEMPLATE as DEFAULT_TEMPLATE  # re-exported: the drafts and
from .program_rules import GroupDraft as GroupDraft  # their default live next to their rules
from .program_rules import ProgramDraft as ProgramDraft
from .program_rules import check_group, check_program, clean_template
from .workspace import Workspace

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FACILITATOR_ROLES = ("therapist", "supervisor")  # who may lead a group


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
    active: bool = True
    note_format: str = "DAP"
    unit_rule: str = "per_diem"
    absence_notes: bool = True

    @property
    def is_part2(self) -> bool:
        return self.kind == "sud"


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


# -- programs -------------------------------------------------------------------------------------
def program_view(p: Program) -> ProgramView:
    return ProgramView(p.id, p.name, p.kind, p.level_of_care, p.daily_minimum_minutes,
                       p.weekly_minimum_minutes, p.break_counts_as_service, p.billing_code,
                       p.note_deadline_hours, p.redisclosure_notice, p.active, p.note_format,
                       p.unit_rule, p.absence_notes)


def _default_notice(kind: str) -> str:
    return PART2_SHORT_NOTICE if kind == "sud" else ""


def add_program(ws: Workspace, d: ProgramDraft) -> ProgramView:
    """A new, active program; the redisclosure notice defaults to the Part 2 short form for SUD."""
    ws.require("admin")
    check_program(d)
    notice = d.redisclosure_notice
    if notice is None:
        notice = _default_notice(d.kind)
    with ws.transaction() as s:
        p = Program(name=d.name.strip(), kind=d.kind, level_of_care=d.level_of_care.strip(),
                    daily_minimum_minutes=d.daily_minimum_minutes,
                    weekly_minimum_minutes=d.weekly_minimum_minutes,
                    break_counts_as_service=d.break_counts_as_service,
                    billing_code=d.billing_code.strip(), note_deadline_hours=d.note_deadline_hours,
                    redisclosure_notice=notice.strip(), active=True, note_format=d.note_format,
                    unit_rule=d.unit_rule, absence_notes=d.absence_notes,
                    created_at=ws.clock.now(), created_by_id=ws.actor.user_id)
        s.add(p)
        s.flush()
        audit.record(s, ws, "program.created", "program", p.id)
        return program_view(p)


def _program(s: Session, program_id: int) -> Program:
    p = s.get(Program, program_id)
    if p is None:
        raise NotFound("That program no longer exists.")
    return p


def update_program(ws: Workspace, program_id: int, d: ProgramDraft) -> ProgramView:
    """Change a program's settings. A ``None`` notice keeps the current one (or takes the kind's
    default when the kind changes)."""
    ws.require("admin")
    check_program(d)
    with ws.transaction() as s:
        p = _program(s, program_id)
        notice = d.redisclosure_notice
        if notice is None:
            notice = p.redisclosure_notice if d.kind == p.kind else _default_notice(d.kind)
        values: dict[str, Any] = {
            "name": d.name.strip(), "kind": d.kind, "level_of_care": d.level_of_care.strip(),
            "daily_minimum_minutes": d.daily_minimum_minutes,
            "weekly_minimum_minutes": d.weekly_minimum_minutes,
            "break_counts_as_service": d.break_counts_as_service,
            "billing_code": d.billing_code.strip(), "note_deadline_hours": d.note_deadline_hours,
            "redisclosure_notice": notice.strip(), "note_format": d.note_format,
            "unit_rule": d.unit_rule, "absence_notes": d.absence_notes,
        }
        changed = sorted(k for k, v in values.items() if getattr(p, k) != v)
        for k in changed:
            setattr(p, k, values[k])
        p.updated_at, p.updated_by_id = ws.clock.now(), ws.actor.user_id
        audit.record(s, ws, "program.updated", "program", p.id, fields=changed)
        return program_view(p)


def set_program_active(ws: Workspace, program_id: int, active: bool) -> ProgramView:
    """Deactivate (refused while the program has active groups) or reactivate a program."""
    ws.require("admin")
    with ws.transaction() as s:
        p = _program(s, program_id)
        if not active:
            n = s.scalar(select(func.count()).select_from(Group).where(
                Group.program_id == p.id, Group.active.is_(True))) or 0
            if n:
                raise Conflict(
                    f"{p.name} still has {n} active group{'s' if n != 1 else ''}; deactivate "
                    f"{'them' if n != 1 else 'it'} or move {'them' if n != 1 else 'it'} to "
                    "another program first.")
        if p.active != active:
            p.active = active
            p.updated_at, p.updated_by_id = ws.clock.now(), ws.actor.user_id
            audit.record(s, ws, "program.activated" if active else "program.deactivated",
                         "program", p.id)
        return program_view(p)


def list_programs(ws: Workspace) -> list[ProgramView]:
    """Every program, active or not (see ``ProgramView.active``), by name."""
    with ws.read() as s:
        return [program_view(p) for p in s.scalars(select(Program).order_by(Program.name))]


# -- groups ---------------------------------------------------------------------------------------
def _check_facilitators(s: Session, ids: Sequence[int]) -> None:
    wanted = set(ids)
    if not wanted:
        return
    found = {u.id: u for u in s.scalars(select(User).where(User.id.in_(wanted)))}
    if len(found) != len(wanted):
        raise ValidationError({"facilitator_ids": "A chosen facilitator's account no longer "
                                                  "exists."})
    bad = sorted(u.display_name for u in found.values()
                 if not u.active or u.role not in FACILITATOR_ROLES)
    if bad:
        raise ValidationError({"facilitator_ids": (
            "Facilitators must be active therapists or supervisors; not: "
            f"{', '.join(bad)}.")})


def _program_for_group(s: Session, program_id: int) -> Program:
    p = s.get(Program, program_id)
    if p is None:
        raise ValidationError({"program_id": "That program no longer exists."})
    if not p.active:
        raise ValidationError({"program_id": f"The program {p.name} is inactive; reactivate it "
                                             "or choose another program."})
    return p


def _weekdays_text(weekdays: Sequence[int]) -> str:
    return ",".join(str(w) for w in sorted(set(weekdays)))


def group_view(g: Group, facilitator_ids: tuple[int, ...]) -> GroupView:
    return GroupView(
        g.id, g.name, g.program_id, g.program.name,
        tuple(int(x) for x in g.weekdays.split(",") if x), g.block_start, g.block_end,
        g.capacity, g.modality, g.location, tuple(g.template), facilitator_ids, g.active,
    )


def add_group(ws: Workspace, d: GroupDraft) -> GroupView:
    """A new, active group in an active program. Facilitators must be active therapists or
    supervisors; the template's segments must fit the block."""
    ws.require("admin")
    # The built-in default (used by scripts that give no template) is not held to the block
    # length: they set up short test blocks on purpose. Any template a person edits is.
    check_group(d)
    with ws.transaction() as s:
        _program_for_group(s, d.program_id)
        _check_facilitators(s, d.facilitator_ids)
        g = Group(name=d.name.strip(), program_id=d.program_id,
                  weekdays=_weekdays_text(d.weekdays),
                  block_start=d.block_start, block_end=d.block_end, capacity=d.capacity,
                  modality=d.modality, location=d.location.strip(),
                  template=clean_template(d.template), active=True,
                  created_at=ws.clock.now(), created_by_id=ws.actor.user_id)
        s.add(g)
        s.flush()
        s.add_all(GroupFacilitator(group_id=g.id, user_id=u) for u in set(d.facilitator_ids))
        audit.record(s, ws, "group.created", "group", g.id)
        s.refresh(g)
        return group_view(g, tuple(sorted(set(d.facilitator_ids))))


def _group(s: Session, group_id: int) -> Group:
    g = s.get(Group, group_id)
    if g is None:
        raise NotFound("That group no longer exists.")
    return g


def _facilitator_ids(s: Session, group_id: int) -> set[int]:
    return set(s.scalars(select(GroupFacilitator.user_id)
                         .where(GroupFacilitator.group_id == group_id)))


def update_group(ws: Workspace, group_id: int, d: GroupDraft) -> GroupView:
    """Change a group, replacing its facilitators with ``d.facilitator_ids``. A new schedule or
    template applies to sessions planned from now on; planned sessions keep theirs."""
    ws.require("admin")
    check_group(d)
    with ws.transaction() as s:
        g = _group(s, group_id)
        if d.program_id != g.program_id:
            _program_for_group(s, d.program_id)
        _check_facilitators(s, d.facilitator_ids)
        values: dict[str, Any] = {
            "name": d.name.strip(), "program_id": d.program_id,
            "weekdays": _weekdays_text(d.weekdays), "block_start": d.block_start,
            "block_end": d.block_end, "capacity": d.capacity, "modality": d.modality,
            "location": d.location.strip(), "template": clean_template(d.template),
        }
        changed = [k for k, v in values.items() if getattr(g, k) != v]
        for k in changed:
            setattr(g, k, values[k])  # a new list for the JSON template, so it is written
        old, new = _facilitator_ids(s, g.id), set(d.facilitator_ids)
        for uid in old - new:
            s.delete(s.get(GroupFacilitator, (g.id, uid)))
        s.add_all(GroupFacilitator(group_id=g.id, user_id=uid) for uid in new - old)
        if old != new:
            changed.append("facilitator_ids")
        g.updated_at, g.updated_by_id = ws.clock.now(), ws.actor.user_id
        audit.record(s, ws, "group.updated", "group", g.id, fields=sorted(changed),
                     facilitators_added=sorted(new - old),
                     facilitators_removed=sorted(old - new))
        s.flush()
        s.refresh(g)
        return group_view(g, tuple(sorted(new)))


def set_group_active(ws: Workspace, group_id: int, active: bool) -> GroupView:
    """Deactivate a group (it leaves the schedule; its history stays) or reactivate it, which
    needs its program to be active."""
    ws.require("admin")
    with ws.transaction() as s:
        g = _group(s, group_id)
        if active and not g.program.active:
            raise Conflict(f"The program {g.program.name} is inactive; reactivate it first.")
        if g.active != active:
            g.active = active
            g.updated_at, g.updated_by_id = ws.clock.now(), ws.actor.user_id
            audit.record(s, ws, "group.activated" if active else "group.deactivated",
                         "group", g.id)
        return group_view(g, tuple(sorted(_facilitator_ids(s, g.id))))


def list_groups(ws: Workspace, *, include_inactive: bool = False) -> list[GroupView]:
    with ws.read() as s:
        q = select(Group).order_by(Group.name)
        if not include_inactive:
            q = q.where(Group.active.is_(True))
        groups = list(s.scalars(q))
        facs: dict[int, list[int]] = {}
        for gf in s.scalars(select(GroupFacilitator)):
            facs.setdefault(gf.group_id, []).append(gf.user_id)
        return [group_view(g, tuple(sorted(facs.get(g.id, [])))) for g in groups]
