"""Walk-in candidates, co-facilitator choices and the curriculum link of module segments,
on the real encrypted database."""

from __future__ import annotations

from datetime import date

import pytest

from facilitator.services import console as c
from facilitator.services import programs, roster, users
from facilitator.services.curriculum import delivery, library, planning
from facilitator.services.curriculum.dto import PlanEntry
from facilitator.services.errors import Conflict, ValidationError

from .conftest import Clinic, local
from .test_bad_input import started, unchanged


def person(cl: Clinic, chart: str, name: str, group_id: int, *, start: date = date(2026, 2, 2),
           status: str = "active", program_id: int | None = None) -> int:
    draft = roster.ParticipantDraft(chart_id=chart, legal_name=name,
                                    admission_date=date(2026, 2, 1), status=status,
                                    program_id=program_id,
                                    discharge_date=date(2026, 3, 1) if status == "discharged"
                                    else None)
    p = roster.add_participant(cl.ws, draft)
    roster.enroll(cl.ws, p.id, group_id, start)
    return p.id


def test_walk_in_candidates_follow_the_rule(cl: Clinic) -> None:
    sid = started(cl)  # the list is made now, at the start
    evening = programs.add_group(cl.ws, programs.GroupDraft(
        "Evening group", cl.program.id, (1,), local(0).time(), local(1).time(),
        template=({"kind": "process", "title": "Group", "minutes": 60},)))
    other_program = programs.add_program(cl.ws, programs.ProgramDraft("MH IOP", "mh"))
    elsewhere = programs.add_group(cl.ws, programs.GroupDraft(
        "MH group", other_program.id, (1,), local(0).time(), local(1).time(),
        template=({"kind": "process", "title": "Group", "minutes": 60},)))
    late_admit = person(cl, "N-1", "Nia Newcomer", cl.group.id, start=date(2026, 3, 2))
    visitor = person(cl, "V-1", "Val Visitor", evening.id)
    gone = person(cl, "D-1", "Dan Discharged", evening.id, status="discharged")
    stranger = person(cl, "S-1", "Sam Otherprogram", elsewhere.id)
    future = person(cl, "F-1", "Fen Future", evening.id, start=date(2026, 3, 3))

    found = c.walk_in_candidates(cl.ws, sid)
    assert [w.participant_id for w in found] == [late_admit, visitor]  # this group first
    assert found[0].in_this_group and not found[1].in_this_group
    assert found[1].group_name == "Evening group" and found[1].short_name == "Val Visitor"

    cl.at(9, 10)
    row = c.add_walk_in(cl.ws, sid, late_admit)
    assert row.status == "late" and not row.walk_in  # a member of this group after all
    assert c.add_walk_in(cl.ws, sid, visitor).walk_in
    assert c.walk_in_candidates(cl.ws, sid) == []
    with pytest.raises(Conflict, match="mark them present instead"):
        c.add_walk_in(cl.ws, sid, cl.people[0])
    unchanged(cl, sid, ValidationError, "another program",
              lambda: c.add_walk_in(cl.ws, sid, stranger))
    unchanged(cl, sid, ValidationError, "Only an active participant",
              lambda: c.add_walk_in(cl.ws, sid, gone))
    unchanged(cl, sid, ValidationError, "not enrolled in this group on 2026-03-02",
              lambda: c.add_walk_in(cl.ws, sid, future))
    c.undo_last(cl.ws, sid)
    assert [w.participant_id for w in c.walk_in_candidates(cl.ws, sid)] == [visitor]


def test_co_facilitators_are_therapists_or_supervisors(cl: Clinic) -> None:
    sid = started(cl)
    pw = "a long enough password"
    sup = users.add_user(cl.ws, users.UserDraft("sue", "Sue Supervisor", "LCSW", "supervisor"), pw)
    ther = users.add_user(cl.ws, users.UserDraft("tom", "Tom Therapist", "LPC", "therapist"), pw)
    admin = users.add_user(cl.ws, users.UserDraft("ann", "Ann Admin", "", "admin"), pw)
    off = users.add_user(cl.ws, users.UserDraft("old", "Olga Former", "LPC", "therapist"), pw)
    users.set_active(cl.ws, off.id, False)
    choices = c.facilitator_choices(cl.ws)
    assert [u.user_id for u in choices] == [sup.id, ther.id]
    assert c.set_facilitators(cl.ws, sid, [sup.id, ther.id]).facilitator_ids == tuple(
        sorted((cl.ws.actor.user_id, sup.id, ther.id)))
    unchanged(cl, sid, ValidationError, "therapist or a supervisor",
              lambda: c.set_facilitators(cl.ws, sid, [admin.id]))
    unchanged(cl, sid, ValidationError, "not an active user",
              lambda: c.set_facilitators(cl.ws, sid, [off.id]))


@pytest.fixture
def planned(cl: Clinic) -> tuple[Clinic, int, str]:
    """The library synced and a plan for Monday's (only) module slot; returns the topic key."""
    library.sync_shipped_library(cl.ws)
    key = library.search_topics(cl.ws, "urge")[0].key
    planning.save_plan(cl.ws, cl.group.id, 1, [PlanEntry(0, 1, 0, key)],
                       start_date=date(2026, 3, 2))
    return cl, started(cl), key


