"""Planning and session details: today's list, ad hoc, not held, whole group absent, walk-ins,
co-facilitators, modality, live segment edits, resume."""

from __future__ import annotations

from datetime import date

import pytest

from facilitator.services import console as c
from facilitator.services import programs, roster, users
from facilitator.services.errors import Conflict, ValidationError

from .conftest import Clinic, local


def test_today_lists_scheduled_groups_and_their_state(cl: Clinic) -> None:
    [entry] = c.today_sessions(cl.ws)
    assert (entry.status, entry.session_id, entry.planned_start) == ("unplanned", None, local(9))
    sess = c.open_today_session(cl.ws, cl.group.id)
    assert c.open_today_session(cl.ws, cl.group.id).id == sess.id  # idempotent
    assert sess.planned_end == local(12) and sess.location == "Room 1"
    [entry] = c.today_sessions(cl.ws)
    assert (entry.status, entry.session_id) == ("planned", sess.id)
    cl.clock.set(local(9, day=date(2026, 3, 3)))  # Tuesday: the group does not meet
    assert c.today_sessions(cl.ws) == []


def test_ad_hoc_session_and_not_held(cl: Clinic) -> None:
    sess = c.plan_ad_hoc_session(cl.ws, cl.group.id, local(13), local(14, 30),
                                 [{"kind": "process", "title": "Process", "minutes": 90}])
    assert [g.planned_minutes for g in sess.segments] == [90]
    with pytest.raises(ValidationError, match="reason"):
        c.record_not_held(cl.ws, sess.id, " ")
    held = c.record_not_held(cl.ws, sess.id, "Facilitator ill; no cover available.")
    assert held.status == "not_held" and held.not_held_reason.startswith("Facilitator ill")
    with pytest.raises(Conflict, match="recorded as not held"):
        c.start_session(cl.ws, sess.id)
    with pytest.raises(ValidationError, match="end after it starts"):
        c.plan_ad_hoc_session(cl.ws, cl.group.id, local(14), local(13))


def test_whole_group_absent_in_one_action(cl: Clinic) -> None:
    sid = c.open_today_session(cl.ws, cl.group.id).id
    c.mark_excused(cl.ws, sid, cl.people[0])
    c.mark_absent(cl.ws, sid, cl.people[1])
    result = c.mark_all_absent(cl.ws, sid)
    rows = result.attendance
    assert {r.status for r in rows} == {"absent", "excused"}
    assert sum(r.status == "absent" for r in rows) == 6
    assert result.marked == 5  # the one absent before is not counted again
    c.undo_last(cl.ws, sid)
    assert sum(r.status == "expected" for r in c.roster(cl.ws, sid)) == 5


def test_walk_in_and_rolling_admission(cl: Clinic) -> None:
    other = programs.add_group(cl.ws, programs.GroupDraft(
        "Evening group", cl.program.id, (1,), local(0).time(), local(1).time(),
        template=({"kind": "process", "title": "Group", "minutes": 60},)))
    guest = roster.add_participant(cl.ws, roster.ParticipantDraft(
        chart_id="W-1", legal_name="Wes Walkin", admission_date=date(2026, 2, 1)))
    roster.enroll(cl.ws, guest.id, other.id, date(2026, 2, 1))
    sid = c.open_today_session(cl.ws, cl.group.id).id
    cl.at(9)
    c.start_session(cl.ws, sid)
    with pytest.raises(ValidationError, match="add them as a walk-in"):
        c.mark_present(cl.ws, sid, guest.id)
    cl.at(9, 3)
    row = c.add_walk_in(cl.ws, sid, guest.id)
    assert row.walk_in and row.status == "present" and row.arrived_at == local(9, 3)
    # Admitted today, after the list was made: enrolled in this group, so simply marked present.
    newcomer = roster.add_participant(cl.ws, roster.ParticipantDraft(
        chart_id="N-1", legal_name="Nia New", admission_date=date(2026, 3, 2)))
    roster.enroll(cl.ws, newcomer.id, cl.group.id, date(2026, 3, 2))
    assert not c.mark_present(cl.ws, sid, newcomer.id).walk_in
    assert c.roster(cl.ws, sid)[-1].participant_id == guest.id  # walk-ins listed last


def test_facilitators_and_modality(cl: Clinic) -> None:
    co = users.add_user(cl.ws, users.UserDraft("co", "Co Facilitator", "LPC", "therapist"),
                        "a long enough password")
    sid = c.open_today_session(cl.ws, cl.group.id).id
    cl.at(9)
    c.start_session(cl.ws, sid)
    sess = c.set_facilitators(cl.ws, sid, [co.id])
    assert sess.facilitator_ids == tuple(sorted((cl.ws.actor.user_id, co.id)))
    assert sess.lead_facilitator_id == cl.ws.actor.user_id
    sess = c.set_modality(cl.ws, sid, "telehealth", "Video room")
    assert (sess.modality, sess.location) == ("telehealth", "Video room")
    with pytest.raises(ValidationError, match="Modality"):
        c.set_modality(cl.ws, sid, "carrier pigeon", "")


