"""The presenter view shows the topic in large type and never any participant data."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from facilitator.services.curriculum import library
from facilitator.services.workspace import Workspace
from facilitator.ui.curriculum.curriculum_page import CurriculumPage
from facilitator.ui.curriculum.presenter import PresenterWindow

from ...services.curriculum.helpers import add_member, make_group


def _all_text(window: QWidget) -> str:
    texts = [window.windowTitle(), window.toolTip()]
    for w in window.findChildren(QWidget):
        texts += [w.toolTip(), w.accessibleName(), w.windowTitle()]
        if isinstance(w, QLabel):
            texts.append(w.text())
    return "\n".join(texts)


def test_presenter_shows_the_topic_and_no_participant(qtbot: QtBot, ws: Workspace) -> None:
    group = make_group(ws)
    names = ["Jordan Realname", "Riley Privateperson"]
    for i, name in enumerate(names):
        add_member(ws, group.id, f"C-{i}", name, date(2026, 1, 5))
    page = CurriculumPage(ws)  # the library page lists topics; it also syncs the library
    qtbot.addWidget(page)
    page.show()
    topic = library.get_topic(ws, library.search_topics(ws, "urge")[0].key)
    page.library.present_button.click()
    presenter = page.presenter
    assert isinstance(presenter, PresenterWindow)
    qtbot.addWidget(presenter)
    qtbot.waitExposed(presenter)
    presenter.show_topic(topic)
    text = _all_text(presenter)
    assert topic.title in text and topic.key_points[0] in text
    assert topic.discussion_prompts[0] in text
    assert topic.handout[:40] not in text  # handouts are for paper, not the projector
    for name in names:
        for part in name.split():
            assert part not in text
    assert "C-0" not in text and "C-1" not in text
    # Large type relative to the system font.
    base = QApplication.font().pointSizeF()
    assert presenter.title.font().pointSizeF() >= 2.5 * base
    assert presenter.key_points.font().pointSizeF() >= 1.5 * base


def test_presenter_follows_topics_and_clears(qtbot: QtBot, ws: Workspace) -> None:
    library.sync_shipped_library(ws)
    first, second = library.search_topics(ws)[:2]
    window = PresenterWindow()
    qtbot.addWidget(window)
    window.show_topic(library.get_topic(ws, first.key))
    window.show_topic(library.get_topic(ws, second.key))
    assert window.title.text() == second.title and first.title not in window.visible_text()
    window.clear_topic()
    assert second.title not in window.visible_text()
    assert window.show_on_secondary_screen() is False  # one offscreen screen: a normal window
    assert window.isVisible() and not window.isFullScreen()
    window.set_zoom(2.0)
    assert window.title.font().pointSizeF() > 5 * QApplication.font().pointSizeF()
