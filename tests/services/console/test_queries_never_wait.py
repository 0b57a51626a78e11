"""Query services use the read-only unit of work: they answer at once while another thread holds
the write lock (a long write, or the 1 Hz console refresh during a supervisor's Verify). With
``BEGIN IMMEDIATE`` each of these would wait out the 5 s busy timeout and then fail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from facilitator.services import audit, maintenance, programs, roster, users
from facilitator.services import console as c
from facilitator.services.curriculum import coverage, delivery, library, planning
from facilitator.services.curriculum.dto import PlanEntry
from facilitator.services.workspace import Workspace

from ..write_lock import write_lock_held
from .conftest import Clinic
from .test_bad_input import started

Query = Callable[[Clinic, int, int, int], object]

QUERIES: dict[str, Query] = {
    "console_state": lambda cl, sid, pid, seg: c.console_state(cl.ws, sid),
    "end_summary": lambda cl, sid, pid, seg: c.end_summary(cl.ws, sid),
    "today_sessions": lambda cl, sid, pid, seg: c.today_sessions(cl.ws),
    "get_session": lambda cl, sid, pid, seg: c.get_session(cl.ws, sid),
    "running_sessions": lambda cl, sid, pid, seg: c.running_sessions(cl.ws),
    "sessions_on": lambda cl, sid, pid, seg: c.sessions_on(cl.ws, cl.group.id, date(2026, 3, 2)),
    "facilitator_choices": lambda cl, sid, pid, seg: c.facilitator_choices(cl.ws),
    "roster": lambda cl, sid, pid, seg: c.roster(cl.ws, sid),
    "week_minutes": lambda cl, sid, pid, seg: c.week_minutes(cl.ws, [pid]),
    "go_around_order": lambda cl, sid, pid, seg: c.go_around_order(cl.ws, sid),
    "responses": lambda cl, sid, pid, seg: c.responses(cl.ws, sid),
    "open_flags": lambda cl, sid, pid, seg: c.open_flags(cl.ws, sid),
    "session_flags": lambda cl, sid, pid, seg: c.session_flags(cl.ws, sid),
    "list_jots": lambda cl, sid, pid, seg: c.list_jots(cl.ws, sid),
    "participant_jots": lambda cl, sid, pid, seg: c.participant_jots(cl.ws, pid),
    "actions": lambda cl, sid, pid, seg: c.actions(cl.ws, sid),
    "last_action": lambda cl, sid, pid, seg: c.last_action(cl.ws, sid),
    "walk_in_candidates": lambda cl, sid, pid, seg: c.walk_in_candidates(cl.ws, sid),
    "planned_topics": lambda cl, sid, pid, seg: c.planned_topics(cl.ws, sid),
    "segment_topic": lambda cl, sid, pid, seg: c.segment_topic(cl.ws, seg),
    "topic_choices": lambda cl, sid, pid, seg: c.topic_choices(cl.ws, seg, "urge"),
    "audit.list_events": lambda cl, sid, pid, seg: audit.list_events(cl.ws),
    "roster.list_participants": lambda cl, sid, pid, seg: roster.list_participants(cl.ws),
    "roster.get_participant": lambda cl, sid, pid, seg: roster.get_participant(cl.ws, pid),
    "roster.enrollments": lambda cl, sid, pid, seg: roster.enrollments(cl.ws, pid),
    "roster.group_members": lambda cl, sid, pid, seg: roster.group_members(cl.ws, cl.group.id),
    "roster.goals": lambda cl, sid, pid, seg: roster.goals(cl.ws, pid),
    "roster.drug_tests": lambda cl, sid, pid, seg: roster.drug_tests(cl.ws, pid),
    "programs.list_programs": lambda cl, sid, pid, seg: programs.list_programs(cl.ws),
    "programs.list_groups": lambda cl, sid, pid, seg: programs.list_groups(cl.ws),
    "users.list_users": lambda cl, sid, pid, seg: users.list_users(cl.ws),
    "users.clinic": lambda cl, sid, pid, seg: users.clinic(cl.ws),
    "backup_settings": lambda cl, sid, pid, seg: maintenance.backup_settings(cl.ws),
    "list_modules": lambda cl, sid, pid, seg: library.list_modules(cl.ws),
    "search_topics": lambda cl, sid, pid, seg: library.search_topics(cl.ws, "sleep"),
    "get_plan": lambda cl, sid, pid, seg: planning.get_plan(cl.ws, cl.group.id),
    "calendar": lambda cl, sid, pid, seg: planning.calendar(cl.ws, cl.group.id),
    "session_deliveries": lambda cl, sid, pid, seg: delivery.session_deliveries(cl.ws, sid),
    "suggest_topics": lambda cl, sid, pid, seg: delivery.suggest_topics(cl.ws, sid),
    "participant_coverage": lambda cl, sid, pid, seg: coverage.participant_coverage(cl.ws, pid),
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_a_query_answers_while_the_write_lock_is_held(cl: Clinic, name: str) -> None:
    library.sync_shipped_library(cl.ws)
    key = library.search_topics(cl.ws, "urge")[0].key
    planning.save_plan(cl.ws, cl.group.id, 1, [PlanEntry(0, 1, 0, key)],
                       start_date=date(2026, 3, 2))
    sid = started(cl)
    cl.at(9, 5)
    c.mark_present(cl.ws, sid, cl.people[0])
    module = next(g for g in c.get_session(cl.ws, sid).segments if g.kind == "module")
    expected = QUERIES[name](cl, sid, cl.people[0], module.id)
    with write_lock_held(cl.ws):
        assert QUERIES[name](cl, sid, cl.people[0], module.id) == expected


def test_the_audit_chain_walk_of_verify_does_not_wait_for_the_writer(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Verify's long walk is a read; only its own closing audit event needs the write lock."""
    walked: list[bool] = []
    real = audit.verify_chain

    def walk(session: object, batch: int = 5000,
             on_batch: Callable[[int], None] | None = None) -> audit.ChainReport:
        with write_lock_held(ws):  # a writer takes the lock while the walk is under way
            report = real(session, batch, on_batch)  # type: ignore[arg-type]
        walked.append(report.ok)
        return report

    monkeypatch.setattr(audit, "verify_chain", walk)
    assert maintenance.verify(ws).ok
    assert walked == [True]