def test_planned_topic_of_the_module_segment(planned: tuple[Clinic, int, str]) -> None:
    cl, sid, key = planned
    session = c.get_session(cl.ws, sid)
    module = next(g for g in session.segments if g.kind == "module")
    checkin = session.segments[0]
    assert c.module_slot(session, module.id) == 0 and c.module_slot(session, checkin.id) is None
    assert c.planned_topic(cl.ws, module.id).key == key
    assert c.planned_topic(cl.ws, checkin.id) is None
    assert {k: v.key for k, v in c.planned_topics(cl.ws, sid).items()} == {module.id: key}
    assert c.segment_topic(cl.ws, module.id).key == key  # nothing chosen yet: the plan's
    assert c.segment_topic(cl.ws, checkin.id) is None


def test_topic_choices_planned_first_then_suggestions_then_library(
        planned: tuple[Clinic, int, str]) -> None:
    cl, sid, key = planned
    module = next(g for g in c.get_session(cl.ws, sid).segments if g.kind == "module")
    rows = c.topic_choices(cl.ws, module.id)
    assert rows[0].topic_key == key and rows[0].kind == "planned"
    kinds = [r.kind for r in rows]
    n = kinds.count("suggested")  # five suggestions, less the planned one if among them
    assert n in (4, 5) and kinds == ["planned"] + ["suggested"] * n + ["library"] * (
        len(rows) - n - 1)
    assert len({r.topic_key for r in rows}) == len(rows)  # each topic once
    assert len(rows) == len(library.search_topics(cl.ws))
    narrowed = c.topic_choices(cl.ws, module.id, "sleep")
    assert narrowed and all(r.kind != "planned" for r in narrowed)
    assert {r.topic_key for r in narrowed} == {t.key for t in library.search_topics(cl.ws,
                                                                                    "sleep")}


def test_deliver_topic_records_delivery_and_undo_reverts_both(
        planned: tuple[Clinic, int, str]) -> None:
    cl, sid, key = planned
    module = next(g for g in c.get_session(cl.ws, sid).segments if g.kind == "module")
    other = library.search_topics(cl.ws, "sleep")[0]
    cl.at(9, 31)
    seg = next(g for g in c.deliver_topic(cl.ws, module.id, key).segments if g.id == module.id)
    [done] = delivery.session_deliveries(cl.ws, sid)
    assert (done.topic_key, done.segment_id) == (key, module.id)
    assert (seg.topic_text, seg.topic_version_id) == (done.title, done.topic_version_id)
    assert c.segment_topic(cl.ws, module.id).version_id == done.topic_version_id

    cl.at(9, 32)
    c.deliver_topic(cl.ws, module.id, other.key)  # swap: still one delivery for the segment
    assert [d.topic_key for d in delivery.session_deliveries(cl.ws, sid)] == [other.key]
    c.undo_last(cl.ws, sid)
    assert [d.topic_key for d in delivery.session_deliveries(cl.ws, sid)] == [key]
    assert c.segment_topic(cl.ws, module.id).key == key

    cl.at(9, 33)
    seg = next(g for g in c.set_segment_topic(cl.ws, module.id, "Our own grounding drill")
               .segments if g.id == module.id)
    assert seg.topic_version_id is None and delivery.session_deliveries(cl.ws, sid) == []
    assert c.segment_topic(cl.ws, module.id) is None  # free text: nothing to present
    c.undo_last(cl.ws, sid)
    assert [d.topic_key for d in delivery.session_deliveries(cl.ws, sid)] == [key]
    c.undo_last(cl.ws, sid)  # back to before the first choice
    assert delivery.session_deliveries(cl.ws, sid) == []
    assert c.get_session(cl.ws, sid).segments[1].topic_text == ""


def test_module_segment_adopts_its_planned_topic(planned: tuple[Clinic, int, str]) -> None:
    cl, sid, key = planned
    module = next(g for g in c.get_session(cl.ws, sid).segments if g.kind == "module")
    assert delivery.session_deliveries(cl.ws, sid) == []  # check-in runs: nothing taught yet
    cl.at(9, 30)
    session = c.start_next_segment(cl.ws, sid)
    [done] = delivery.session_deliveries(cl.ws, sid)
    assert (done.topic_key, done.segment_id) == (key, module.id)
    assert next(g for g in session.segments if g.id == module.id).topic_version_id == (
        done.topic_version_id)
    c.undo_last(cl.ws, sid)  # first the adopted topic...
    assert delivery.session_deliveries(cl.ws, sid) == []
    assert next(g for g in c.get_session(cl.ws, sid).segments if g.id == module.id).running
    c.undo_last(cl.ws, sid)  # ...then the segment start
    assert not next(g for g in c.get_session(cl.ws, sid).segments if g.id == module.id).running


def test_retired_planned_topic_is_not_adopted(planned: tuple[Clinic, int, str]) -> None:
    from facilitator.services.curriculum import authoring

    cl, sid, key = planned
    authoring.set_topic_retired(cl.ws, key)
    cl.at(9, 30)
    c.start_next_segment(cl.ws, sid)
    assert delivery.session_deliveries(cl.ws, sid) == []
