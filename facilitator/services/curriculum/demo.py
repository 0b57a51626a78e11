"""Demo and benchmark data: a 4-week rotation plan per group and topic deliveries on history.

Runs after the console's history generator (or alone: with no sessions it only creates plans).
Each ended session's module segments get the plan's topic for that day and slot, with an
occasional swap as facilitators do. Rows go in with bulk ``insert``; one audit event records the
generation (individual rows are not real care and are not audited).
"""

from __future__ import annotations

import random
from datetime import datetime
from itertools import zip_longest

from sqlalchemy import insert, select

from ...models.curriculum import RotationEntry, RotationPlan, TopicDelivery
from ...models.roster import Group
from ...models.sessions import GroupSession, Segment
from .. import audit
from ..workspace import Workspace
from . import _store
from .library import sync_shipped_library
from .planning import DEFAULT_CYCLE_WEEKS, cycle_week, module_slots, monday_of

SWAP_RATE = 0.08  # share of module segments where the facilitator swapped the planned topic


def add_plans_and_deliveries(ws: Workspace, rng: random.Random) -> dict[str, int]:
    """Create plans for active groups without one and deliveries for ended sessions without any.

    Returns row counts. Idempotent per group and per session.
    """
    sync_shipped_library(ws)
    with ws.transaction() as s:
        rows = [(t, v, m) for t, v, m in _store.current_rows(s) if not (t.retired or m.retired)]
        if not rows:
            return {"plans": 0, "entries": 0, "deliveries": 0}
        # Round-robin over the core modules (then the rest) so every cycle touches each core
        # skill family, as clinics plan it; a 5-day group covers three topics of each.
        by_module: dict[int, list[int]] = {}
        for t, _v, m in sorted(rows, key=lambda r: not r[2].core):
            by_module.setdefault(m.id, []).append(t.id)
        core = {m.id for _t, _v, m in rows if m.core}
        pool = [tid for group in (core, set(by_module) - core)
                for tids in zip_longest(*(by_module[m] for m in by_module if m in group))
                for tid in tids if tid is not None]
        version_of = {t.id: v.id for t, v, _m in rows}
        first_day = dict(s.execute(
            select(GroupSession.group_id, GroupSession.session_date)
            .order_by(GroupSession.group_id, GroupSession.session_date.desc())).all())
        plans = {p.group_id: p for p in s.scalars(select(RotationPlan))}
        groups = list(s.scalars(select(Group).where(Group.active.is_(True)).order_by(Group.id)))
        now = ws.clock.now()
        entries: list[dict[str, object]] = []
        new_plans = 0
        for g in groups:
            if g.id in plans:
                continue
            start = monday_of(first_day.get(g.id, ws.today()))
            plan = RotationPlan(group_id=g.id, cycle_weeks=DEFAULT_CYCLE_WEEKS, start_date=start,
                                created_at=now, created_by_id=ws.actor.user_id)
            s.add(plan)
            s.flush()
            plans[g.id] = plan
            new_plans += 1
            weekdays = [int(x) for x in g.weekdays.split(",") if x]
            offset = rng.randrange(len(pool))
            cells = [(w, d, slot) for w in range(DEFAULT_CYCLE_WEEKS) for d in weekdays
                     for slot in range(module_slots(g.template))]
            for i, (w, d, slot) in enumerate(cells):
                entries.append(dict(plan_id=plan.id, week=w, weekday=d, slot=slot,
                                    topic_id=pool[(offset + i) % len(pool)]))
        if entries:
            s.execute(insert(RotationEntry), entries)
        planned: dict[tuple[int, int, int, int], int] = {}
        for e in s.scalars(select(RotationEntry)):
            planned[(e.plan_id, e.week, e.weekday, e.slot)] = e.topic_id
        done = set(s.scalars(select(TopicDelivery.session_id).distinct()))
        segs = s.execute(
            select(Segment.id, Segment.session_id, GroupSession.group_id,
                   GroupSession.session_date, GroupSession.planned_end)
            .join(GroupSession, GroupSession.id == Segment.session_id)
            .where(Segment.kind == "module", Segment.skipped.is_(False),
                   GroupSession.status == "ended")
            .order_by(Segment.session_id, Segment.position)).all()
        deliveries: list[dict[str, object]] = []
        slot, last_session = 0, None
        for seg_id, session_id, group_id, day, ended in segs:
            slot = slot + 1 if session_id == last_session else 0
            last_session = session_id
            plan = plans.get(group_id)
            if session_id in done or plan is None:
                continue
            week = cycle_week(plan.start_date, plan.cycle_weeks, day)
            topic_id = planned.get((plan.id, week, day.isoweekday(), slot))
            if topic_id is None:
                continue
            if rng.random() < SWAP_RATE:
                topic_id = rng.choice(pool)
            at: datetime = ended
            deliveries.append(dict(session_id=session_id, segment_id=seg_id, topic_id=topic_id,
                                   topic_version_id=version_of[topic_id], delivered_at=at,
                                   created_at=at, created_by_id=ws.actor.user_id))
        for i in range(0, len(deliveries), 5000):
            s.execute(insert(TopicDelivery), deliveries[i:i + 5000])
        counts = {"plans": new_plans, "entries": len(entries), "deliveries": len(deliveries)}
        audit.record(s, ws, "demo.curriculum_generated", "clinic", "", **counts)
        return counts
