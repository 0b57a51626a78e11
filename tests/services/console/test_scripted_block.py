"""A full scripted three-hour block with the fake clock; every participant's minutes exactly.

09:00 check-in 30 · 09:30 module 45 · 10:15 break 15 · 10:30 process 60 · 11:30 check-out 30 ·
12:00 end. Ada on time; Ben 20 min late; Cy leaves 40 min early; Dee steps out 15 min; Eli
absent; Fay excused; Gus steps out across the start of the break (counted once).
"""

from __future__ import annotations

from datetime import date

import pytest

from facilitator.clock import FakeClock
from facilitator.services import audit
from facilitator.services import console as c
from facilitator.services.workspace import Workspace

from .conftest import Clinic, build, local

CHECKIN = {"mood": 6, "craving": 2, "use": False, "safety": False}
CHECKOUT = {"safe": True, "takeaway": "Paced breathing"}


def run_block(cl: Clinic) -> tuple[int, c.EndSummary]:
    ws = cl.ws
    ada, ben, cy, dee, eli, fay, gus = cl.people
    cl.at(8, 50)
    [entry] = c.today_sessions(ws)
    assert entry.status == "unplanned" and entry.roster_size == 7
    sess = c.open_today_session(ws, cl.group.id)
    assert [g.kind for g in sess.segments] == ["checkin", "module", "break", "process",
                                               "checkout"]
    sid = sess.id
    c.mark_absent(ws, sid, eli)
    c.mark_excused(ws, sid, fay)
    cl.at(9)
    started = c.start_session(ws, sid)
    assert started.actual_start == local(9) and started.segments[0].running
    for pid in (ada, cy, dee, gus):
        assert c.mark_present(ws, sid, pid).status == "present"
    cl.at(9, 5)
    order = [e.participant_id for e in c.go_around_order(ws, sid, "checkin")]
    assert order == [ada, cy, dee, gus]
    for pid in order:
        c.record_response(ws, sid, pid, "checkin", CHECKIN)
    cl.at(9, 20)
    assert c.mark_present(ws, sid, ben).status == "late"
    c.record_response(ws, sid, ben, "checkin", CHECKIN)
    cl.at(9, 30)
    c.start_next_segment(ws, sid)
    c.set_segment_topic(ws, c.console_state(ws, sid).current_segment.id, "Distress tolerance")
    cl.at(10, 10)
    c.step_out(ws, sid, gus)
    cl.at(10, 15)
    state = c.start_break(ws, sid)
    assert state.segments[2].running and state.segments[1].done
    cl.at(10, 25)
    c.step_back(ws, sid, gus)
    cl.at(10, 30)
    after_break = c.end_break(ws, sid)
    assert after_break.segments[3].running
    cl.at(10, 40)
    c.step_out(ws, sid, dee)
    c.add_jot(ws, sid, dee, "Stepped out to take a call; returned settled.")
    cl.at(10, 55)
    c.step_back(ws, sid, dee)
    cl.at(11, 20)
    assert c.mark_left(ws, sid, cy).status == "left_early"
    cl.at(11, 30)
    c.start_next_segment(ws, sid)
    for pid in (ada, ben, dee, gus):
        c.record_response(ws, sid, pid, "checkout", CHECKOUT)
    cl.at(12)
    return sid, c.end_session(ws, sid)


