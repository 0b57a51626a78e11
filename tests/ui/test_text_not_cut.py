"""Text that used to be cut is shown whole: the console's segment table, the library's module
column and the roster's enrol combo box (issue 10), the participant's timeline tab."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import QApplication, QTableView
from pytestqt.qtbot import QtBot

from facilitator.services import console as svc
from facilitator.services import programs
from facilitator.services.workspace import Workspace
from facilitator.ui.curriculum.curriculum_page import CurriculumPage
from facilitator.ui.main_window import MainWindow
from facilitator.ui.roster.roster_page import RosterPage
from tests.services.notes.conftest import NotesClinic, nc

from .console.conftest import DemoGroup, demo_group, therapist_ws
from .console.test_console_panels import console, running_session

__all__ = ["demo_group", "nc", "therapist_ws"]  # the console and notes fixtures, re-used


def _cell_fits(view: QTableView, row: int, column: int) -> bool:
    """The cell's whole text fits its rectangle (wrapping where the view wraps)."""
    index = view.model().index(row, column)
    text = str(index.data() or "")
    # The style draws item text 3 px in from each side (focus frame margin + 1).
    rect = view.visualRect(index).adjusted(3, 0, -3, 0)
    flags = int(Qt.TextFlag.TextWordWrap) if view.wordWrap() else 0
    needed = view.fontMetrics().boundingRect(QRect(0, 0, rect.width(), 10_000), flags, text)
    return needed.width() <= rect.width() and needed.height() <= rect.height() + 2


def test_segment_titles_and_times_whole_at_1280(qtbot: QtBot, therapist_ws: Workspace,
                                                demo_group: DemoGroup) -> None:
    sid = running_session(therapist_ws, demo_group)
    window = console(qtbot, therapist_ws, sid)
    window.resize(QSize(1280, 720))
    qtbot.waitUntil(lambda: window.width() == 1280)
    svc.start_next_segment(therapist_ws, sid)  # check-in ends: its times read "09:00–09:00"
    window.refresh()
    table = window.segments.table
    cells = [(row, column) for row in range(table.model().rowCount()) for column in (1, 3)]
    QApplication.processEvents()
    for r, c in cells:
        index = table.model().index(r, c)
        assert _cell_fits(table, r, c), (index.data(), table.visualRect(index),
                                         table.isVisible(), table.width())
    texts = [str(table.model().index(r, 3).data()) for r in range(2)]
    assert texts[0].count(":") == 2 and texts[1].startswith("since ")  # no "09:00–…"


def test_library_topic_and_module_names_whole(qtbot: QtBot, ws: Workspace) -> None:
    page = CurriculumPage(ws)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    qtbot.waitExposed(page)
    view = page.library.topic_view
    QApplication.processEvents()
    assert view.model().rowCount() > 0
    for row in range(view.model().rowCount()):
        for column in (0, 1):  # topic title, module
            assert _cell_fits(view, row, column), view.model().index(row, column).data()


def test_enrol_combo_shows_the_longest_group_name(qtbot: QtBot, ws: Workspace) -> None:
    program = programs.add_program(ws, programs.ProgramDraft("Recovery IOP", "sud"))
    long_name = "Monday and Wednesday Evening Women's IOP (demo)"
    programs.add_group(ws, programs.GroupDraft(long_name, program.id, (1,), time(18), time(21)))
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    window.show_page("roster")
    page = window.page("roster")
    assert isinstance(page, RosterPage)
    combo = page.details.group_combo
    page.details.load_groups()
    QApplication.processEvents()
    assert combo.itemData(combo.findText(long_name), Qt.ItemDataRole.ToolTipRole) == long_name
    assert combo.sizeHint().width() > combo.fontMetrics().horizontalAdvance(long_name)


def test_the_timeline_tab_fits_a_1280_window(qtbot: QtBot, nc: NotesClinic) -> None:
    """Its right edge (the Disclosures button, the last columns) used to fall outside the
    window at 1280×720: the session count and hours sat beside the buttons and made the tab
    wider than the roster leaves it."""
    window = MainWindow(nc.admin)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    window.show_page("roster")
    page = window.page("roster")
    assert isinstance(page, RosterPage)
    page.select_id(nc.people[0])
    details = page.details
    details.tabs.setCurrentWidget(details.timeline)
    QApplication.processEvents()
    tab = details.timeline
    assert "1 sessions" in tab.summary.text()
    narrowest = tab.minimumSizeHint().width()
    # However long the summary grows (a year of sessions, a translation), the tab is no wider.
    tab.summary.setText(" · ".join(["1,234 sessions", "3,456.5 h of service"] * 6))
    QApplication.processEvents()
    assert tab.minimumSizeHint().width() == narrowest
    for widget in (tab.disclosures_button, tab.table):
        right = widget.mapTo(window, widget.rect().topRight()).x()
        assert right < window.width(), (widget, right)
