"""Rotation plans per group and the calendar of upcoming sessions with their planned topics.

A plan is a cycle of ``cycle_weeks`` weeks; each cell is (cycle week, meeting weekday, module
slot) → topic, where slot 0 is the block's first ``module`` segment, slot 1 the second, and so on.
The cycle week of a date is ``((date - start_date).days // 7) % cycle_weeks`` with ``start_date``
a Monday. A cell whose topic (or its module) was retired stays in the plan and is flagged
``retired`` so the planner sees it; nothing crashes and nothing is silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models.curriculum import CurriculumModule, CurriculumTopic, RotationEntry, RotationPlan
from ...models.roster import Group
from .. import audit
from ..errors import NotFound
from ..validation import Checker
from ..workspace import Workspace
from . import _store
from .dto import CalendarDay, PlanCell, PlanEntry, PlannedSlot, PlanView, TopicView

MAX_CYCLE_WEEKS = 12
DEFAULT_CYCLE_WEEKS = 4


def module_slots(template: Sequence[dict[str, Any]]) -> int:
    """Module segments in a block template (at least one, so every group can be planned)."""
    return max(1, sum(1 for seg in template if seg.get("kind") == "module"))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def cycle_week(start_date: date, cycle_weeks: int, day: date) -> int:
    return ((day - start_date).days // 7) % cycle_weeks


def _group(s: Session, group_id: int) -> Group:
    g = s.get(Group, group_id)
    if g is None:
        raise NotFound("That group no longer exists.")
    return g


def _weekdays(g: Group) -> tuple[int, ...]:
    return tuple(int(x) for x in g.weekdays.split(",") if x)


def _cells(s: Session, plan: RotationPlan | None) -> tuple[PlanCell, ...]:
    if plan is None:
        return ()
    rows = s.execute(
        select(RotationEntry, CurriculumTopic, CurriculumModule.retired)
        .join(CurriculumTopic, CurriculumTopic.id == RotationEntry.topic_id)
        .join(CurriculumModule, CurriculumModule.id == CurriculumTopic.module_id)
        .where(RotationEntry.plan_id == plan.id)
        .order_by(RotationEntry.week, RotationEntry.weekday, RotationEntry.slot)
    ).all()
    titles = {t.key: _store.summary(t, v, m).title
              for t, v, m in _store.current_rows(s, topic_ids={t.id for _e, t, _r in rows})}
    return tuple(PlanCell(e.week, e.weekday, e.slot, t.key, titles.get(t.key, t.key),
                          t.retired or module_retired) for e, t, module_retired in rows)


def _plan_view(s: Session, g: Group, plan: RotationPlan | None, today: date) -> PlanView:
    slots = module_slots(g.template)
    if plan is None:
        return PlanView(g.id, g.name, DEFAULT_CYCLE_WEEKS, monday_of(today), _weekdays(g),
                        slots, (), exists=False)
    return PlanView(g.id, g.name, plan.cycle_weeks, plan.start_date, _weekdays(g), slots,
                    _cells(s, plan))


def get_plan(ws: Workspace, group_id: int) -> PlanView:
    """The group's rotation plan; an empty 4-week plan (``exists=False``) if none is saved."""
    with ws.read() as s:
        g = _group(s, group_id)
        plan = s.scalar(select(RotationPlan).where(RotationPlan.group_id == g.id))
        return _plan_view(s, g, plan, ws.today())


