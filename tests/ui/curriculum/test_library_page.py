"""The library browser driven by keys and clicks: search, details, clinic topic authoring."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from facilitator.services.curriculum import authoring, library
from facilitator.services.curriculum.dto import ModuleDraft
from facilitator.services.workspace import Workspace
from facilitator.ui.curriculum.curriculum_page import CurriculumPage
from facilitator.ui.curriculum.topic_form import TopicForm

from ..conftest import type_text


def test_search_filters_topics_and_shows_the_text(qtbot: QtBot, ws: Workspace) -> None:
    page = CurriculumPage(ws)  # first use syncs the shipped library
    qtbot.addWidget(page)
    page.show()
    lib = page.library
    total = lib.topics.rowCount()
    assert total >= 60
    lib.search.setFocus()
    type_text(lib.search, "urge")
    assert 0 < lib.topics.rowCount() < total
    titles = [lib.topics.row_at(r).title for r in range(lib.topics.rowCount())]
    assert lib.current is not None and lib.current.title == titles[0]
    assert lib.current.title in lib.detail.toPlainText()
    assert lib.current.key_points[0] in lib.detail.toPlainText()
    lib.search.clear()
    type_text(lib.search, "zzzz nothing")
    assert lib.topics.rowCount() == 0 and lib.detail.toPlainText() == ""
    assert not lib.present_button.isEnabled()


def test_picking_a_module_lists_only_its_topics(qtbot: QtBot, ws: Workspace) -> None:
    page = CurriculumPage(ws)
    qtbot.addWidget(page)
    lib = page.library
    lib.module_view.setFocus()
    qtbot.keyClick(lib.module_view, Qt.Key.Key_Down)  # from "All modules" to the first module
    first = library.list_modules(ws)[0]
    assert {lib.topics.row_at(r).module_key for r in range(lib.topics.rowCount())} == {first.key}


def test_add_a_clinic_topic_without_title_then_with_one(qtbot: QtBot, ws: Workspace) -> None:
    page = CurriculumPage(ws)
    qtbot.addWidget(page)
    module = authoring.add_module(ws, ModuleDraft("Clinic Extras"))
    saved: list[object] = []
    form = TopicForm([module], lambda k, d: saved.append(authoring.add_topic(ws, k, d)) or True)
    qtbot.addWidget(form)
    form.show()
    type_text(form.key_points, "Pause before acting")
    save = form.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert form.isVisible() and "required" in form.errors.labels["title"].text()
    assert form.errors.labels["objectives"].isVisible()
    type_text(form.title, "Pause Button")
    type_text(form.objectives, "Use a pause")
    type_text(form.activity, "Practice a pause")
    type_text(form.prompts, "When did you pause?")
    with qtbot.waitSignal(form.accepted):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert len(saved) == 1
    page.library.refresh()
    type_text(page.library.search, "pause button")
    assert page.library.topics.rowCount() == 1
    assert page.library.edit_button.isEnabled()  # clinic topics can be edited


def test_the_page_opens_from_the_main_window(qtbot: QtBot, ws: Workspace) -> None:
    from facilitator.ui.main_window import MainWindow

    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    window.show_page("curriculum")
    page = window.page("curriculum")
    assert isinstance(page, CurriculumPage) and page.library.topics.rowCount() >= 60


def test_a_broken_library_file_is_named_and_the_rest_loads(
        qtbot: QtBot, ws: Workspace, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from facilitator.curriculum import default_library_path

    folder = tmp_path / "curriculum"
    shutil.copytree(default_library_path(), folder)
    (folder / "dbt-mindfulness.json").write_text('{"schema": "facilitator.curriculum/1", '
                                                 '"module": {"id": "x"}, "topics": []}', "utf-8")
    # Point the sync at this folder (a path setting, not a stand-in for our storage).
    monkeypatch.setattr(library, "default_library_path", lambda: folder)
    page = CurriculumPage(ws)
    qtbot.addWidget(page)
    page.show()
    text = page.library.error.text()
    assert "dbt-mindfulness.json" in text and "rest of the library works" in text
    assert page.library.topics.rowCount() >= 60


def test_add_topic_opens_a_window_modal_form_that_does_not_block(qtbot: QtBot,
                                                                 ws: Workspace) -> None:
    authoring.add_module(ws, ModuleDraft("Clinic Extras"))
    page = CurriculumPage(ws)
    qtbot.addWidget(page)
    page.show()
    qtbot.mouseClick(page.library.add_button, Qt.MouseButton.LeftButton)  # returns at once
    [form] = [w for w in page.findChildren(TopicForm) if w.isVisible()]
    assert form.windowModality() == Qt.WindowModality.WindowModal
    type_text(form.title, "Pause Button")
    type_text(form.objectives, "Use a pause")
    type_text(form.key_points, "Pause before acting")
    type_text(form.activity, "Practice a pause")
    type_text(form.prompts, "When did you pause?")
    with qtbot.waitSignal(form.accepted):
        qtbot.mouseClick(form.buttons.button(QDialogButtonBox.StandardButton.Save),
                         Qt.MouseButton.LeftButton)
    assert page.library.info.text() == "Topic added."
