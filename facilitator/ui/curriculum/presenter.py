"""The presenter view: a separate window for a projector or a shared telehealth screen.

It shows ONLY curriculum content (title, key points, activity, discussion prompts) in large type
that scales with the system font. It is fed nothing but a ``TopicView``, so no participant data
can reach it; its window title is fixed. The live console drives it with ``show_topic`` whenever
the running segment changes, and ``show_on_secondary_screen`` puts it on a second screen.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from facilitator.services.curriculum.dto import TopicView

from ..theme import follow
from ..widgets import scaled_font

TITLE_SCALE, HEAD_SCALE, BODY_SCALE = 3.4, 2.1, 2.0
MIN_ZOOM, MAX_ZOOM = 0.6, 2.5


class PresenterWindow(QWidget):
    """Top-level, curriculum-only window. ``zoom`` multiplies the system-relative sizes."""

    def __init__(self) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.zoom = 1.0
        self.topic: TopicView | None = None
        self._build_ui()
        self._connect_signals()
        self.clear_topic()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("Facilitator — presenter view"))
        self.setObjectName("presenter")
        follow(self, lambda t: self.setStyleSheet(
            f"#presenter, #presenterBody {{ background: {t.surface}; }}"
            f" QLabel {{ color: {t.text}; }}"))
        self.module = QLabel()
        self.title = QLabel()
        self.key_points_head = QLabel(self.tr("Key points"))
        self.key_points = QLabel()
        self.activity_head = QLabel(self.tr("Activity"))
        self.activity = QLabel()
        self.prompts_head = QLabel(self.tr("Let's discuss"))
        self.prompts = QLabel()
        body = QWidget()
        body.setObjectName("presenterBody")
        lay = QVBoxLayout(body)
        lay.setContentsMargins(48, 36, 48, 36)
        lay.setSpacing(10)
        for label in self._labels():
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            lay.addWidget(label)
            if label in (self.title, self.key_points, self.activity):
                lay.addSpacing(14)
        lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.resize(1100, 760)
        self._apply_fonts()

    def _connect_signals(self) -> None:
        QShortcut(QKeySequence(QKeySequence.StandardKey.ZoomIn), self, lambda: self.set_zoom(
            self.zoom * 1.15))
        QShortcut(QKeySequence("Ctrl+="), self, lambda: self.set_zoom(self.zoom * 1.15))
        QShortcut(QKeySequence(QKeySequence.StandardKey.ZoomOut), self, lambda: self.set_zoom(
            self.zoom / 1.15))
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._leave_full_screen)

    def _labels(self) -> tuple[QLabel, ...]:
        return (self.module, self.title, self.key_points_head, self.key_points,
                self.activity_head, self.activity, self.prompts_head, self.prompts)

    def _apply_fonts(self) -> None:
        # Relative to the application font, so the projector text follows the system setting.
        base = QWidget()
        base.setFont(QGuiApplication.font())
        z = self.zoom
        self.module.setFont(scaled_font(BODY_SCALE * 0.75 * z, base=base))
        self.title.setFont(scaled_font(TITLE_SCALE * z, bold=True, base=base))
        for head in (self.key_points_head, self.activity_head, self.prompts_head):
            head.setFont(scaled_font(HEAD_SCALE * z, bold=True, base=base))
        for text in (self.key_points, self.activity, self.prompts):
            text.setFont(scaled_font(BODY_SCALE * z, base=base))

    def set_zoom(self, zoom: float) -> None:
        self.zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        self._apply_fonts()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ApplicationFontChange:
            self._apply_fonts()
        super().changeEvent(event)

    # -- public slots for the console --------------------------------------------------------
    @Slot(object)
    def show_topic(self, topic_view: TopicView | None) -> None:
        """Show a topic's curriculum content (or a neutral screen for None)."""
        if topic_view is None:
            self.clear_topic()
            return
        self.topic = topic_view
        self.module.setText(topic_view.module_title)
        self.title.setText(topic_view.title)
        self.key_points.setText("\n".join(f"•  {p}" for p in topic_view.key_points))
        self.activity.setText(topic_view.activity)
        self.prompts.setText("\n".join(f"?  {p}" for p in topic_view.discussion_prompts))
        for w in (self.key_points_head, self.key_points, self.activity_head, self.activity,
                  self.prompts_head, self.prompts):
            w.setVisible(bool(w.text()))

    @Slot()
    def clear_topic(self) -> None:
        """A neutral screen between topics (check-in, break, process group)."""
        self.topic = None
        self.module.setText("")
        self.title.setText(self.tr("Welcome"))
        for w in (self.key_points, self.activity, self.prompts):
            w.setText("")
        for w in (self.key_points_head, self.key_points, self.activity_head, self.activity,
                  self.prompts_head, self.prompts):
            w.hide()

    def show_on_secondary_screen(self) -> bool:
        """Full screen on a screen other than the primary one if there is one (True), else a
        normal window on the current screen (False)."""
        primary = QGuiApplication.primaryScreen()
        others = [s for s in QGuiApplication.screens() if s is not primary]
        if not others:
            self.showNormal()
            self.raise_()
            return False
        screen = others[0]
        self.setScreen(screen)
        self.setGeometry(screen.availableGeometry())
        self.showFullScreen()
        return True

    def _leave_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.close()

    def visible_text(self) -> str:
        """Every piece of text the window shows (for tests and screenshots)."""
        parts = [self.windowTitle()]
        parts += [lbl.text() for lbl in self.findChildren(QLabel)]
        return "\n".join(parts)
