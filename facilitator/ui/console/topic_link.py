"""The console's link to the curriculum: planned topics of module segments, the running
segment's topic, and the presenter window (V) that follows it.

Lookups run only when what they depend on changes (the segment list, or the running segment and
its chosen topic), not on every one-second refresh, so the timer tick stays cheap. The presenter
is fed nothing but a ``TopicView`` (curriculum text), so no participant data can reach it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from facilitator.services import console as svc
from facilitator.services.console.dto import ConsoleState
from facilitator.services.curriculum.dto import TopicView
from facilitator.ui.curriculum.presenter import PresenterWindow

from .controller import ConsoleController


class TopicLink(QObject):
    """Caches planned / running topics for one session and drives the presenter window."""

    def __init__(self, controller: ConsoleController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.planned: dict[int, TopicView] = {}
        self.running: TopicView | None = None
        self.presenter: PresenterWindow | None = None
        self._planned_for: object = None
        self._running_for: object = None
        self._shown: object = ()  # what the presenter shows: (key, version id) or None

    def update(self, state: ConsoleState) -> None:
        """Re-read topics if the segments or the running segment's topic changed."""
        session = state.session
        shape = (session.id, tuple((g.id, g.kind) for g in session.segments))
        if shape != self._planned_for:
            self._planned_for = shape
            # Failures go to the console's strip once, not every second; the console keeps running.
            self.planned = self.controller.read(svc.planned_topics, session.id, fallback={},
                                                once=True)
        seg = state.current_segment if session.status == "running" else None
        running_for = (seg.id, seg.topic_version_id, seg.topic_text) if seg else None
        if running_for != self._running_for:
            self._running_for = running_for
            self.running = (self.controller.read(svc.segment_topic, seg.id, once=True)
                            if seg is not None else None)
        self._follow()

    def planned_titles(self) -> dict[int, str]:
        return {segment_id: topic.title for segment_id, topic in self.planned.items()}

    def running_title(self) -> str:
        return self.running.title if self.running is not None else ""

    # -- presenter ------------------------------------------------------------------------------
    @property
    def presenting(self) -> bool:
        return self.presenter is not None and self.presenter.isVisible()

    def toggle_presenter(self) -> bool:
        """Open the presenter (on a secondary screen when there is one) or close it; returns
        whether it is open now."""
        if self.presenting:
            assert self.presenter is not None
            self.presenter.close()
            return False
        if self.presenter is None:
            self.presenter = PresenterWindow()
        self._shown = ()
        self._follow(force=True)
        self.presenter.show_on_secondary_screen()
        return True

    def close_presenter(self) -> None:
        if self.presenter is not None:
            self.presenter.close()
            self.presenter.deleteLater()
            self.presenter = None

    def _follow(self, force: bool = False) -> None:
        if self.presenter is None or not (force or self.presenter.isVisible()):
            return
        shown = (self.running.key, self.running.version_id) if self.running else None
        if shown != self._shown:
            self._shown = shown
            self.presenter.show_topic(self.running)
