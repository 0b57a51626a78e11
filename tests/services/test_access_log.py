"""Access logging: opening a participant's record and finishing a roster search are audited,
once per opening; updates keep the old and new values."""

from __future__ import annotations

from dataclasses import replace

from facilitator.services import access, audit, roster
from facilitator.services.workspace import Workspace
from tests.services.test_roster import draft


def test_opening_a_record_is_one_event(ws: Workspace) -> None:
    p = roster.add_participant(ws, draft("C-1", "Pat Example"))
    record = access.open_participant(ws, p.id)
    assert record.participant_id == p.id and record.enrollments == []
    access.open_participant(ws, p.id, log=False)  # a reload after an edit on the open record
    viewed = audit.list_events(ws, action_prefix="participant.viewed")
    assert [(e.entity_id, e.login) for e in viewed] == [(str(p.id), "admin")]


def test_a_finished_search_is_logged_with_its_matches(ws: Workspace) -> None:
    access.record_search(ws, "  Pat  ", 3)
    access.record_search(ws, "   ", 0)  # nothing searched: nothing logged
    searched = audit.list_events(ws, action_prefix="participant.searched")
    assert [e.details for e in searched] == [{"text": "Pat", "matches": 3}]


def test_an_overwritten_value_can_be_recovered_from_the_log(ws: Workspace) -> None:
    p = roster.add_participant(ws, draft("C-1", "Pat Example"))
    roster.update_participant(ws, p.id, replace(draft("C-1", "Pat Exemplar")))
    event = audit.list_events(ws, action_prefix="participant.updated")[0]
    assert event.details["changes"] == {"legal_name": ["Pat Example", "Pat Exemplar"]}