def test_scripted_block_minutes_exact(cl: Clinic) -> None:
    sid, summary = run_block(cl)
    ada, ben, cy, dee, eli, fay, gus = cl.people
    minutes = {r.participant_id: r.minutes for r in summary.rows}
    assert minutes == {ada: 165, ben: 145, cy: 125, dee: 150, eli: 0, fay: 0, gus: 160}
    status = {r.participant_id: r.status for r in summary.rows}
    assert status == {ada: "present", ben: "late", cy: "left_early", dee: "present",
                      eli: "absent", fay: "excused", gus: "present"}
    met = {r.participant_id for r in summary.rows if r.daily_met}
    assert met == set()  # 165 < the default daily minimum of 180: breaks do not count
    assert summary.unfinished == ("No check-out: Cy Demo.",)
    assert summary.session.status == "ended" and summary.session.actual_end == local(12)
    segs = summary.session.segments
    assert [(g.actual_start, g.actual_end) for g in segs] == [
        (local(9), local(9, 30)), (local(9, 30), local(10, 15)), (local(10, 15), local(10, 30)),
        (local(10, 30), local(11, 30)), (local(11, 30), local(12))]
    assert segs[1].topic_text == "Distress tolerance"
    # Cached at the end, and the weekly total includes them.
    week = {w.participant_id: w for w in c.week_minutes(cl.ws, [ada, ben], date(2026, 3, 4))}
    assert week[ada].minutes == 165 and week[ada].weekly_minimum == 540
    assert week[ada].week_start == date(2026, 3, 2) and not week[ada].met
    jots = c.list_jots(cl.ws, sid, dee)
    assert [j.at for j in jots] == [local(10, 40)]
    assert c.running_sessions(cl.ws) == []


def test_break_counts_as_service_variant(ws: Workspace, clock: FakeClock) -> None:
    cl = build(ws, clock, break_counts=True)
    _, summary = run_block(cl)
    ada, ben, cy, dee, eli, fay, gus = cl.people
    minutes = {r.participant_id: r.minutes for r in summary.rows}
    assert minutes == {ada: 180, ben: 160, cy: 140, dee: 165, eli: 0, fay: 0, gus: 165}
    assert {r.participant_id for r in summary.rows if r.daily_met} == {ada}


def test_live_state_during_block(cl: Clinic) -> None:
    ws = cl.ws
    ada, ben = cl.people[:2]
    sid = c.open_today_session(ws, cl.group.id).id
    cl.at(9)
    c.start_session(ws, sid)
    c.mark_present(ws, sid, ada)
    cl.at(9, 40)  # ten minutes past the planned end of check-in
    state = c.console_state(ws, sid)
    assert state.current_segment is not None and state.current_segment.kind == "checkin"
    assert state.next_segment is not None and state.next_segment.kind == "module"
    assert (state.segment_elapsed_s, state.segment_remaining_s, state.overrun_s) == (
        2400, 0, 600)
    assert state.overrun and not state.on_break and state.clock_problem is None
    assert state.session_elapsed_s == 2400 and state.session_remaining_s == 8400
    rows = {a.participant_id: a for a in state.attendance}
    assert rows[ada].minutes_today == 40 and rows[ada].is_here
    assert rows[ben].status == "expected" and rows[ben].minutes_today == 0
    assert state.last_action is not None and state.last_action.kind == "attendance.present"
    cl.at(9, 50)
    c.start_break(ws, sid)  # the next segment is a module: a break is inserted before it
    state = c.console_state(ws, sid)
    assert state.on_break and [g.kind for g in state.session.segments] == [
        "checkin", "break", "module", "break", "process", "checkout"]
    cl.at(10, 5)
    state = c.console_state(ws, sid)
    assert {a.participant_id: a.minutes_today for a in state.attendance}[ada] == 50
    assert state.segment_elapsed_s == 900 and state.segment_remaining_s == 0


def test_every_action_is_audited(cl: Clinic) -> None:
    run_block(cl)
    actions = {e.action for e in audit.list_events(cl.ws, action_prefix="console.")}
    assert {"console.session.start", "console.attendance.present", "console.response.recorded",
            "console.segment.next", "console.break.start", "console.break.end",
            "console.attendance.step_out", "console.attendance.step_back", "console.jot.added",
            "console.attendance.left", "console.session.end"} <= actions


@pytest.mark.parametrize("count", [15])
def test_roster_order_and_fifteen(ws: Workspace, clock: FakeClock, count: int) -> None:
    cl = build(ws, clock, count=8)
    sid = c.open_today_session(ws, cl.group.id).id
    names = [a.short_name for a in c.roster(ws, sid)]
    assert names == sorted(names, key=str.casefold) and len(names) == 8
