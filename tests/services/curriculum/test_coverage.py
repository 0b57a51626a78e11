"""Deliveries, per-participant coverage with rolling admission, step-down and suggestions."""

from __future__ import annotations

from datetime import date

from facilitator.services import audit
from facilitator.services.curriculum import authoring, coverage, delivery, library, planning
from facilitator.services.curriculum.dto import PlanEntry
from facilitator.services.workspace import Workspace

from .helpers import add_member, make_group, make_session, synced


def _setup(ws: Workspace):  # type: ignore[no-untyped-def] - test scaffolding
    synced(ws)
    group = make_group(ws)
    keys = [t.key for t in library.search_topics(ws)]
    plan_keys = keys[:6]
    entries = [PlanEntry(w, 1, s, plan_keys[w * 2 + s]) for w in range(3) for s in range(2)]
    planning.save_plan(ws, group.id, 3, entries, start_date=date(2026, 2, 2))
    early = add_member(ws, group.id, "C-1", "Jordan Early", date(2026, 1, 5))
    late = add_member(ws, group.id, "C-2", "Riley Newcomer", date(2026, 2, 16))
    return group, plan_keys, early, late


def test_coverage_with_rolling_admission(ws: Workspace) -> None:
    group, t, early, late = _setup(ws)
    s1, seg1 = make_session(ws, group.id, date(2026, 2, 2), {early.id: "present"})
    delivery.record_delivery(ws, s1, seg1[0], t[0])
    delivery.record_delivery(ws, s1, seg1[1], t[1])
    s2, seg2 = make_session(ws, group.id, date(2026, 2, 16),
                            {early.id: "left_early", late.id: "late"})
    delivery.record_delivery(ws, s2, seg2[0], t[2])
    s3, seg3 = make_session(ws, group.id, date(2026, 2, 18),
                            {early.id: "absent", late.id: "telehealth"})
    delivery.record_delivery(ws, s3, seg3[0], t[3])

    a = coverage.participant_coverage(ws, early.id)
    assert {x.topic_key for x in a.attended} == {t[0], t[1], t[2]}
    assert [x.key for x in a.not_yet_in_cycle] == [t[3], t[4], t[5]]
    b = coverage.participant_coverage(ws, late.id)
    assert {x.topic_key for x in b.attended} == {t[2], t[3]}
    assert [x.key for x in b.not_yet_in_cycle] == [t[0], t[1], t[4], t[5]]
    first = next(x for x in b.attended if x.topic_key == t[2])
    assert (first.first_date, first.times) == (date(2026, 2, 16), 1)
    assert not a.ready_for_step_down and a.missing_core


def test_ready_for_step_down_when_every_core_module_is_covered(ws: Workspace) -> None:
    group, _t, early, _late = _setup(ws)
    core = [m for m in library.list_modules(ws) if m.core]
    assert len(core) >= 3
    for i, module in enumerate(core):
        view = coverage.participant_coverage(ws, early.id)
        assert not view.ready_for_step_down and module.title in view.missing_core
        session, _segs = make_session(ws, group.id, date(2026, 1, 5 + i), {early.id: "present"})
        topics = library.search_topics(ws, module_key=module.key)
        needed = min(coverage.CORE_TOPICS_REQUIRED, len(topics))
        for topic in topics[:needed]:
            delivery.record_delivery(ws, session, None, topic.key)
    view = coverage.participant_coverage(ws, early.id)
    assert view.ready_for_step_down and view.missing_core == ()
    assert all(m.covered for m in view.modules if m.core)


def test_record_delivery_swaps_the_segment_topic_and_is_audited(ws: Workspace) -> None:
    group, t, early, _late = _setup(ws)
    session, segs = make_session(ws, group.id, date(2026, 3, 2), {early.id: "present"},
                                 status="running")
    delivery.record_delivery(ws, session, segs[0], t[0])
    swapped = delivery.record_delivery(ws, session, segs[0], t[1])
    assert [d.topic_key for d in delivery.session_deliveries(ws, session)] == [t[1]]
    assert swapped.segment_id == segs[0]
    events = audit.list_events(ws, action_prefix="topic.delivered")
    assert len(events) == 2 and events[0].details["topic"] == t[1]
    delivery.remove_delivery(ws, swapped.id)
    assert delivery.session_deliveries(ws, session) == []


def test_suggestion_prefers_what_most_participants_have_not_had(ws: Workspace) -> None:
    group, t, early, late = _setup(ws)
    past, segs = make_session(ws, group.id, date(2026, 2, 16), {early.id: "present",
                                                                late.id: "present"})
    delivery.record_delivery(ws, past, segs[0], t[0])
    delivery.record_delivery(ws, past, segs[1], t[2])
    only_early, segs2 = make_session(ws, group.id, date(2026, 2, 18), {early.id: "present",
                                                                      late.id: "absent"})
    delivery.record_delivery(ws, only_early, segs2[0], t[1])
    authoring.set_topic_retired(ws, t[5])
    today, _ = make_session(ws, group.id, date(2026, 3, 2), {early.id: "present",
                                                              late.id: "late"},
                            status="running")
    suggestions = delivery.suggest_topics(ws, today, slot=1, limit=200)
    by_key = {x.topic.key: x for x in suggestions}
    assert suggestions[0].not_had == 2 and suggestions[0].participants == 2
    assert by_key[t[1]].not_had == 1 and t[0] in by_key and by_key[t[0]].not_had == 0
    assert t[5] not in by_key  # retired
    assert [x.not_had for x in suggestions] == sorted((x.not_had for x in suggestions),
                                                      reverse=True)
    # 2 March is week 2 of the 3-week cycle that began 2 February: slot 1 plans t[3], which
    # ties with many unseen topics and wins the tie.
    planned = planning.planned_topic(ws, group.id, date(2026, 3, 2), 1)
    assert planned is not None and planned.key == t[3] == suggestions[0].topic.key
    assert suggestions[0].planned
