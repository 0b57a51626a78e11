"""One user intent = one service call = one transaction. For each intent the console sends as
one call (correcting a participant's times, saving the session info, starting a block from the
Today page, Space adopting the planned topic), a failure anywhere — a part refused after another
part was applied, or the disk refusing any one of the audit writes — leaves nothing changed, and
the intent that succeeds is undone as the user expects."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from facilitator.services import audit, roster, users
from facilitator.services import console as c
from facilitator.services.curriculum import delivery, library, planning
from facilitator.services.curriculum.dto import PlanEntry
from facilitator.services.errors import Conflict, NotFound, StorageProblem, ValidationError

from .conftest import Clinic, local
from .test_bad_input import started, unchanged
from .test_topic_atomicity import fail_audit_on

DAY = date(2026, 3, 2)


# -- correcting a participant's times and out-of-room intervals ---------------------------------
def _with_time_out(cl: Clinic) -> tuple[int, int, int]:
    """A running block where Ada arrived 09:05 and was out 09:30–09:40; (session, Ada, gap)."""
    sid = started(cl)
    ada = cl.people[0]
    cl.at(9, 5)
    c.mark_present(cl.ws, sid, ada)
    cl.at(9, 30)
    c.step_out(cl.ws, sid, ada)
    cl.at(9, 40)
    c.step_back(cl.ws, sid, ada)
    cl.at(10)
    [gap] = next(a for a in c.roster(cl.ws, sid) if a.participant_id == ada).out_of_room
    return sid, ada, gap.id


def test_a_refused_interval_keeps_the_corrected_arrival_unsaved(cl: Clinic) -> None:
    sid, ada, gap = _with_time_out(cl)
    # The arrival part is valid and applied first; the interval part is then refused.
    unchanged(cl, sid, ValidationError, "return time must be after",
              lambda: c.correct_attendance(cl.ws, sid, ada, reason="Clock was off",
                                           arrived_at=local(9, 1),
                                           intervals=[(gap, local(9, 35), local(9, 33))]))


def test_a_failed_audit_write_keeps_every_part_unsaved(cl: Clinic,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    sid, ada, gap = _with_time_out(cl)
    attempted = fail_audit_on(monkeypatch, 1)
    unchanged(cl, sid, StorageProblem, "refused",
              lambda: c.correct_attendance(cl.ws, sid, ada, reason="Clock was off",
                                           arrived_at=local(9, 1),
                                           intervals=[(gap, local(9, 31), local(9, 41))]))
    assert attempted == ["console.attendance.corrected"]


def test_the_whole_correction_is_one_undo(cl: Clinic) -> None:
    sid, ada, gap = _with_time_out(cl)
    before = next(a for a in c.roster(cl.ws, sid) if a.participant_id == ada)
    after = c.correct_attendance(cl.ws, sid, ada, reason="Clock was off",
                                 arrived_at=local(9, 1),
                                 intervals=[(gap, local(9, 31), local(9, 41))])
    assert after.arrived_at == local(9, 1)
    assert (after.out_of_room[0].left_at, after.out_of_room[0].returned_at) == (
        local(9, 31), local(9, 41))
    [event] = audit.list_events(cl.ws, action_prefix="console.attendance.corrected")
    assert event.details["reason"] == "Clock was off"
    assert len(event.details["intervals"]) == 1
    c.undo_last(cl.ws, sid)  # one Ctrl+Z: arrival and interval back together
    assert next(a for a in c.roster(cl.ws, sid) if a.participant_id == ada) == before


def test_an_interval_of_someone_else_is_refused(cl: Clinic) -> None:
    sid, _ada, gap = _with_time_out(cl)
    ben = cl.people[1]
    cl.at(10)
    c.mark_present(cl.ws, sid, ben)
    unchanged(cl, sid, NotFound, "not this participant",
              lambda: c.correct_attendance(cl.ws, sid, ben, reason="Typo",
                                           intervals=[(gap, local(9, 31), local(9, 41))]))


# -- the session info panel ---------------------------------------------------------------------
def test_a_refused_co_facilitator_keeps_the_modality(cl: Clinic) -> None:
    sid = started(cl)
    cl.at(9, 10)
    unchanged(cl, sid, ValidationError, "not an active user",
              lambda: c.update_session_info(cl.ws, sid, modality="telehealth",
                                            location="Zoom room", co_facilitator_ids=[9999]))


def test_a_failed_audit_write_keeps_the_session_info(cl: Clinic,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sid = started(cl)
    cl.at(9, 10)
    co = users.add_user(cl.ws, users.UserDraft("cofac", "Co Facilitator", "LPC", "therapist"),
                        "a long enough password 1").id
    attempted = fail_audit_on(monkeypatch, 1)
    unchanged(cl, sid, StorageProblem, "refused",
              lambda: c.update_session_info(cl.ws, sid, modality="telehealth",
                                            location="Zoom room", co_facilitator_ids=[co]))
    assert attempted == ["console.session.info"]
    monkeypatch.undo()
    view = c.update_session_info(cl.ws, sid, modality="telehealth", location="Zoom room",
                                 co_facilitator_ids=[co])
    assert (view.modality, view.location, co in view.facilitator_ids) == (
        "telehealth", "Zoom room", True)
    c.undo_last(cl.ws, sid)  # one Ctrl+Z reverts modality, location and co-facilitator
    back = c.get_session(cl.ws, sid)
    assert (back.modality, back.location, co in back.facilitator_ids) == (
        "in_person", "Room 1", False)


# -- starting a block from the Today page -------------------------------------------------------
def _today(cl: Clinic) -> tuple[object, ...]:
    return (c.today_sessions(cl.ws), c.sessions_on(cl.ws, cl.group.id, DAY),
            len(audit.list_events(cl.ws, limit=100_000)))


@pytest.mark.parametrize(("nth", "step"), [(1, "session.planned"), (2, "console.session.start")])
def test_a_failed_start_from_today_plans_nothing(cl: Clinic, monkeypatch: pytest.MonkeyPatch,
                                                 nth: int, step: str) -> None:
    cl.at(9)
    before = _today(cl)
    attempted = fail_audit_on(monkeypatch, nth)
    with pytest.raises(StorageProblem):
        c.start_today_session(cl.ws, cl.group.id)
    assert attempted[-1] == step
    assert _today(cl) == before  # no planned-but-not-started block left behind
    monkeypatch.undo()
    assert c.start_today_session(cl.ws, cl.group.id).status == "running"


@pytest.mark.parametrize(("nth", "step"), [(1, "session.planned"), (2, "console.session.start")])
def test_a_failed_ad_hoc_start_plans_nothing(cl: Clinic, monkeypatch: pytest.MonkeyPatch,
                                             nth: int, step: str) -> None:
    cl.at(14)
    before = _today(cl)
    now = cl.clock.now()
    attempted = fail_audit_on(monkeypatch, nth)
    with pytest.raises(StorageProblem):
        c.start_ad_hoc_session(cl.ws, cl.group.id, now, now + timedelta(hours=1))
    assert attempted[-1] == step
    assert _today(cl) == before
    monkeypatch.undo()
    view = c.start_ad_hoc_session(cl.ws, cl.group.id, now, now + timedelta(hours=1))
    assert (view.status, view.actual_start) == ("running", now)


# -- Space: the next segment adopts its planned topic -------------------------------------------
@pytest.fixture
def planned(cl: Clinic) -> tuple[Clinic, int, str]:
    """A running block (check-in running) whose module slot has a planned topic."""
    library.sync_shipped_library(cl.ws)
    key = library.search_topics(cl.ws, "urge")[0].key
    planning.save_plan(cl.ws, cl.group.id, 1, [PlanEntry(0, 1, 0, key)], start_date=DAY)
    return cl, started(cl), key


@pytest.mark.parametrize(("nth", "step"), [(1, "console.segment.next"),
                                           (2, "topic.delivered"),
                                           (3, "console.segment.topic")])
def test_a_failed_next_segment_starts_nothing(planned: tuple[Clinic, int, str],
                                              monkeypatch: pytest.MonkeyPatch, nth: int,
                                              step: str) -> None:
    cl, sid, _key = planned
    cl.at(9, 30)
    attempted = fail_audit_on(monkeypatch, nth)
    unchanged(cl, sid, StorageProblem, "refused", lambda: c.start_next_segment(cl.ws, sid))
    assert attempted[-1] == step
    assert delivery.session_deliveries(cl.ws, sid) == []


def test_next_segment_adopts_the_planned_topic_undone_in_two_steps(
        planned: tuple[Clinic, int, str]) -> None:
    cl, sid, key = planned
    cl.at(9, 30)
    view = c.start_next_segment(cl.ws, sid)
    running = next(g for g in view.segments if g.running)
    assert running.kind == "module" and running.topic_version_id is not None
    assert [d.topic_key for d in delivery.session_deliveries(cl.ws, sid)] == [key]
    c.undo_last(cl.ws, sid)  # first Ctrl+Z: the adopted topic
    assert delivery.session_deliveries(cl.ws, sid) == []
    assert next(g for g in c.get_session(cl.ws, sid).segments if g.running).kind == "module"
    c.undo_last(cl.ws, sid)  # second: the segment start
    assert next(g for g in c.get_session(cl.ws, sid).segments if g.running).kind == "checkin"


def test_not_held_without_a_reason_plans_nothing(cl: Clinic) -> None:
    cl.at(9)
    before = _today(cl)
    with pytest.raises(ValidationError, match="reason"):
        c.record_today_not_held(cl.ws, cl.group.id, "  ")
    assert _today(cl) == before  # no planned session left behind by the refused intent
    view = c.record_today_not_held(cl.ws, cl.group.id, "Facilitator ill, no cover")
    assert (view.status, view.not_held_reason) == ("not_held", "Facilitator ill, no cover")


def test_everyone_absent_with_nobody_to_mark_plans_nothing(cl: Clinic) -> None:
    for pid in cl.people:  # nobody enrolled on the day: nothing to mark
        [enrolment] = roster.enrollments(cl.ws, pid)
        roster.end_enrollment(cl.ws, enrolment.id, DAY - timedelta(days=1))
    cl.at(9)
    before = _today(cl)
    with pytest.raises(Conflict, match="already marked"):
        c.mark_today_absent(cl.ws, cl.group.id)
    assert _today(cl) == before


def test_everyone_absent_from_today_is_one_undo(cl: Clinic) -> None:
    cl.at(9)
    sid, result = c.mark_today_absent(cl.ws, cl.group.id)
    assert result.marked == len(cl.people)
    assert {a.status for a in c.roster(cl.ws, sid)} == {"absent"}
    c.undo_last(cl.ws, sid)
    assert {a.status for a in c.roster(cl.ws, sid)} == {"expected"}
