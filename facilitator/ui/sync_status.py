"""The sync item of the main window's status bar: last synced, changes waiting, records that
need an admin (for an admin or supervisor a button that opens the Sync conflicts page), the
last problem; and Sync now, which runs off the GUI thread.

A round also starts by itself every few minutes once a hub is set up (offline-first: a failed
round only changes what this item says). Everything shown is counts, times and the services'
sentences (device ids at most): no PHI, so it stays visible under the lock screen.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from facilitator.services.sync import run
from facilitator.services.workspace import Workspace

from .errors import attempt, user_message
from .ops import Op, run_in_background

AUTO_SYNC_MS = 5 * 60_000


class SyncStatus(QWidget):
    conflicts_requested = Signal()
    """The user clicked "N need an admin": show the Sync conflicts page."""
    round_finished = Signal()
    """A round ended (well or not): what pages show of the synced record may have changed."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None, *,
                 interval_ms: int = AUTO_SYNC_MS) -> None:
        super().__init__(parent)
        self.ws = ws
        self.op: Op | None = None
        self._build_ui()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self._connect_signals()
        self.refresh()

    def _build_ui(self) -> None:
        self.label = QLabel()
        self.label.setAccessibleName(self.tr("Sync status"))
        # Who can open the conflicts page gets the count as a button leading there.
        self.conflicts_button = QToolButton()
        self.conflicts_button.setToolTip(self.tr("Records two laptops changed at the same time,"
                                                 " or made twice: open the list to settle them"))
        self.conflicts_button.hide()
        self.button = QToolButton()
        self.button.setText(self.tr("Sync now"))
        self.button.setToolTip(self.tr("Send this laptop's changes to the clinic hub and fetch"
                                       " the others'"))
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.conflicts_button)
        lay.addWidget(self.button)

    def _connect_signals(self) -> None:
        self.button.clicked.connect(self.sync_now)
        self.conflicts_button.clicked.connect(self.conflicts_requested)
        self.timer.timeout.connect(self.sync_now)

    def refresh(self) -> None:
        """Show the stored state (a quick read)."""
        state = attempt(lambda: run.status(self.ws), lambda e: None)
        if state is None or not state.hub:
            self.label.setText(self.tr("Sync: not set up"))
            self.label.setToolTip(self.tr("An administrator connects this laptop to the clinic"
                                          " hub ('sync now --dsn' on the command line)."))
            self.button.hide()
            self.conflicts_button.hide()
            self.timer.stop()
            return
        self.button.show()
        if not self.timer.isActive():
            self.timer.start()
        if state.last_sync_at is None:
            parts = [self.tr("Not synced yet")]
        else:
            when = state.last_sync_at.astimezone(self.ws.timezone)
            parts = [self.tr("Synced {0}").format(f"{when:%H:%M}")]
        if state.pending_changes:
            parts.append(self.tr("{0} waiting").format(state.pending_changes))
        flagged = self.tr("{0} need an admin").format(state.conflicts)
        leads_there = bool(state.conflicts) and self.ws.actor.role in ("admin", "supervisor")
        self.conflicts_button.setText(flagged)
        self.conflicts_button.setVisible(leads_there)
        if state.conflicts and not leads_there:
            parts.append(flagged)
        if state.last_problem:
            parts.append(self.tr("⚠ sync problem"))
        self.label.setText(" · ".join(parts))
        self.label.setToolTip(state.last_problem or self.tr("Hub: {0}").format(state.hub))

    def sync_now(self) -> Op | None:
        """One round in the background; None when one is already running."""
        if self.op is not None and self.op.running:
            return None
        self.op = run_in_background(self, lambda: run.sync_now(self.ws),
                                    on_success=self._on_synced, on_failure=self._on_failed,
                                    busy=[self.button], busy_text=self.tr("Syncing…"))
        return self.op

    def _on_synced(self, _report: run.SyncReport) -> None:
        self.refresh()
        self.round_finished.emit()

    def _on_failed(self, error: BaseException) -> None:
        self.refresh()
        self.label.setToolTip(user_message(error))
        self.round_finished.emit()  # a round cut off may still have applied some entries

    def stop(self) -> None:
        """No new rounds (signing out); a running one finishes on its own."""
        self.timer.stop()
