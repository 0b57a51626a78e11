"""Clinical-correctness review: status after corrections, who may have a check-in, where an
addressed flag is undone, which minutes count toward a program's week, and which deliveries
count as a topic a participant had. Real encrypted DB, fake clock, real services."""

from __future__ import annotations

from datetime import date

import pytest

from facilitator.services import console as c
from facilitator.services import programs, roster
from facilitator.services.curriculum import coverage, delivery, library
from facilitator.services.errors import ValidationError

from .conftest import Clinic, local
from .test_bad_input import started, unchanged

CHECKIN = {"mood": 6, "craving": 2, "use": False, "safety": False}
WEDNESDAY = date(2026, 3, 4)


def _status(cl: Clinic, sid: int, pid: int) -> str:
    return next(a.status for a in c.roster(cl.ws, sid) if a.participant_id == pid)


def test_corrected_times_keep_late_and_left_early_true(cl: Clinic) -> None:
    ws = cl.ws
    ada, ben, cy = cl.people[:3]
    sid = started(cl)
    for pid in (ada, ben, cy):
        c.mark_present(ws, sid, pid)
    cl.at(10)
    assert c.mark_left(ws, sid, ada).status == "left_early"
    cl.at(11, 30)
    # Ada did not leave after all (tapped the wrong tile): clearing the departure.
    assert c.adjust_times(ws, sid, ada, departed_at=None,
                          reason="Stayed to the end").status == "present"
    # Ben actually left at 11:00, told at 11:30.
    assert c.adjust_times(ws, sid, ben, departed_at=local(11),
                          reason="Left for a ride").status == "left_early"
    # Cy actually came in at 09:20.
    assert c.adjust_times(ws, sid, cy, arrived_at=local(9, 20),
                          reason="Arrived during check-in").status == "late"
    # and back: corrected to on time is no longer late
    assert c.adjust_times(ws, sid, cy, arrived_at=local(9, 2),
                          reason="Misread the clock").status == "present"


def test_check_in_only_for_someone_who_attended(cl: Clinic) -> None:
    ws = cl.ws
    ada, ben, cy = cl.people[:3]
    sid = started(cl)
    c.mark_present(ws, sid, ada)
    c.mark_absent(ws, sid, ben)
    c.mark_excused(ws, sid, cy)
    cl.at(9, 5)
    for pid in (ben, cy, cl.people[3]):  # absent, excused, never marked
        unchanged(cl, sid, ValidationError, "not marked as attending",
                  lambda pid=pid: c.record_response(ws, sid, pid, "checkin", CHECKIN))
    assert c.record_response(ws, sid, ada, "checkin", CHECKIN).participant_id == ada
    cl.at(10)
    c.mark_left(ws, sid, ada)
    cl.at(10, 5)  # a check-in typed in late for someone who has since left is legitimate
    assert c.record_response(ws, sid, ada, "checkout", {"safe": True}).form_id == "checkout"


def test_flag_addressed_in_todays_block_is_what_ctrl_z_undoes(cl: Clinic) -> None:
    ws = cl.ws
    ada = cl.people[0]
    monday = started(cl)
    c.mark_present(ws, monday, ada)
    cl.at(10)
    flag = c.raise_flag(ws, monday, ada, "Said they have a plan to hurt themself")
    cl.at(12)
    c.end_session(ws, monday)
    # Wednesday: the flag from Monday is still open on Ada's tile and is addressed today.
    cl.clock.set(local(9, day=WEDNESDAY))
    today = c.open_today_session(ws, cl.group.id).id
    c.start_session(ws, today)
    cl.clock.set(local(9, 1, day=WEDNESDAY))
    c.mark_present(ws, today, ada)
    assert [f.id for f in c.console_state(ws, today).open_flags] == [flag.id]
    cl.clock.set(local(9, 5, day=WEDNESDAY))
    c.address_flag(ws, flag.id, "Safety plan reviewed with on-call clinician",
                   session_id=today)
    assert c.console_state(ws, today).last_action.kind == "flag.addressed"
    undone = c.undo_last(ws, today)
    assert undone.kind == "flag.addressed"
    state = c.console_state(ws, today)
    assert [f.id for f in state.open_flags] == [flag.id]  # the flag is open again
    assert _status(cl, today, ada) == "present"  # and the arrival was not undone instead


