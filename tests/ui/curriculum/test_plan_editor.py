"""The plan editor driven by keys: assign with Enter, move with Ctrl+arrow, clear with Delete."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from facilitator.services.curriculum import authoring, library, planning
from facilitator.services.curriculum.dto import PlanEntry
from facilitator.services.workspace import Workspace
from facilitator.ui.curriculum.plan_editor import PlanEditorPage

from ...services.curriculum.helpers import make_group, synced
from ..conftest import type_text


def test_plan_a_rotation_with_the_keyboard(qtbot: QtBot, ws: Workspace) -> None:
    synced(ws)
    group = make_group(ws)
    page = PlanEditorPage(ws)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    assert page.grid_model.rowCount() == 8 and page.grid_model.columnCount() == 3
    # Pick a topic by searching, then press Enter in the grid's first cell.
    type_text(page.search, "urge surfing")
    picked = page.picker_model.row_at(0)
    page.grid.setFocus()
    page.grid.setCurrentIndex(page.grid_model.index(0, 0))
    qtbot.keyClick(page.grid, Qt.Key.Key_Return)
    plan = planning.get_plan(ws, group.id)
    assert [(c.week, c.weekday, c.slot, c.topic_key) for c in plan.cells] == [
        (0, 1, 0, picked.key)]
    # Ctrl+Right moves it to Wednesday, Ctrl+Down to the second module slot.
    qtbot.keyClick(page.grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.grid, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    plan = planning.get_plan(ws, group.id)
    assert [(c.week, c.weekday, c.slot) for c in plan.cells] == [(0, 3, 1)]
    assert page.grid.currentIndex().row() == 1 and page.grid.currentIndex().column() == 1
    # The calendar shows it on the next Wednesday of cycle week 1.
    cal = page.calendar_model
    wednesdays = [r for r in range(cal.rowCount()) if cal.row_at(r).weekday == 3
                  and cal.row_at(r).cycle_week == 0]
    assert cal.data(cal.index(wednesdays[0], 4)) == picked.title
    # Delete clears the cell.
    qtbot.keyClick(page.grid, Qt.Key.Key_Delete)
    assert planning.get_plan(ws, group.id).cells == ()


def test_retired_topic_in_the_plan_is_flagged(qtbot: QtBot, ws: Workspace) -> None:
    synced(ws)
    make_group(ws)
    page = PlanEditorPage(ws)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    page.grid.setCurrentIndex(page.grid_model.index(2, 1))
    page.picker.setFocus()
    qtbot.keyClick(page.picker, Qt.Key.Key_Return)
    key = page.grid_model.topic_at(page.grid_model.index(2, 1))
    assert key is not None
    authoring.set_topic_retired(ws, key)
    page.refresh()
    title = library.get_topic(ws, key).title
    assert page.retired_note.isVisible() and title in page.retired_note.text()
    assert "retired" in page.grid_model.data(page.grid_model.index(2, 1))


def test_shorter_cycle_drops_later_weeks(qtbot: QtBot, ws: Workspace) -> None:
    synced(ws)
    group = make_group(ws)
    page = PlanEditorPage(ws)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    page.grid.setCurrentIndex(page.grid_model.index(7, 2))  # week 4, slot 2, Friday
    page.picker.setFocus()
    qtbot.keyClick(page.picker, Qt.Key.Key_Return)
    assert len(planning.get_plan(ws, group.id).cells) == 1
    page.cycle.setFocus()
    qtbot.keyClick(page.cycle, Qt.Key.Key_Down)
    plan = planning.get_plan(ws, group.id)
    assert plan.cycle_weeks == 3 and plan.cells == ()
    assert page.grid_model.rowCount() == 6


def test_an_entry_with_no_module_slot_is_named_and_does_not_block_edits(
        qtbot: QtBot, ws: Workspace) -> None:
    """Clinic sync gives a topic planned in one slot on two laptops apart the next slot free,
    which the block may not have (``services.sync.cells``). The page names it, and the next
    edit saves the plan without it instead of failing on it ("The block has only 2 module
    segment(s).") at every edit."""
    from sqlalchemy import text

    synced(ws)
    group = make_group(ws)
    topics = library.search_topics(ws)
    planning.save_plan(ws, group.id, 4, [PlanEntry(0, 1, 0, topics[0].key)])
    with ws.transaction() as s:  # as a pull leaves it: a third topic for Monday of week 1
        s.execute(text("INSERT INTO rotation_entries (plan_id, week, weekday, slot, topic_id)"
                       " SELECT plan_id, week, weekday, 2, (SELECT id FROM curriculum_topics"
                       " WHERE key = :key) FROM rotation_entries"), {"key": topics[1].key})
    page = PlanEditorPage(ws)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    assert page.retired_note.isVisible()
    assert f"week 1, Mon: {topics[1].title}" in page.retired_note.text()
    page.grid.setCurrentIndex(page.grid_model.index(1, 0))  # week 1, second module, Monday
    page.picker.setFocus()
    qtbot.keyClick(page.picker, Qt.Key.Key_Return)
    assert page.error.text() == ""
    plan = planning.get_plan(ws, group.id)
    assert [(c.slot, c.topic_key) for c in plan.cells] == [
        (0, topics[0].key), (1, page.picker_model.row_at(0).key)]
    assert not page.retired_note.text()
