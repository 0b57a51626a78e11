"""The console controller works without any widget: it calls the services and says what
happened through its documented signals (the view only listens)."""

from __future__ import annotations

from facilitator.services import console as svc
from facilitator.services.console.dto import ConsoleState
from facilitator.services.workspace import Workspace
from facilitator.ui.console.controller import ConsoleController

from .conftest import DemoGroup
from .test_console_panels import running_session


def test_the_controller_reports_through_its_signals(therapist_ws: Workspace,
                                                    demo_group: DemoGroup) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    controller = ConsoleController(ws, sid)
    states: list[ConsoleState] = []
    failed: list[str] = []
    done: list[str] = []
    controller.state_changed.connect(states.append)
    controller.failed.connect(failed.append)
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
