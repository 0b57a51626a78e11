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
    modules = ModuleListModel()
    modules.set_modules(library.list_modules(ws))
    qtmodeltester.check(modules)
    topic_model = TopicTableModel()
    topic_model.set_rows(topics)
    qtmodeltester.check(topic_model)
    grid = PlanGridModel()
    plan = planning.get_plan(ws, group.id)
    grid.set_plan(plan)
    qtmodeltester.check(grid)
    assert grid.rowCount() == 4 and grid.columnCount() == 3
    assert grid.data(grid.index(0, 0)) == topics[0].title
    calendar = CalendarModel()
    calendar.set_days(planning.calendar(ws, group.id), plan.slots)
    qtmodeltester.check(calendar)
    preview = pack_preview_model()
    preview.set_rows([PackItem("m", "Module", "t", "Topic", 2, 1, "newer")])
    qtmodeltester.check(preview)
    p = add_member(ws, group.id, "C-1", "Someone Example", date(2026, 1, 5))
    view = coverage.participant_coverage(ws, p.id)
    for model, rows in ((module_coverage_model(), view.modules),
                        (attended_model(), view.attended)):
        model.set_rows(rows)
        qtmodeltester.check(model)
