"""The curriculum item models pass Qt's model checks with real service data."""

from __future__ import annotations

from datetime import date

from pytestqt.modeltest import ModelTester

from facilitator.services.curriculum import coverage, library, planning
from facilitator.services.curriculum.dto import PlanEntry
from facilitator.services.curriculum.packs import PackItem
from facilitator.services.workspace import Workspace
from facilitator.ui.curriculum.item_models import (
    CalendarModel,
    ModuleListModel,
    PlanGridModel,
    TopicTableModel,
    attended_model,
    module_coverage_model,
    pack_preview_model,
)

from ...services.curriculum.helpers import add_member, make_group, synced


def test_models_pass_the_model_tester(ws: Workspace, qtmodeltester: ModelTester) -> None:
    synced(ws)
    group = make_group(ws)
    topics = library.search_topics(ws)
    planning.save_plan(ws, group.id, 2, [PlanEntry(0, 1, 0, topics[0].key),
                                         PlanEntry(1, 5, 1, topics[1].key)])
    # Each model goes to the (asserting, Python) tester empty and is filled afterwards, so the
    # fill's reset brackets are checked too; one model at a time (the tester watches the last).
    modules = ModuleListModel()
    qtmodeltester.check(modules, force_py=True)
    modules.set_modules(library.list_modules(ws))
    topic_model = TopicTableModel()
    qtmodeltester.check(topic_model, force_py=True)
    topic_model.set_rows(topics)
    grid = PlanGridModel()
    qtmodeltester.check(grid, force_py=True)
    plan = planning.get_plan(ws, group.id)
    grid.set_plan(plan)
    assert grid.rowCount() == 4 and grid.columnCount() == 3
    assert grid.data(grid.index(0, 0)) == topics[0].title
    calendar = CalendarModel()
    qtmodeltester.check(calendar, force_py=True)
    calendar.set_days(planning.calendar(ws, group.id), plan.slots)
    preview = pack_preview_model()
    qtmodeltester.check(preview, force_py=True)
    preview.set_rows([PackItem("m", "Module", "t", "Topic", 2, 1, "newer")])
    p = add_member(ws, group.id, "C-1", "Someone Example", date(2026, 1, 5))
    view = coverage.participant_coverage(ws, p.id)
    for model, rows in ((module_coverage_model(), view.modules),
                        (attended_model(), view.attended)):
        qtmodeltester.check(model, force_py=True)
        model.set_rows(rows)
