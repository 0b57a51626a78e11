"""A topic delivered from the console is one transaction: the delivery row, the segment's topic,
the audit events and the undo entry are stored together or not at all. Faults are injected in
the audit write (not our storage), on the real encrypted database."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from facilitator.services import audit
from facilitator.services import console as c
from facilitator.services.curriculum import delivery, library, planning
from facilitator.services.curriculum.dto import PlanEntry
from facilitator.services.errors import StorageProblem

from .conftest import Clinic
from .test_bad_input import started, unchanged


@pytest.fixture
def block(cl: Clinic) -> tuple[Clinic, int, int, str, str]:
    """A running block whose module slot has a planned topic; (clinic, session id, module segment
    id, planned topic key, another topic key)."""
    library.sync_shipped_library(cl.ws)
    key = library.search_topics(cl.ws, "urge")[0].key
    other = library.search_topics(cl.ws, "sleep")[0].key
    planning.save_plan(cl.ws, cl.group.id, 1, [PlanEntry(0, 1, 0, key)],
                       start_date=date(2026, 3, 2))
    sid = started(cl)
    module = next(g for g in c.get_session(cl.ws, sid).segments if g.kind == "module")
    return cl, sid, module.id, key, other


def fail_audit_on(monkeypatch: pytest.MonkeyPatch, nth: int) -> list[str]:
    """Make the ``nth`` audit write from now on fail as storage would; returns the actions
    attempted (so a test can check the fault hit the step it meant)."""
    real = audit.record
    attempted: list[str] = []

    def flaky(session: Any, ws: Any, action: str, *args: Any, **kwargs: Any) -> Any:
        attempted.append(action)
        if len(attempted) == nth:
            raise StorageProblem("The disk refused the write.")
        return real(session, ws, action, *args, **kwargs)

    monkeypatch.setattr(audit, "record", flaky)
    return attempted


def topic_of(cl: Clinic, sid: int, segment_id: int) -> tuple[str, int | None]:
    seg = next(g for g in c.get_session(cl.ws, sid).segments if g.id == segment_id)
    return seg.topic_text, seg.topic_version_id


@pytest.mark.parametrize(("nth", "step"), [(1, "topic.delivered"),
                                           (2, "console.segment.topic")])
def test_failed_delivery_leaves_nothing_behind(block: tuple[Clinic, int, int, str, str],
                                               monkeypatch: pytest.MonkeyPatch, nth: int,
                                               step: str) -> None:
    cl, sid, module, key, _other = block
    cl.at(9, 31)
    before_topic = topic_of(cl, sid, module)
    attempted = fail_audit_on(monkeypatch, nth)
    unchanged(cl, sid, StorageProblem, "refused",
              lambda: c.deliver_topic(cl.ws, module, key))
    assert attempted[-1] == step  # the fault hit the step meant (the 2nd: after the delivery)
    assert delivery.session_deliveries(cl.ws, sid) == []
    assert topic_of(cl, sid, module) == before_topic
    assert c.actions(cl.ws, sid)[-1].kind == "session.start"  # no new undo entry

    monkeypatch.undo()  # the fault cleared, the same call goes through and undoes as one
    session = c.deliver_topic(cl.ws, module, key)
    [done] = delivery.session_deliveries(cl.ws, sid)
    assert next(g for g in session.segments if g.id == module).topic_version_id == (
        done.topic_version_id)
    c.undo_last(cl.ws, sid)
    assert delivery.session_deliveries(cl.ws, sid) == []
    assert topic_of(cl, sid, module) == before_topic


def test_failed_swap_keeps_the_earlier_topic(block: tuple[Clinic, int, int, str, str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    cl, sid, module, key, other = block
    cl.at(9, 31)
    c.deliver_topic(cl.ws, module, key)
    [first] = delivery.session_deliveries(cl.ws, sid)
    shown = topic_of(cl, sid, module)
    cl.at(9, 32)
    fail_audit_on(monkeypatch, 2)
    unchanged(cl, sid, StorageProblem, "refused",
              lambda: c.deliver_topic(cl.ws, module, other))
    assert delivery.session_deliveries(cl.ws, sid) == [first]
    assert topic_of(cl, sid, module) == shown
    monkeypatch.undo()
    c.undo_last(cl.ws, sid)  # the last action is still the first choice
    assert delivery.session_deliveries(cl.ws, sid) == []


def test_failed_free_text_keeps_the_delivery(block: tuple[Clinic, int, int, str, str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    cl, sid, module, key, _other = block
    cl.at(9, 31)
    c.deliver_topic(cl.ws, module, key)
    [first] = delivery.session_deliveries(cl.ws, sid)
    shown = topic_of(cl, sid, module)
    cl.at(9, 32)
    fail_audit_on(monkeypatch, 1)
    unchanged(cl, sid, StorageProblem, "refused",
              lambda: c.set_segment_topic(cl.ws, module, "Our own grounding drill"))
    assert delivery.session_deliveries(cl.ws, sid) == [first]
    assert topic_of(cl, sid, module) == shown