def test_week_minutes_count_only_the_programs_own_sessions(cl: Clinic) -> None:
    ws = cl.ws
    ada = cl.people[0]
    mh = programs.add_program(ws, programs.ProgramDraft("MH IOP", "mh"))
    early = programs.add_group(ws, programs.GroupDraft(
        "Early MH group", mh.id, (1,), local(6).time(), local(8).time(),
        template=({"kind": "process", "title": "Group", "minutes": 60},)))
    roster.enroll(ws, ada, early.id, date(2026, 2, 2))
    cl.at(6)
    other = c.open_today_session(ws, early.id).id
    c.start_session(ws, other)
    c.mark_present(ws, other, ada)
    cl.at(8)
    [row] = [r for r in c.end_session(ws, other).rows if r.participant_id == ada]
    assert row.minutes == 120
    sid = started(cl)
    c.mark_present(ws, sid, ada)
    cl.at(9, 30)
    [view] = [a for a in c.console_state(ws, sid).attendance if a.participant_id == ada]
    assert (view.minutes_today, view.week_minutes) == (30, 30)
    assert c.week_minutes(ws, [ada])[0].minutes == 30  # Ada's own program: the SUD IOP


def test_coverage_counts_only_topics_taught_while_the_participant_was_there(cl: Clinic
                                                                          ) -> None:
    ws = cl.ws
    library.sync_shipped_library(ws)
    taught, pre_chosen = (t.key for t in library.search_topics(ws)[:2])
    dee, ben, cy, gus = cl.people[3], cl.people[1], cl.people[2], cl.people[6]
    sid = started(cl)
    for pid in (dee, cy, gus):
        c.mark_present(ws, sid, pid)
    cl.at(9, 20)
    c.mark_left(ws, sid, cy)  # gone before the module
    cl.at(9, 25)
    c.step_out(ws, sid, gus)  # out for the whole module
    cl.at(9, 30)
    session = c.start_next_segment(ws, sid)
    module = next(g for g in session.segments if g.running)
    assert module.kind == "module"
    c.deliver_topic(ws, module.id, taught)
    # A second module segment is planned, its topic chosen ahead, then skipped.
    extra = c.add_segment(ws, sid, "module", "Skills 2", 20).segments[-1]
    c.deliver_topic(ws, extra.id, pre_chosen)
    c.skip_segment(ws, extra.id)
    cl.at(10, 15)
    c.start_break(ws, sid)
    cl.at(10, 20)
    c.step_back(ws, sid, gus)
    cl.at(10, 30)
    c.end_break(ws, sid)
    c.mark_present(ws, sid, ben)  # arrives after the module

    def had(pid: int) -> set[str]:
        return {t.topic_key for t in coverage.participant_coverage(ws, pid).attended}

    assert (had(dee), had(ben)) == ({taught}, set())  # while the block still runs
    cl.at(12)
    c.end_session(ws, sid)

    assert had(dee) == {taught}
    for pid in (ben, cy, gus):
        assert had(pid) == set(), pid
    # The suggestion for the next block follows the same rule: Ben has not had it.
    cl.clock.set(local(9, day=WEDNESDAY))
    nxt = c.open_today_session(ws, cl.group.id).id
    tips = {t.topic.key: t for t in delivery.suggest_topics(ws, nxt, limit=500)}
    assert tips[taught].not_had == len(cl.people) - 1  # everyone but Dee
    assert tips[pre_chosen].not_had == len(cl.people)


@pytest.mark.parametrize("status", ["absent", "excused"])
def test_coverage_never_counts_absent_or_excused(cl: Clinic, status: str) -> None:
    ws = cl.ws
    library.sync_shipped_library(ws)
    key = library.search_topics(ws)[0].key
    ada = cl.people[0]
    sid = started(cl)
    (c.mark_absent if status == "absent" else c.mark_excused)(ws, sid, ada)
    cl.at(9, 30)
    module = next(g for g in c.start_next_segment(ws, sid).segments if g.running)
    c.deliver_topic(ws, module.id, key)
    cl.at(12)
    c.end_session(ws, sid)
    assert coverage.participant_coverage(ws, ada).attended == ()
