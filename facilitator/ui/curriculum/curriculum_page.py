"""The "Library & planning" page: library browser, rotation plans and participant coverage in
tabs, plus the presenter window the library's Present button opens."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from facilitator.services.curriculum import library
from facilitator.services.curriculum.dto import TopicView
from facilitator.services.workspace import Workspace

from ..errors import attempt
from ..pages import Page
from .coverage_page import CoveragePage
from .library_page import LibraryPage
from .plan_editor import PlanEditorPage
from .presenter import PresenterWindow


class CurriculumPage(Page):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self._synced = False
        self.presenter: PresenterWindow | None = None
        self.library = LibraryPage(ws)
        self.plans = PlanEditorPage(ws)
        self.coverage = CoveragePage(ws)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.library, self.tr("&Library"))
        self.tabs.addTab(self.plans, self.tr("Rotation &plans"))
        self.tabs.addTab(self.coverage, self.tr("C&overage"))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.tabs)
        self.tabs.currentChanged.connect(lambda _i: self._refresh_tab())
        self.library.present_requested.connect(self._on_present_requested)
        self.refresh()

    def refresh(self) -> None:
        if not self._synced:
            # First use: bring newly shipped topics in (idempotent and cheap when up to date).
            report = attempt(lambda: library.sync_shipped_library(self.ws),
                             self.library.show_error)
            self._synced = report is not None
            if report is not None and report.problems:
                # A broken library file is skipped, never fatal; name it so it gets fixed.
                self.library.error.setText("\n".join(
                    [self.tr("A curriculum file could not be loaded; the rest of the library "
                             "works:"), *report.problems]))
        self._refresh_tab()

    def _refresh_tab(self) -> None:
        page = self.tabs.currentWidget()
        if isinstance(page, Page):
            page.refresh()

    def _on_present_requested(self, topic: TopicView | None) -> None:
        if self.presenter is None:
            self.presenter = PresenterWindow()
        self.presenter.show_topic(topic)
        self.presenter.show_on_secondary_screen()
