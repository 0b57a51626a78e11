"""The Sync conflicts page driven as an admin would, on a laptop whose records really clash
with another laptop's: the status bar's count leads there, one click keeps a value, a field
settled meanwhile on the other laptop gets a sentence, and the count drops."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from facilitator.services import roster
from facilitator.services.sync import conflicts, run
from facilitator.ui.admin.audit_page import AuditPage
from facilitator.ui.admin.conflicts_page import ConflictsPage
from facilitator.ui.main_window import MainWindow
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Clinic, Laptop
from tests.sync.test_clashes import one_chart_number_on_both
from tests.sync.test_conflicts import _on_both
from tests.sync.test_converge import _pid, _preferred, a, clinic
from tests.ui.conftest import isolated_settings  # autouse: QSettings in tmp_path

__all__ = ["a", "clinic", "isolated_settings", "nc"]


def _rename_three(laptop: Laptop, tag: str) -> None:
    for chart, name in (("N-1", "Ada"), ("N-2", "Ben"), ("N-4", "Dee")):
        _preferred(laptop.sign_in(), _pid(laptop, chart), f"{name} {tag}")


def test_keep_a_value_from_the_status_bar(qtbot: QtBot, qtmodeltester: ModelTester,
                                          clinic: Clinic, a: Laptop, nc: NotesClinic) -> None:
    b = _on_both(clinic, a, nc, _rename_three)
    therapist = MainWindow(b.sign_in("tara"))
    qtbot.addWidget(therapist)
    assert "conflicts" not in [s.key for s in therapist.specs]
    assert therapist.sync_status.label.text().endswith("· 3 need an admin")
    assert therapist.sync_status.conflicts_button.isHidden()

    window = MainWindow(a.sign_in())
    qtbot.addWidget(window)
    window.show()
    button = window.sync_status.conflicts_button
    assert button.isVisible() and button.text() == "3 need an admin"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.current_key() == "conflicts"
    page = window.page("conflicts")
    assert isinstance(page, ConflictsPage)
    assert [page.model.index(r, 1).data() for r in range(3)] == [
        "Ada B (Ada Example), chart N-1", "Ben B (Ben Sample), chart N-2",
        "Dee B (Dee Mock), chart N-4"]
    assert page.empty.isHidden()
    qtmodeltester.check(page.model)

    # B's admin settles Ben's name; A's next round (Sync now) brings it, and the list follows.
    ben = next(f for f in conflicts.flagged(b.sign_in()) if "N-2" in f.label)
    conflicts.resolve(b.sign_in(), ben.gid, ben.field, "Ben A")
    b.sync()
    op = window.sync_status.sync_now()
    assert op is not None
    with qtbot.waitSignal(window.sync_status.round_finished, timeout=30_000):
        pass
    assert page.model.rowCount() == 2 and button.text() == "2 need an admin"

    # Meanwhile B's admin settles Ada's name, and A pulls it, with the list still on screen.
    ada = next(f for f in conflicts.flagged(b.sign_in()) if "N-1" in f.label)
    conflicts.resolve(b.sign_in(), ada.gid, ada.field, "Ada A")
    b.sync(), a.sync()
    page.table.selectRow(0)
    assert "Ada B (Ada Example)" in page.heading.text()
    qtbot.mouseClick(page.choice_buttons()[0], Qt.MouseButton.LeftButton)
    assert "has been settled meanwhile" in page.error.message()
    assert page.model.rowCount() == 1  # the list as it is now: Dee's name is left

    assert page.heading.text() == "The preferred name of participant Dee B (Dee Mock), chart N-4"
    keep = [b for b, c in zip(page.choice_buttons(), page.selected().choices, strict=True)
            if not c.shown]
    qtbot.mouseClick(keep[0], Qt.MouseButton.LeftButton)
    assert page.confirmation.text().startswith("✓ Kept “Dee A” as the preferred name of")
    assert page.table.isHidden() and page.empty.isVisible()
    assert button.isHidden()  # the count dropped with it
    window.show_page("audit")
    audit_page = window.page("audit")
    assert isinstance(audit_page, AuditPage)
    audit_page.refresh()
    assert "Settled a sync conflict: kept one of the values of the preferred name." in [
        audit_page.model.index(r, 6).data() for r in range(audit_page.model.rowCount())]
    a.sync(), b.sync()
    assert run.status(b.sign_in()).conflicts == 0
    assert a.dump() == b.dump()
    therapist.close()
    window.close()


def test_a_chart_number_given_twice_is_listed_and_acknowledged(
        qtbot: QtBot, clinic: Clinic, a: Laptop, nc: NotesClinic) -> None:
    """Two laptops each gave chart N-9 to a new person: the page says so in words, with what
    to do, and one click acknowledges it here; the audit log says so without the number."""
    b = clinic.join_from(a, "B")
    b.sync()
    one_chart_number_on_both(a, b, "N-9")
    renamed = next(p for p in roster.list_participants(a.sign_in())
                   if p.chart_id.startswith("N-9-"))
    window = MainWindow(a.sign_in())
    qtbot.addWidget(window)
    window.show()
    button = window.sync_status.conflicts_button
    assert button.text() == "1 need an admin"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    page = window.page("conflicts")
    assert isinstance(page, ConflictsPage)
    assert [page.model.index(0, c).data() for c in range(3)] == [
        "participant", f"{renamed.legal_name}, chart {renamed.chart_id}", "chart number"]
    assert page.heading.text() == (f"The chart number of participant {renamed.legal_name},"
                                   f" chart {renamed.chart_id}")
    assert "Give it its right chart number on the Roster page" in page.note.text()
    assert page.typed_row.isHidden()  # nothing to type: a chart is renamed on the Roster page
    assert page.detail.title() == "What to do"
    assert [b.text() for b in page.choice_buttons()] == ["&Acknowledge"]
    qtbot.mouseClick(page.choice_buttons()[0], Qt.MouseButton.LeftButton)
    assert page.confirmation.text().startswith(
        f"✓ Acknowledged on this laptop: participant {renamed.legal_name}")
    assert page.table.isHidden() and page.empty.isVisible() and button.isHidden()
    window.show_page("audit")
    audit_page = window.page("audit")
    assert isinstance(audit_page, AuditPage)
    audit_page.refresh()
    texts = [audit_page.model.index(r, 6).data() for r in range(audit_page.model.rowCount())]
    assert ("Acknowledged a record made on two laptops with one chart id; both are kept."
            in texts)
    assert run.status(b.sign_in()).conflicts == 1  # B met the clash too: its own entry
    window.close()