def test_live_segment_edits(cl: Clinic) -> None:
    sid = c.open_today_session(cl.ws, cl.group.id).id
    cl.at(9)
    c.start_session(cl.ws, sid)
    segs = c.get_session(cl.ws, sid).segments
    with pytest.raises(Conflict, match="already started"):
        c.skip_segment(cl.ws, segs[0].id)
    sess = c.move_segment(cl.ws, segs[3].id, 0)  # cannot jump before the running check-in
    assert [g.kind for g in sess.segments] == ["checkin", "process", "module", "break",
                                               "checkout"]
    sess = c.skip_segment(cl.ws, sess.segments[1].id)
    sess = c.add_segment(cl.ws, sid, "other", "Mindfulness", 10, 1)
    assert [g.title for g in sess.segments][:3] == ["Check-in", "Mindfulness",
                                                    "Skills practice and process group"]
    cl.at(9, 30)
    sess = c.start_next_segment(cl.ws, sid)
    assert sess.segments[1].running
    cl.at(9, 40)
    sess = c.start_next_segment(cl.ws, sid)  # the skipped process group is passed over
    assert sess.segments[3].kind == "module" and sess.segments[3].running
    assert sess.segments[2].skipped and sess.segments[2].actual_start is None
    for _ in range(2):
        c.start_next_segment(cl.ws, sid)
    with pytest.raises(Conflict, match="no next segment"):
        c.start_next_segment(cl.ws, sid)


def test_resume_offers_running_block(cl: Clinic) -> None:
    sid = c.open_today_session(cl.ws, cl.group.id).id
    assert c.running_sessions(cl.ws) == []
    cl.at(9)
    c.start_session(cl.ws, sid)
    assert [s.id for s in c.running_sessions(cl.ws)] == [sid]
    cl.at(12)
    c.end_session(cl.ws, sid)
    assert c.running_sessions(cl.ws) == []


def _minutes(summary: c.EndSummary) -> dict[int, int]:
    return {r.participant_id: r.minutes for r in summary.rows}


@pytest.mark.parametrize("last_action", [None, (12, 20)])
def test_a_block_left_running_is_offered_the_next_day_and_ends_when_it_was_last_worked_in(
        cl: Clinic, last_action: tuple[int, int] | None) -> None:
    """The laptop was closed during Monday's block and nobody ended it: on Tuesday the Today
    page still lists it (before, nothing in the app reached a running block of an earlier day,
    and its notes were never owed), and ending it ends it at its planned end, or at its last
    action that day when that came later, with the minutes it had then: not a day of service."""
    sid = c.open_today_session(cl.ws, cl.group.id).id
    cl.at(9)
    c.start_session(cl.ws, sid)
    ada, ben = cl.people[:2]
    c.mark_present(cl.ws, sid, ada)
    cl.at(9, 30)
    c.mark_present(cl.ws, sid, ben)
    end = local(12) if last_action is None else local(*last_action)
    if last_action is not None:
        cl.at(*last_action)
        c.add_jot(cl.ws, sid, ada, "Stayed on to talk after group.")
    cl.clock.set(end)
    on_the_day = _minutes(c.end_summary(cl.ws, sid))  # what ending it then would have given
    assert on_the_day[ada] > on_the_day[ben] > 0
    cl.clock.set(local(8, day=date(2026, 3, 3)))  # Tuesday: the group does not meet
    [entry] = c.today_sessions(cl.ws)
    assert (entry.session_id, entry.status, entry.earlier) == (sid, "running", True)
    assert entry.planned_start == local(9) and entry.roster_size == len(cl.people)
    assert _minutes(c.end_summary(cl.ws, sid)) == on_the_day  # the preview says the same
    c.add_jot(cl.ws, sid, ben, "Noted the next morning.")  # worked in on Tuesday: no later end
    ended = c.end_session(cl.ws, sid)
    assert ended.session.actual_end == end and _minutes(ended) == on_the_day
    assert c.today_sessions(cl.ws) == []  # ended: Tuesday has nothing else
    cl.clock.set(local(9, day=date(2026, 3, 4)))  # Wednesday's own block is not "earlier"
    [entry] = c.today_sessions(cl.ws)
    assert (entry.status, entry.earlier) == ("unplanned", False)


def test_forms_catalog_loads_shipped_forms() -> None:
    load = c.forms_catalog()
    assert {"checkin", "checkout", "phq9", "gad7"} <= set(load.forms) and load.errors == ()
    assert c.reload_forms().forms.keys() == load.forms.keys()
