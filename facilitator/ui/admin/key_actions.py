"""Revoking keys from the Users page: rotate the data key (offered after a deactivation) and
issue a new recovery key. An inline bar asks (no modal box); the rotation runs off the GUI
thread; a new recovery key is shown once in the set-up's own recovery-key page."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from facilitator.services import key_rotation
from facilitator.services.key_rotation import RotationResult
from facilitator.services.workspace import Workspace

from ..errors import attempt, user_message
from ..ops import run_in_background
from ..setup_window import RecoveryKeyPage
from ..widgets import ConfirmBar, ErrorLabel


class RecoveryKeyDialog(QDialog):
    """The new recovery key, shown once; it closes only after "I have stored it"."""

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New recovery key"))
        self.page = RecoveryKeyPage()
        self.page.title.setText(self.tr("Your new recovery key"))
        self.page.explain.setText(self.tr(
            "The previous recovery key no longer works. If every administrator forgets their "
            "password, this key is the only way into the data. It is shown now and never "
            "again. Write it down or print it, and keep it locked away from this computer."))
        self.page.show_key(key)
        lay = QVBoxLayout(self)
        lay.addWidget(self.page)
        self.page.continued.connect(self.accept)
        # The key on one line: read aloud and copied by hand in groups of five.
        label = self.page.key_label
        self.setMinimumWidth(max(self.fontMetrics().averageCharWidth() * 70,
                                 label.fontMetrics().horizontalAdvance(key)
                                 + 6 * label.margin()))

    def reject(self) -> None:
        # Escape or the close box would lose a key that is never shown again.
        if self.page.stored.isChecked():
            self.page.continue_button.click()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.result() != QDialog.DialogCode.Accepted and not self.page.stored.isChecked():
            event.ignore()
            return
        super().closeEvent(event)


class KeyBar(ConfirmBar):
    """Asks before a rotation, says who would need a password reset, runs it."""

    finished = Signal(str)
    """A rotation completed; carries the sentence to show on the page."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.ws = ws
        self.error = ErrorLabel()
        self.layout().addWidget(self.error)
        self.cancel_button.setText(self.tr("Later"))
        self.new_recovery = False
        self.accept_resets = False
        self.dialog: RecoveryKeyDialog | None = None
        self.confirm_button.clicked.connect(self._on_confirm)

    def offer_rotation(self, login: str) -> None:
        self._reset(False, self.tr("&Rotate the data key now"))
        self.ask(self.tr(
            "✓ {0} was deactivated. A copy of the key file they may have kept would still open "
            "the data until the data key is rotated. Rotating is recommended: everyone else "
            "keeps their password; it takes up to a minute, best while no group is running."
        ).format(login))

    def offer_new_recovery(self) -> None:
        self._reset(True, self.tr("&Issue a new recovery key"))
        self.ask(self.tr(
            "Issue a new recovery key? The current one stops working, and the data key is "
            "rotated with it. The new key is shown once: have paper ready."))

    def _reset(self, new_recovery: bool, confirm_text: str) -> None:
        self.new_recovery, self.accept_resets = new_recovery, False
        self.confirm_button.setText(confirm_text)
        self.error.setText("")

    def _on_confirm(self) -> None:
        self.error.setText("")
        plan = attempt(lambda: key_rotation.rotation_plan(self.ws),
                       lambda e: self.error.setText(user_message(e)))
        if plan is None:
            return
        if plan.need_reset and not self.accept_resets:
            self.accept_resets = True
            self.confirm_button.setText(self.tr("Rotate &anyway"))
            self.ask(self.tr(
                "Not everyone can receive the new key: {0} (no sign-in since the security "
                "upgrade). After rotating, give them a new password with Reset password. "
                "Rotate anyway?").format(", ".join(plan.need_reset)))
            return
        ws, new_recovery, accept = self.ws, self.new_recovery, self.accept_resets
        run_in_background(
            self, lambda: key_rotation.rotate_data_key(ws, new_recovery=new_recovery,
                                                       accept_resets=accept),
            on_success=self._on_rotated, on_failure=lambda e: self.error.setText(
                user_message(e)),
            busy=[self.confirm_button, self.cancel_button], busy_text=self.tr("Rotating…"))

    def _on_rotated(self, result: RotationResult) -> None:
        self.hide()
        text = self.tr("✓ The data key was rotated: old copies of the key file no longer open "
                       "the data.")
        if result.need_reset:
            text += " " + self.tr("Reset the password of: {0}.").format(
                ", ".join(result.need_reset))
        if result.recovery_key is not None:
            text += " " + self.tr("The previous recovery key no longer works.")
            self.dialog = RecoveryKeyDialog(result.recovery_key, self.window())
            self.dialog.open()
        self.finished.emit(text)