def save_plan(ws: Workspace, group_id: int, cycle_weeks: int, entries: Sequence[PlanEntry],
              start_date: date | None = None) -> PlanView:
    """Replace the group's plan with ``entries`` (one transaction, audited). A cell planned
    before keeps its entry (its topic changed in place, if it changed): clinic sync then sees
    the cells this save changed, not a new plan, and a cell removed on one laptop while
    another laptop's save kept it as it was stays removed."""
    with ws.transaction() as s:
        g = _group(s, group_id)
        weekdays, slots = _weekdays(g), module_slots(g.template)
        c = Checker()
        if not 1 <= cycle_weeks <= MAX_CYCLE_WEEKS:
            c.fail("cycle_weeks", f"The cycle must be 1 to {MAX_CYCLE_WEEKS} weeks long.")
        keys = {e.topic_key for e in entries}
        topics = {t.key: t.id for t in s.scalars(
            select(CurriculumTopic).where(CurriculumTopic.key.in_(keys)))}
        seen: set[tuple[int, int, int]] = set()
        for e in entries:
            cell = (e.week, e.weekday, e.slot)
            if not 0 <= e.week < cycle_weeks:
                c.fail("entries", f"Week {e.week + 1} is outside the {cycle_weeks}-week cycle.")
            elif e.weekday not in weekdays:
                c.fail("entries", "The group does not meet on one of the planned days.")
            elif not 0 <= e.slot < slots:
                c.fail("entries", f"The block has only {slots} module segment(s).")
            elif e.topic_key not in topics:
                c.fail("entries", f"The topic {e.topic_key!r} is not in the library.")
            elif cell in seen:
                c.fail("entries", "Two topics were planned for the same slot.")
            seen.add(cell)
        c.raise_if_any()
        plan = s.scalar(select(RotationPlan).where(RotationPlan.group_id == g.id))
        now = ws.clock.now()
        if plan is None:
            plan = RotationPlan(group_id=g.id, cycle_weeks=cycle_weeks,
                                start_date=monday_of(start_date or ws.today()),
                                created_at=now, created_by_id=ws.actor.user_id)
            s.add(plan)
            s.flush()
        else:
            plan.cycle_weeks = cycle_weeks
            if start_date is not None:
                plan.start_date = monday_of(start_date)
            plan.updated_at, plan.updated_by_id = now, ws.actor.user_id
        planned = {(r.week, r.weekday, r.slot): r for r in s.scalars(
            select(RotationEntry).where(RotationEntry.plan_id == plan.id))}
        wanted = {(e.week, e.weekday, e.slot): topics[e.topic_key] for e in entries}
        for cell, row in planned.items():
            if cell not in wanted:
                s.delete(row)
            elif row.topic_id != wanted[cell]:
                row.topic_id = wanted[cell]
        s.add_all(RotationEntry(plan_id=plan.id, week=e.week, weekday=e.weekday, slot=e.slot,
                                topic_id=topics[e.topic_key]) for e in entries
                  if (e.week, e.weekday, e.slot) not in planned)
        s.flush()
        audit.record(s, ws, "plan.saved", "group", g.id, cycle_weeks=cycle_weeks,
                     entries=len(entries))
        return _plan_view(s, g, plan, ws.today())


def planned_topic(ws: Workspace, group_id: int, day: date, slot: int) -> TopicView | None:
    """The plan's topic for a group's module slot on a date (current text), or None.

    For the live console: a retired topic is still returned, with ``retired=True``, so the
    console can show it flagged and let the facilitator swap it.
    """
    with ws.read() as s:
        return planned_topic_in(s, group_id, day, slot)


def planned_topic_in(s: Session, group_id: int, day: date, slot: int) -> TopicView | None:
    """``planned_topic`` inside the caller's transaction (the console adopts the planned topic
    in the same transaction that starts the segment)."""
    plan = s.scalar(select(RotationPlan).where(RotationPlan.group_id == group_id))
    if plan is None:
        return None
    topic_id = s.scalar(select(RotationEntry.topic_id).where(
        RotationEntry.plan_id == plan.id, RotationEntry.slot == slot,
        RotationEntry.weekday == day.isoweekday(),
        RotationEntry.week == cycle_week(plan.start_date, plan.cycle_weeks, day)))
    if topic_id is None:
        return None
    rows = _store.current_rows(s, topic_ids=[topic_id])
    return _store.topic_view(*rows[0]) if rows else None


def calendar(ws: Workspace, group_id: int, start: date | None = None, weeks: int = 4
             ) -> list[CalendarDay]:
    """Meeting days of the group from ``start`` (today) for ``weeks`` weeks, with planned topics."""
    with ws.read() as s:
        g = _group(s, group_id)
        plan = s.scalar(select(RotationPlan).where(RotationPlan.group_id == g.id))
        view = _plan_view(s, g, plan, ws.today())
        by_cell = {(c.week, c.weekday, c.slot): c for c in view.cells}
        first = start or ws.today()
        days: list[CalendarDay] = []
        for offset in range(weeks * 7):
            day = first + timedelta(days=offset)
            if day.isoweekday() not in view.weekdays:
                continue
            week = cycle_week(view.start_date, view.cycle_weeks, day)
            slots = []
            for slot in range(view.slots):
                cell = by_cell.get((week, day.isoweekday(), slot))
                slots.append(PlannedSlot(slot, cell.topic_key if cell else None,
                                         cell.title if cell else "", bool(cell and cell.retired)))
            days.append(CalendarDay(day, day.isoweekday(), week, tuple(slots)))
        return days
