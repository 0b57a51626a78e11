"""Locking the screen: by Ctrl+L or after the clinic's idle time.

A lock hides every page (they are hidden, not destroyed, so a running block keeps running and
its timers stay right: they are derived from stored times and the clock). Idle time is measured
against ``clock.now()`` at the last key or mouse input anywhere in the application, so sleep or a
busy event loop cannot stretch it."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QCoreApplication, QEvent, QKeyCombination, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import auth
from facilitator.services.workspace import Workspace

from .errors import attempt, user_message
from .widgets import ErrorLabel, scaled_font

_INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
})
LOCK_KEYS = QKeyCombination(Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_L)


class LockController(QObject):
    locked = Signal()
    """The screen was locked: pages must not show PHI (they are hidden already)."""
    unlocked = Signal()
    """The user re-entered the password."""

    def __init__(self, ws: Workspace, parent: QObject | None = None,
                 check_interval_ms: int = 5000) -> None:
        super().__init__(parent)
        self.ws = ws
        self.is_locked = False
        self.last_activity: datetime = ws.clock.now()
        self.idle_minutes = attempt(lambda: auth.idle_lock_minutes(ws), lambda e: None) or 10
        self.timer = QTimer(self)
        self.timer.setInterval(check_interval_ms)
        self.timer.timeout.connect(self.check_idle)
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Runs for every event in the app: keep it to a set lookup and a clock read.
        if event.type() in _INPUT_EVENTS:
            self.last_activity = self.ws.clock.now()
            # Ctrl+L locks from every window (the console, the presenter, any dialog), not only
            # where the menu's shortcut lives: a window shortcut never sees keys typed elsewhere.
            if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                    and event.keyCombination() == LOCK_KEYS):
                self.lock()
                return True
        return False

    def set_idle_minutes(self, minutes: int) -> None:
        self.idle_minutes = minutes

    def idle_for(self) -> timedelta:
        return self.ws.clock.now() - self.last_activity

    def check_idle(self) -> None:
        if not self.is_locked and self.idle_for() >= timedelta(minutes=self.idle_minutes):
            self.lock()

    def lock(self) -> None:
        if self.is_locked:
            return
        self.is_locked = True
        # The screen locks even if the audit write fails: hiding PHI matters more.
        attempt(lambda: auth.lock(self.ws), lambda e: None)
        self.locked.emit()

    def unlock(self, password: str) -> str | None:
        """Check the password; returns an error message, or None once unlocked."""
        error: list[BaseException] = []
        attempt(lambda: auth.unlock(self.ws, password), error.append)
        if error:
            return user_message(error[0])
        self.is_locked = False
        self.last_activity = self.ws.clock.now()
        self.unlocked.emit()
        return None


class LockScreen(QWidget):
    """What the window shows while locked: who is signed in and a password field; no PHI."""

    quit_requested = Signal()

    def __init__(self, controller: LockController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        title = QLabel(self.tr("Facilitator is locked"))
        title.setFont(scaled_font(1.8, bold=True, base=self))
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        who = QLabel(self.tr("Signed in: {0}").format(controller.ws.actor.signature_name))
        who.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Explicit line breaks: a wrapped label in a centred box gets clipped by the layout.
        hint = QLabel(self.tr("Anything running (a live block) goes on.\n"
                              "Enter your password to continue."))
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("Password"))
        self.password.setAccessibleName(self.tr("Password"))
        self.unlock_button = QPushButton(self.tr("&Unlock"))
        self.unlock_button.setDefault(True)
        self.quit_button = QPushButton(self.tr("Sign out and &quit"))
        self.error = ErrorLabel()
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row = QHBoxLayout()
        row.addWidget(self.password, 1)
        row.addWidget(self.unlock_button)
        box = QWidget()
        # Wrapped labels would otherwise shrink the box to a narrow, clipped column.
        box.setFixedWidth(self.fontMetrics().averageCharWidth() * 60)
        inner = QVBoxLayout(box)
        inner.addWidget(title)
        inner.addWidget(who)
        inner.addWidget(hint)
        inner.addSpacing(self.fontMetrics().height())
        inner.addLayout(row)
        inner.addWidget(self.error)
        inner.addWidget(self.quit_button, 0, Qt.AlignmentFlag.AlignRight)
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(2)
        self.password.returnPressed.connect(self._on_unlock)
        self.unlock_button.clicked.connect(self._on_unlock)
        self.quit_button.clicked.connect(self.quit_requested)

    def prepare(self) -> None:
        self.password.clear()
        self.error.setText("")
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_unlock(self) -> None:
        message = self.controller.unlock(self.password.text())
        self.password.clear()
        if message:
            self.error.setText(message)
            self.password.setFocus()
