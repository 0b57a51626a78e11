"""The audit log reads as sentences, with the stored details on demand (issue 10)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from facilitator.services import console as svc
from facilitator.services.workspace import Workspace
from facilitator.ui.admin.audit_page import AuditPage
from facilitator.ui.main_window import MainWindow

from .console.conftest import DemoGroup, demo_group

__all__ = ["demo_group"]  # a fixture, re-used ("main" comes from tests/ui/conftest.py)


def _details(page: AuditPage) -> list[str]:
    last = page.model.columnCount() - 1
    return [str(page.model.index(r, last).data()) for r in range(page.model.rowCount())]


def test_details_are_sentences_and_raw_json_on_demand(qtbot: QtBot, main: MainWindow,
                                                       ws: Workspace,
                                                       demo_group: DemoGroup) -> None:
    session = svc.open_today_session(ws, demo_group.group_id)
    svc.start_session(ws, session.id)
    svc.mark_present(ws, session.id, demo_group.participant_ids[0])
    main.show_page("audit")
    page = main.page("audit")
    assert isinstance(page, AuditPage)
    page.refresh()
    details = _details(page)
    assert f"Marked an arrival in session {session.id} (action 2)." in details
    assert f"Started the block in session {session.id} (action 1)." in details
    assert not any(d.startswith("{") for d in details)
    last = page.model.columnCount() - 1
    tooltip = page.model.index(0, last).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip and tooltip.startswith("{")
    page.raw_box.setFocus()
    qtbot.keyClick(page.raw_box, Qt.Key.Key_Space)
    assert any(f'"session_id": {session.id}' in d for d in _details(page))


def test_events_of_other_laptops_show_their_device(qtbot: QtBot, main: MainWindow,
                                                    ws: Workspace) -> None:
    """Clinic sync brings other devices' audit events (``peer_audit_events``): the page lists
    them beside this laptop's, each with the device it happened on."""
    from facilitator.models.audit import GENESIS, event_digest
    from facilitator.models.sync_security import PeerAuditEvent

    device = "01900000-0000-7000-8000-00000000abcd"
    at = ws.clock.now()
    digest = event_digest(GENESIS, 1, at, 7, "tara", "goal.created", "participant", "3", {})
    with ws.transaction() as s:
        s.add(PeerAuditEvent(device_id=device, id=1, at=at, user_id=7, login="tara",
                             action="goal.created", entity="participant", entity_id="3",
                             details={}, prev_hash=GENESIS, hash=digest))
    main.show_page("audit")
    page = main.page("audit")
    assert isinstance(page, AuditPage)
    page.refresh()
    headers = [page.model.headerData(c, Qt.Orientation.Horizontal)
               for c in range(page.model.columnCount())]
    col = headers.index("Device")
    shown = {(page.model.index(r, col).data(), page.model.index(r, col + 1).data())
             for r in range(page.model.rowCount())}
    assert ("01900000", "tara") in shown
    assert any(device_ == "this laptop" for device_, _login in shown)
    tips = {page.model.index(r, col).data(Qt.ItemDataRole.ToolTipRole)
            for r in range(page.model.rowCount())}
    assert device in tips
