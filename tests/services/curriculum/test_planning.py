"""Rotation plans, the calendar of upcoming sessions and the console's planned topic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from facilitator.models.curriculum import RotationEntry
from facilitator.services.curriculum import authoring, library, planning
from facilitator.services.curriculum.dto import PlanEntry
from facilitator.services.errors import ValidationError
from facilitator.services.workspace import Workspace

from .helpers import make_group, synced

MONDAY = date(2026, 3, 2)  # the fixture clock's today


def _four_week_plan(ws: Workspace, group_id: int) -> list[PlanEntry]:
    keys = [t.key for t in library.search_topics(ws)]
    cells = [(w, d, s) for w in range(4) for d in (1, 3, 5) for s in range(2)]
    return [PlanEntry(w, d, s, keys[i]) for i, (w, d, s) in enumerate(cells)]


def test_plan_a_four_week_rotation_and_see_the_calendar(ws: Workspace) -> None:
    synced(ws)
    group = make_group(ws)
    assert not planning.get_plan(ws, group.id).exists
    entries = _four_week_plan(ws, group.id)
    plan = planning.save_plan(ws, group.id, 4, entries)
    assert plan.exists and (plan.cycle_weeks, plan.slots, plan.start_date) == (4, 2, MONDAY)
    assert len(plan.cells) == 24 and not plan.retired_cells
    days = planning.calendar(ws, group.id, weeks=5)
    assert [d.day.isoweekday() for d in days[:3]] == [1, 3, 5] and len(days) == 15
    assert [d.cycle_week for d in days[::3]] == [0, 1, 2, 3, 0]  # the cycle wraps around
    by_cell = {(e.week, e.weekday, e.slot): e.topic_key for e in entries}
    for d in days:
        assert [s.topic_key for s in d.slots] == [by_cell[(d.cycle_week, d.weekday, 0)],
                                                  by_cell[(d.cycle_week, d.weekday, 1)]]
    wed_week2 = MONDAY + timedelta(days=7 + 2)
    planned = planning.planned_topic(ws, group.id, wed_week2, 1)
    assert planned is not None and planned.key == by_cell[(1, 3, 1)]
    assert planning.planned_topic(ws, group.id, MONDAY + timedelta(days=1), 0) is None  # Tue


def test_reordering_keeps_one_topic_per_slot(ws: Workspace) -> None:
    synced(ws)
    group = make_group(ws)
    entries = _four_week_plan(ws, group.id)
    first, second = entries[0], entries[1]
    swapped = [PlanEntry(e.week, e.weekday, e.slot, second.topic_key if e == first else
                         first.topic_key if e == second else e.topic_key) for e in entries]
    planning.save_plan(ws, group.id, 4, entries)
    plan = planning.save_plan(ws, group.id, 4, swapped)
    assert plan.cells[0].topic_key == second.topic_key
    assert plan.cells[1].topic_key == first.topic_key
    assert len(plan.cells) == 24


def _entry_ids(ws: Workspace) -> dict[tuple[int, int, int], tuple[int, int]]:
    with ws.read() as s:
        return {(r.week, r.weekday, r.slot): (r.id, r.topic_id)
                for r in s.scalars(select(RotationEntry))}


def test_saving_again_keeps_the_entries_of_the_cells_it_keeps(ws: Workspace) -> None:
    """A cell planned as before keeps its entry, a changed topic is changed in place and a
    cell left out loses its entry: clinic sync sends what the save changed. Before, a save
    deleted every entry and made them anew."""
    synced(ws)
    group = make_group(ws)
    entries = _four_week_plan(ws, group.id)
    planning.save_plan(ws, group.id, 4, entries)
    before = _entry_ids(ws)
    first, dropped = entries[0], entries[3]
    changed = PlanEntry(first.week, first.weekday, first.slot, entries[5].topic_key)
    plan = planning.save_plan(ws, group.id, 4, [changed, *entries[1:3], *entries[4:]])
    after = _entry_ids(ws)
    cell = (first.week, first.weekday, first.slot)
    assert after[cell][0] == before[cell][0] and after[cell][1] != before[cell][1]
    assert (dropped.week, dropped.weekday, dropped.slot) not in after
    assert {c: v for c, v in after.items() if c != cell} == {
        c: v for c, v in before.items() if c not in (cell, (dropped.week, dropped.weekday,
                                                            dropped.slot))}
    assert len(plan.cells) == 23 and plan.cells[0].topic_key == entries[5].topic_key


def test_a_plan_that_refers_to_a_retired_topic_is_flagged(ws: Workspace) -> None:
    synced(ws)
    group = make_group(ws)
    entries = _four_week_plan(ws, group.id)
    planning.save_plan(ws, group.id, 4, entries)
    authoring.set_topic_retired(ws, entries[0].topic_key)
    plan = planning.get_plan(ws, group.id)
    assert [c.topic_key for c in plan.retired_cells] == [entries[0].topic_key]
    today = planning.calendar(ws, group.id, weeks=1)[0]
    assert today.slots[0].retired and not today.slots[1].retired
    planned = planning.planned_topic(ws, group.id, MONDAY, 0)
    assert planned is not None and planned.retired


@pytest.mark.parametrize(("cycle", "entry", "field"), [
    (13, None, "cycle_weeks"),
    (4, PlanEntry(4, 1, 0, "mf-balanced-mind"), "entries"),
    (4, PlanEntry(0, 2, 0, "mf-balanced-mind"), "entries"),  # the group does not meet Tuesdays
    (4, PlanEntry(0, 1, 2, "mf-balanced-mind"), "entries"),  # only two module segments
    (4, PlanEntry(0, 1, 0, "no-such-topic"), "entries"),
])
def test_invalid_plans_are_refused_and_nothing_changes(
        ws: Workspace, cycle: int, entry: PlanEntry | None, field: str) -> None:
    synced(ws)
    group = make_group(ws)
    planning.save_plan(ws, group.id, 4, _four_week_plan(ws, group.id))
    with pytest.raises(ValidationError) as caught:
        planning.save_plan(ws, group.id, cycle, [entry] if entry else [])
    assert field in caught.value.fields
    assert len(planning.get_plan(ws, group.id).cells) == 24


def test_two_topics_in_one_slot_are_refused(ws: Workspace) -> None:
    synced(ws)
    group = make_group(ws)
    keys = [t.key for t in library.search_topics(ws)[:2]]
    with pytest.raises(ValidationError, match="same slot"):
        planning.save_plan(ws, group.id, 4, [PlanEntry(0, 1, 0, k) for k in keys])
