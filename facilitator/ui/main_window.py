"""The main window: navigation on the left, the pages in a stack, the lock screen over both."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QByteArray, QCoreApplication, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import auth, maintenance, users
from facilitator.services.users import ClinicView
from facilitator.services.workspace import Workspace

from .errors import attempt, user_message
from .lock import LockController, LockScreen
from .ops import wait_for_ops
from .pages import Page, PageSpec, pages_for
from .sync_status import SyncStatus
from .widgets import InfoLabel

GEOMETRY_KEY = "main_window/geometry"


class MainWindow(QMainWindow):
    signed_out = Signal()
    """The user signed out (the workspace is closed); the shell shows the sign-in window."""
    quit_requested = Signal()
    """The user signed out and wants to leave the application."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self._signed_out = False
        self._pages: dict[str, QWidget] = {}
        self._holders: dict[str, QScrollArea] = {}
        self._hidden_dialogs: list[QDialog] = []  # hidden by the lock, shown again on unlock
        self.specs: list[PageSpec] = pages_for(ws.actor.role)
        self.lock_controller = LockController(ws, self)
        self._build_ui()
        self._connect_signals()
        self._load_state()
        if self.specs:
            self.show_page(self.specs[0].key)

    # -- building --------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.nav = QListWidget()
        self.nav.setAccessibleName(self.tr("Pages"))
        self.nav.setSpacing(self.fontMetrics().height() // 4)
        for i, spec in enumerate(self.specs):
            item = QListWidgetItem(QCoreApplication.translate("pages", spec.title))
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            if i < 9:
                item.setToolTip(self.tr("Ctrl+{0}").format(i + 1))
            self.nav.addItem(item)
        width = max((self.nav.fontMetrics().horizontalAdvance(self.nav.item(i).text())
                     for i in range(self.nav.count())), default=80)
        self.nav.setFixedWidth(width + self.nav.fontMetrics().averageCharWidth() * 6)
        self.stack = QStackedWidget()
        self.content = QWidget()
        column = QVBoxLayout(self.content)
        column.addWidget(self._build_notice())
        lay = QHBoxLayout()
        lay.addWidget(self.nav)
        lay.addWidget(self.stack, 1)
        column.addLayout(lay, 1)
        self.lock_screen = LockScreen(self.lock_controller)
        self.outer = QStackedWidget()
        self.outer.addWidget(self.content)
        self.outer.addWidget(self.lock_screen)
        self.setCentralWidget(self.outer)

        self.clinic_name = attempt(lambda: users.clinic(self.ws).name, lambda e: None) or ""
        self.user_label = QLabel(self.tr("Signed in: {0} ({1})").format(
            self.ws.actor.signature_name, self.tr(self.ws.actor.role)))
        self.clinic_label = QLabel(self.clinic_name)
        self.sync_status = SyncStatus(self.ws, self)
        self.statusBar().addPermanentWidget(self.sync_status)
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.clinic_label)
        self.setWindowTitle(self.tr("Facilitator — {0}").format(self.clinic_name)
                            if self.clinic_name else self.tr("Facilitator"))

        menu = self.menuBar().addMenu(self.tr("&File"))
        self.lock_action = QAction(self.tr("&Lock screen"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.sign_out_action = QAction(self.tr("Sign &out"), self)
        self.quit_action = QAction(self.tr("Sign out and &quit"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        for action in (self.lock_action, self.sign_out_action, self.quit_action):
            # Window-wide shortcuts, also while the lock screen has focus.
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            menu.addAction(action)
        self.go_menu = self.menuBar().addMenu(self.tr("&Go"))
        for i, spec in enumerate(self.specs[:9]):
            # "&" would be read as a mnemonic marker ("Library & planning"): double it.
            title = QCoreApplication.translate("pages", spec.title).replace("&", "&&")
            action = QAction(title, self)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _=False, key=spec.key: self.show_page(key))
            self.go_menu.addAction(action)

    def _build_notice(self) -> QFrame:
        """The sign-in's one-line notice (clinic sync renamed this user's login), until
        dismissed; hidden when there is none. No PHI: it names logins only."""
        self.notice = QFrame()
        self.notice.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self.notice)
        renamed = self.ws.login_renamed
        self.notice_label = InfoLabel(self.tr(
            "Your login is now \u201c{0}\u201d: \u201c{1}\u201d was also given to another person"
            " on another laptop at the same time. Sign in with \u201c{0}\u201d from now on."
        ).format(renamed.login, renamed.old) if renamed else "")
        self.notice_dismiss = QPushButton(self.tr("&Dismiss"))
        row.addWidget(self.notice_label, 1)
        row.addWidget(self.notice_dismiss)
        self.notice.setVisible(renamed is not None)
        return self.notice

    def _connect_signals(self) -> None:
        self.notice_dismiss.clicked.connect(self.notice.hide)
        self.nav.currentRowChanged.connect(self._on_nav_row_changed)
        self.lock_action.triggered.connect(self.lock_controller.lock)
        self.sign_out_action.triggered.connect(self._on_sign_out)
        self.quit_action.triggered.connect(self._on_quit)
        self.lock_controller.locked.connect(self._on_locked)
        self.lock_controller.unlocked.connect(self._on_unlocked)
        self.lock_screen.quit_requested.connect(self._on_quit)
        self.sync_status.conflicts_requested.connect(lambda: self.show_page("conflicts"))
        self.sync_status.round_finished.connect(self._on_sync_round_finished)

    def _load_state(self) -> None:
        geometry = QSettings().value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray | bytes) and self.restoreGeometry(geometry):
            return
        # First run: most of the screen (a clinic laptop is often 1366 x 768), never more.
        font = self.fontMetrics()
        area = self.screen().availableGeometry()
        self.resize(min(area.width(), max(font.averageCharWidth() * 150, area.width() * 85 // 100)),
                    min(area.height(), max(font.height() * 40, area.height() * 85 // 100)))

    # -- pages -----------------------------------------------------------------------------
    def page(self, key: str) -> QWidget | None:
        """The page widget for ``key``, built on first use; None if this role may not see it."""
        if key in self._pages:
            return self._pages[key]
        spec = next((s for s in self.specs if s.key == key), None)
        if spec is None:
            return None
        errors: list[BaseException] = []
        widget = attempt(lambda: spec.factory(self.ws, self), errors.append)
        if widget is None:
            widget = QLabel(user_message(errors[0]) if errors else "")
            widget.setWordWrap(True)
        else:
            widget.clinic_saved.connect(self._on_clinic_saved)
            widget.sync_changed.connect(self.sync_status.refresh)
        self._pages[key] = widget
        # Scrolls instead of clipping or squeezing when the window is smaller than the page.
        holder = QScrollArea()
        holder.setWidgetResizable(True)
        holder.setFrameShape(QFrame.Shape.NoFrame)
        holder.setWidget(widget)
        self._holders[key] = holder
        self.stack.addWidget(holder)
        return widget

    def show_page(self, key: str) -> None:
        keys = [s.key for s in self.specs]
        if key not in keys:
            return
        if self.nav.currentRow() != keys.index(key):
            self.nav.setCurrentRow(keys.index(key))  # comes back here through the signal
            return
        widget = self.page(key)
        if widget is None:
            return
        self.stack.setCurrentWidget(self._holders[key])
        if isinstance(widget, Page) and widget.property("_shown_once"):
            attempt(widget.refresh, self.status_error)
        widget.setProperty("_shown_once", True)

    def _on_nav_row_changed(self, row: int) -> None:
        if 0 <= row < len(self.specs):
            self.show_page(self.specs[row].key)

    def current_key(self) -> str | None:
        row = self.nav.currentRow()
        return self.specs[row].key if 0 <= row < len(self.specs) else None

    def status_message(self, text: str, msec: int = 8000) -> None:
        # While locked the status bar stays on screen under the lock: a message from work that
        # finished meanwhile (which may quote a chart ID) waits until the screen is unlocked.
        if self.lock_controller.is_locked:
            return
        self.statusBar().showMessage(text, msec)

    def status_error(self, error: BaseException) -> None:
        self.status_message(user_message(error), 12_000)

    def _on_sync_round_finished(self) -> None:
        # The conflicts list on screen follows what the round brought (settled elsewhere, or
        # new); other pages refresh when next shown.
        if self.current_key() == "conflicts":
            page = self._pages.get("conflicts")
            if isinstance(page, Page):
                attempt(page.refresh, self.status_error)

    def _on_clinic_saved(self, view: ClinicView) -> None:
        self.lock_controller.set_idle_minutes(view.idle_lock_minutes)
        self.set_clinic_name(view.name)

    def set_clinic_name(self, name: str) -> None:
        self.clinic_name = name
        self.clinic_label.setText(name)
        self.setWindowTitle(self.tr("Facilitator — {0}").format(name))

    # -- lock ------------------------------------------------------------------------------
    def _on_locked(self) -> None:
        # Dialogs may show PHI (a participant form): hide them, keeping what was typed, and
        # bring them back on unlock ("lock keeps any running work").
        self._hidden_dialogs = [d for d in self.findChildren(QDialog) if d.isVisible()]
        for dialog in self._hidden_dialogs:
            dialog.hide()
        self.content.hide()
        self.outer.setCurrentWidget(self.lock_screen)
        self.menuBar().setEnabled(True)
        self.go_menu.setEnabled(False)
        self.lock_action.setEnabled(False)
        self.statusBar().clearMessage()
        # Locked from another window (the console hides itself): the lock screen comes forward.
        if self.isMinimized():
            self.showNormal()
        self.raise_()
        self.activateWindow()
        self.lock_screen.prepare()

    def _on_unlocked(self) -> None:
        self.outer.setCurrentWidget(self.content)
        self.content.show()
        self.go_menu.setEnabled(True)
        self.lock_action.setEnabled(True)
        for dialog in self._hidden_dialogs:
            if shiboken6.isValid(dialog):  # it may have been deleted meanwhile
                dialog.show()
        self._hidden_dialogs = []

    # -- signing out -----------------------------------------------------------------------
    def sign_out(self) -> None:
        if self._signed_out:
            return
        self._signed_out = True
        self.lock_controller.stop()
        self.sync_status.stop()
        if self.sync_status.op is not None and self.sync_status.op.running:
            wait_for_ops()  # a sync round uses the workspace closed below
        QSettings().setValue(GEOMETRY_KEY, self.saveGeometry())
        for widget in self._pages.values():
            # Pages holding their own resources (a running console) may clean up.
            if isinstance(widget, Page):
                attempt(widget.close_page, lambda e: None)
        # The clinic's automatic backup (at most once a day). Here rather than in auth.sign_out
        # so CLI commands never take one. Failures are audited by the service (backup.failed)
        # and must not stop the sign-out.
        attempt(lambda: maintenance.auto_backup_if_due(self.ws), lambda e: None)
        attempt(lambda: auth.sign_out(self.ws), lambda e: None)
        self.ws.close()

    def _on_sign_out(self) -> None:
        self.sign_out()
        # Emitted before closing so the sign-in window is up before this one goes: closing the
        # last visible window would end the application.
        self.signed_out.emit()
        self.close()

    def _on_quit(self) -> None:
        self.sign_out()
        self.close()
        self.quit_requested.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.sign_out()
        super().closeEvent(event)
