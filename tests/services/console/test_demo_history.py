"""Generated demo history: consistent with the live rules, and a block ready to start today."""

from __future__ import annotations

import random
from datetime import date, timedelta

from facilitator.services import audit
from facilitator.services import console as c

from .conftest import Clinic


def test_history_is_consistent_and_today_is_ready(cl: Clinic) -> None:
    counts = c.demo_history.add_history(cl.ws, 3, random.Random(1))
    # Mondays and Wednesdays of three weeks before Monday 2 March.
    assert counts["group_sessions"] == 6 and counts["attendance"] == 6 * 7
    assert counts["form_responses"] > 0 and counts["planned_today"] == 1
    [entry] = c.today_sessions(cl.ws)
    assert entry.status == "planned" and entry.session_id is not None
    assert len(c.roster(cl.ws, entry.session_id)) == 7
    monday = date(2026, 2, 23)
    past = [s for d in range(-14, 7) for s in c.sessions_on(cl.ws, cl.group.id,
                                                              monday + timedelta(days=d))]
    assert len(past) == 6 and {s.status for s in past} == {"ended"}
    live: dict[int, int] = {}
    for sess in past:
        assert all(not f.open for f in c.session_flags(cl.ws, sess.id))
        if sess.session_date >= monday:
            for a in c.console_state(cl.ws, sess.id).attendance:
                live[a.participant_id] = live.get(a.participant_id, 0) + a.minutes_today
    # Minutes cached by the generator equal a live recomputation from the stored times.
    cached = {w.participant_id: w.minutes for w in c.week_minutes(cl.ws, cl.people, monday)}
    assert cached == live and sum(live.values()) > 0
    events = audit.list_events(cl.ws, action_prefix="demo.history_generated")
    assert len(events) == 1 and events[0].details["weeks"] == 3
    # Running it again adds nothing for days that already have a session.
    again = c.demo_history.add_history(cl.ws, 3, random.Random(2))
    assert again.get("group_sessions", 0) == 0 and again["planned_today"] == 0
