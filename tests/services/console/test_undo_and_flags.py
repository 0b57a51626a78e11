"""Undo reverts exactly the last action of each kind; safety flags stay open until addressed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from facilitator.services import audit, users
from facilitator.services import console as c
from facilitator.services.errors import Conflict

from .conftest import Clinic

CHECKIN = {"mood": 5, "craving": 3, "use": False, "safety": False}


def ready(cl: Clinic) -> int:
    """A running block at 09:20 with Ada present, Ben out of the room, a jot and a response."""
    sid = c.open_today_session(cl.ws, cl.group.id).id
    cl.at(9)
    c.start_session(cl.ws, sid)
    ada, ben = cl.people[:2]
    c.mark_present(cl.ws, sid, ada)
    c.mark_present(cl.ws, sid, ben)
    cl.at(9, 10)
    c.step_out(cl.ws, sid, ben)
    cl.at(9, 20)
    return sid


def co_facilitator(cl: Clinic) -> int:
    draft = users.UserDraft("cofac", "Casey Cofacilitator", "LPC", "therapist")
    return users.add_user(cl.ws, draft, "a long enough password").id


def board(cl: Clinic, sid: int) -> tuple[object, ...]:
    state = c.console_state(cl.ws, sid)
    return (state.session, state.attendance, state.open_flags, c.list_jots(cl.ws, sid),
            c.responses(cl.ws, sid))


ACTIONS: dict[str, Callable[[Clinic, int], object]] = {
    "present": lambda cl, sid: c.mark_present(cl.ws, sid, cl.people[2]),
    "late": lambda cl, sid: c.mark_late(cl.ws, sid, cl.people[0]),
    "telehealth": lambda cl, sid: c.mark_telehealth(cl.ws, sid, cl.people[3]),
    "absent": lambda cl, sid: c.mark_absent(cl.ws, sid, cl.people[1]),
    "excused": lambda cl, sid: c.mark_excused(cl.ws, sid, cl.people[4]),
    "left": lambda cl, sid: c.mark_left(cl.ws, sid, cl.people[1]),
    "all_absent": lambda cl, sid: c.mark_all_absent(cl.ws, sid),
    "step_out": lambda cl, sid: c.step_out(cl.ws, sid, cl.people[0]),
    "step_back": lambda cl, sid: c.step_back(cl.ws, sid, cl.people[1]),
    "adjust": lambda cl, sid: c.adjust_times(cl.ws, sid, cl.people[0], reason="Wrong key",
                                             arrived_at=cl.clock.now().replace(minute=2)),
    "jot": lambda cl, sid: c.add_jot(cl.ws, sid, cl.people[0], "Engaged in role play."),
    "response": lambda cl, sid: c.record_response(cl.ws, sid, cl.people[0], "checkin", CHECKIN),
    "flag": lambda cl, sid: c.raise_flag(cl.ws, sid, cl.people[0], "Said they feel unsafe."),
    "next": lambda cl, sid: c.start_next_segment(cl.ws, sid),
    "end_segment": lambda cl, sid: c.end_current_segment(cl.ws, sid),
    "break": lambda cl, sid: c.start_break(cl.ws, sid),
    "add_segment": lambda cl, sid: c.add_segment(cl.ws, sid, "other", "Mindfulness", 10, 1),
    "move": lambda cl, sid: c.move_segment(cl.ws, c.get_session(cl.ws, sid).segments[4].id, 1),
    "skip": lambda cl, sid: c.skip_segment(cl.ws, c.get_session(cl.ws, sid).segments[1].id),
    "topic": lambda cl, sid: c.set_segment_topic(cl.ws, c.get_session(cl.ws, sid).segments[0].id,
                                                 "Urge surfing"),
    "modality": lambda cl, sid: c.set_modality(cl.ws, sid, "telehealth", "Video"),
    "facilitators": lambda cl, sid: c.set_facilitators(cl.ws, sid, [co_facilitator(cl)]),
    "end": lambda cl, sid: c.end_session(cl.ws, sid),
}


@pytest.mark.parametrize("kind", list(ACTIONS))
def test_undo_reverts_exactly_the_last_action(cl: Clinic, kind: str) -> None:
    sid = ready(cl)
    before = board(cl, sid)
    ACTIONS[kind](cl, sid)
    assert board(cl, sid) != before
    undone = c.undo_last(cl.ws, sid)
    assert undone.undone
    assert board(cl, sid) == before
    assert c.last_action(cl.ws, sid).kind == "attendance.step_out"  # type: ignore[union-attr]
    assert audit.list_events(cl.ws, action_prefix="console.undo")[0].details["kind"] == undone.kind


def test_undo_walks_back_in_order_and_stops(cl: Clinic) -> None:
    sid = ready(cl)
    c.undo_last(cl.ws, sid)  # step out
    c.undo_last(cl.ws, sid)  # Ben present
    c.undo_last(cl.ws, sid)  # Ada present
    assert {a.status for a in c.roster(cl.ws, sid)} == {"expected"}
    c.undo_last(cl.ws, sid)  # start
    assert c.get_session(cl.ws, sid).status == "planned"
    with pytest.raises(Conflict, match="nothing to undo"):
        c.undo_last(cl.ws, sid)
    # The undone actions stay in the log, marked.
    assert [a.undone for a in c.actions(cl.ws, sid)] == [True] * 4


def test_return_after_leaving_keeps_exact_minutes(cl: Clinic) -> None:
    sid = ready(cl)
    ada = cl.people[0]
    c.mark_left(cl.ws, sid, ada)
    cl.at(9, 50)
    row = c.mark_present(cl.ws, sid, ada)
    assert row.status == "present" and row.departed_at is None
    cl.at(10)
    state = {a.participant_id: a for a in c.console_state(cl.ws, sid).attendance}
    assert state[ada].minutes_today == 30  # 60 minutes minus 30 away


def test_flags_stay_open_until_addressed(cl: Clinic) -> None:
    sid = ready(cl)
    ada, ben = cl.people[:2]
    resp = c.record_response(cl.ws, sid, ada, "checkin",
                             {**CHECKIN, "safety": True, "use": True, "craving": 9})
    assert sorted((f.code, f.severity) for f in resp.flags) == [
        ("craving-high", "moderate"), ("safety-positive", "high"), ("use-reported", "moderate")]
    typed = c.raise_flag(cl.ws, sid, ben, "Mentioned not sleeping for days.")
    assert typed.code == "facilitator" and typed.open
    for minutes in (30, 90, 150):
        cl.at(9 + minutes // 60, minutes % 60)
        state = c.console_state(cl.ws, sid)
        assert {f.participant_id for f in state.open_flags} == {ada, ben}
        tiles = {a.participant_id: a.open_flags for a in state.attendance}
        assert tiles[ada] == 1 and tiles[ben] == 1
    high = next(f for f in resp.flags if f.severity == "high")
    addressed = c.address_flag(cl.ws, high.id, "Safety plan reviewed; crisis line given.")
    assert not addressed.open and addressed.addressed_at == cl.clock.now()
    assert [f.participant_id for f in c.open_flags(cl.ws, sid)] == [ben]
    with pytest.raises(Conflict, match="already been addressed"):
        c.address_flag(cl.ws, high.id, "again")
    cl.at(12)
    summary = c.end_session(cl.ws, sid)
    assert any("Open safety flag for Ben Sample" in line for line in summary.unfinished)
    assert len(c.session_flags(cl.ws, sid)) == 4
    events = audit.list_events(cl.ws, action_prefix="console.flag.addressed")
    assert events and events[0].details["flag_id"] == high.id


def test_phq9_item9_raises_a_high_flag(cl: Clinic) -> None:
    sid = ready(cl)
    answers = {f"phq9-{n}": "0" for n in range(1, 10)} | {"phq9-9": "1"}
    resp = c.record_response(cl.ws, sid, cl.people[0], "phq9", answers)
    assert resp.total == 1 and resp.band == "minimal"
    assert [(f.code, f.open) for f in resp.flags] == [("phq9-item9", True)]
