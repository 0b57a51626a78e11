"""The console controller works without any widget: it calls the services and says what
happened through its documented signals (the view only listens)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from facilitator.services import console as svc
from facilitator.services.console.dto import ConsoleState
from facilitator.services.workspace import Workspace
from facilitator.ui.console.controller import ConsoleController

from .conftest import DemoGroup
from .test_console_panels import console, running_session


@pytest.fixture
def running(therapist_ws: Workspace, demo_group: DemoGroup
            ) -> tuple[Workspace, int, ConsoleController, list[str]]:
    """A running block, its controller, and the failures it reports."""
    sid = running_session(therapist_ws, demo_group)
    controller = ConsoleController(therapist_ws, sid)
    failed: list[str] = []
    controller.failed.connect(failed.append)
    return therapist_ws, sid, controller, failed


def test_the_controller_reports_through_its_signals(
        running: tuple[Workspace, int, ConsoleController, list[str]]) -> None:
    ws, sid, controller, failed = running
    states: list[ConsoleState] = []
    done: list[str] = []
    controller.state_changed.connect(states.append)
    controller.done.connect(done.append)

    pid = svc.roster(ws, sid)[0].participant_id
    assert controller.call(svc.mark_present, sid, pid, done="Marked.") is not None
    assert done == ["Marked."] and failed == []
    assert next(a for a in states[-1].attendance if a.participant_id == pid).status == "present"
    assert controller.state is states[-1]

    assert controller.call(svc.mark_present, sid, pid) is None  # already here: refused
    assert failed == ["Already marked as here."] and len(done) == 1

    controller.undo()
    assert done[-1] == "Undone: Mark arrival"
    assert next(a for a in controller.state.attendance  # type: ignore[union-attr]
                if a.participant_id == pid).status == "expected"


def test_a_read_answers_or_reports_its_failure_once(
        running: tuple[Workspace, int, ConsoleController, list[str]]) -> None:
    ws, sid, controller, failed = running

    assert controller.read(svc.walk_in_candidates, sid) == svc.walk_in_candidates(ws, sid)
    assert failed == []
    for _ in range(2):
        assert controller.read(svc.segment_topic, 10**9, fallback="none", once=True) == "none"
    assert len(failed) == 1 and "no longer exists" in failed[0], failed


def test_the_console_window_reads_only_through_its_controller(
        qtbot: QtBot, therapist_ws: Workspace, demo_group: DemoGroup,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every query the console makes after opening goes through ``ConsoleController.read``
    (or its refresh): a service called directly would be missing from the record."""
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    window = console(qtbot, ws, sid)
    read_through: list[str] = []
    real_read = window.controller.read

    def record(query: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        read_through.append(query.__name__)
        return real_read(query, *args, **kwargs)

    monkeypatch.setattr(window.controller, "read", record)
    called: list[str] = []
    for name in ("walk_in_candidates", "facilitator_choices", "topic_choices",
                 "go_around_order", "planned_topics", "segment_topic", "end_summary"):
        real = getattr(svc, name)

        def spy(*args: Any, _real: Callable[..., Any] = real, **kwargs: Any) -> Any:
            called.append(_real.__name__)
            return _real(*args, **kwargs)

        spy.__name__ = name
        monkeypatch.setattr(svc, name, spy)

    svc.mark_present(ws, sid, demo_group.participant_ids[0])
    window.commands.open_walk_in()
    window.commands.open_details()
    module = next(g for g in window.state.session.segments  # type: ignore[union-attr]
                  if g.kind == "module")
    window.commands.open_topic_picker(module.id)
    window.commands.start_go_around()
    window.topics._planned_for = None  # the segment list "changed": planned topics re-read
    window.refresh()

    assert {"walk_in_candidates", "facilitator_choices", "topic_choices",
            "go_around_order", "planned_topics"} <= set(called)
    assert called == read_through
