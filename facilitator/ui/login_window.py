"""Sign-in, and the "forgot password" way back in with the recovery key. Errors appear in the
window (no message boxes), including the back-off after repeated failures.

Signing in (Argon2id unlock, then any migration) runs off the GUI thread. When the database
turns out damaged or missing, the window offers "Restore from a backup…": after a confirmation
when the backup is of another clinic or older than one in sight, and the password of the backup
(or its recovery key), the current files are set aside (moved, never deleted) and the chosen
backup put in their place."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from facilitator.clock import Clock
from facilitator.services import app_state
from facilitator.services.app_state import Vault
from facilitator.services.errors import DatabaseDamaged
from facilitator.services.validation import MIN_PASSWORD

from .errors import FieldErrors, attempt, user_message
from .notices import take_keyring_notice
from .ops import Op, run_in_background

if TYPE_CHECKING:  # the database stack loads after the window is up
    from facilitator.services.maintenance import RestoreOutcome
    from facilitator.services.workspace import Workspace
from .widgets import ErrorLabel, InfoLabel, add_field, password_edit, scaled_font


class LoginWindow(QWidget):
    signed_in = Signal(object)
    """Carries the signed-in ``Workspace``."""

    def __init__(self, vault: Vault, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.clock = clock
        self._op: Op | None = None
        self.setWindowTitle(self.tr("Facilitator — sign in"))
        self.stack = QStackedWidget()
        self.stack.addWidget(self._login_page())
        self.stack.addWidget(self._recovery_page())
        lay = QVBoxLayout(self)
        lay.addWidget(self.stack)
        self._connect_signals()
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 70, self.sizeHint().height())
        self.login.setFocus()

    # -- building --------------------------------------------------------------------------
    def _login_page(self) -> QWidget:
        page = QWidget()
        title = QLabel(self.tr("Facilitator"))
        title.setFont(scaled_font(1.8, bold=True, base=self))
        self.login = QLineEdit()
        self.login.setAccessibleName(self.tr("Login"))
        self.password = password_edit()
        self.password.setAccessibleName(self.tr("Password"))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        caption = QLabel(self.tr("&Login"))
        caption.setBuddy(self.login)
        form.addRow(caption, self.login)
        caption = QLabel(self.tr("&Password"))
        caption.setBuddy(self.password)
        form.addRow(caption, self.password)
        self.error = ErrorLabel()
        self.info = InfoLabel()
        self.info.hide()
        self.keyring_notice = InfoLabel("")
        self.keyring_notice.hide()
        # Asking the OS for its keychain takes a noticeable moment: do it once the window is up.
        QTimer.singleShot(0, self._show_keyring_notice)
        self.sign_in_button = QPushButton(self.tr("&Sign in"))
        self.sign_in_button.setDefault(True)
        self.forgot_button = QPushButton(self.tr("&Forgot password?"))
        self.forgot_button.setFlat(True)
        self.restore_button = QPushButton(self.tr("&Restore from a backup…"))
        self.restore_button.hide()
        self.restore_hint = InfoLabel(self.tr(
            "Restoring puts a backup in place of the damaged files. Those are not deleted: "
            "they are moved into a \"set-aside\" folder inside the data folder."))
        self.restore_hint.hide()
        restore_row = QHBoxLayout()
        restore_row.addWidget(self.restore_hint, 1)
        restore_row.addWidget(self.restore_button)
        row = QHBoxLayout()
        row.addWidget(self.forgot_button)
        row.addStretch(1)
        row.addWidget(self.sign_in_button)
        lay = QVBoxLayout(page)
        lay.addWidget(title)
        lay.addWidget(self.keyring_notice)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addLayout(restore_row)
        lay.addWidget(self.info)
        lay.addLayout(row)
        lay.addStretch(1)
        return page

    def _show_keyring_notice(self) -> None:
        text = take_keyring_notice(app_state.has_keyring(self.vault)) or ""
        self.keyring_notice.setText(text)
        self.keyring_notice.setVisible(bool(text))

    def _recovery_page(self) -> QWidget:
        page = QWidget()
        title = QLabel(self.tr("Reset a password with the recovery key"))
        title.setFont(scaled_font(1.3, bold=True, base=self))
        explain = InfoLabel(self.tr(
            "Type the recovery key you stored when the clinic was set up, the login whose "
            "password you want to reset, and a new password."))
        self.recovery_key = QLineEdit()
        self.recovery_login = QLineEdit()
        self.new_password = password_edit(self.tr("At least {0} characters")
                                          .format(MIN_PASSWORD))
        self.new_password_again = password_edit()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.recovery_general = ErrorLabel()
        self.recovery_errors = FieldErrors(self.recovery_general)
        self.recovery_errors.add("recovery_key", add_field(form, self.tr("Recovery &key"),
                                                           self.recovery_key))
        self.recovery_errors.add("login", add_field(form, self.tr("&Login"),
                                                    self.recovery_login))
        self.recovery_errors.add("password", add_field(form, self.tr("&New password"),
                                                       self.new_password))
        self.recovery_errors.add("password_again", add_field(
            form, self.tr("New password &again"), self.new_password_again))
        self.reset_button = QPushButton(self.tr("&Reset password"))
        self.back_button = QPushButton(self.tr("&Back to sign-in"))
        row = QHBoxLayout()
        row.addWidget(self.back_button)
        row.addStretch(1)
        row.addWidget(self.reset_button)
        lay = QVBoxLayout(page)
        lay.addWidget(title)
        lay.addWidget(explain)
        lay.addLayout(form)
        lay.addWidget(self.recovery_general)
        lay.addLayout(row)
        lay.addStretch(1)
        return page

    def _connect_signals(self) -> None:
        self.login.returnPressed.connect(self._on_sign_in)
        self.password.returnPressed.connect(self._on_sign_in)
        self.sign_in_button.clicked.connect(self._on_sign_in)
        self.forgot_button.clicked.connect(self._on_forgot)
        self.restore_button.clicked.connect(self._on_restore)
        self.back_button.clicked.connect(self._on_back)
        self.reset_button.clicked.connect(self._on_reset)
        self.new_password_again.returnPressed.connect(self._on_reset)

    # -- slots -----------------------------------------------------------------------------
    def _on_sign_in(self) -> None:
        if self.busy():
            return
        self.error.setText("")
        self.info.hide()
        login, password = self.login.text(), self.password.text()
        if not login.strip():
            self.error.setText(self.tr("Type your login."))
            self.login.setFocus()
            return
        self.password.clear()
        vault, clock = self.vault, self.clock

        def sign_in() -> Workspace:  # on a worker thread
            from facilitator.services import auth  # the database stack loads after the window

            return auth.sign_in(vault, clock, login, password)

        self._op = run_in_background(
            self, sign_in, on_success=self.signed_in.emit, on_failure=self._on_sign_in_failed,
            busy=[self.sign_in_button, self.login, self.password, self.forgot_button,
                  self.restore_button],
            busy_text=self.tr("Signing in…"))

    def busy(self) -> bool:
        """Whether a sign-in or restore is running in the background."""
        return self._op is not None and self._op.running

    def _on_sign_in_failed(self, error: BaseException) -> None:
        self.error.setText(user_message(error))
        damaged = isinstance(error, DatabaseDamaged)
        self.restore_button.setVisible(damaged)
        self.restore_hint.setVisible(damaged)
        (self.restore_button if damaged else self.password).setFocus()

    def _on_restore(self) -> None:
        if self.busy():
            return
        start = app_state.data_dir(self.vault) / "backups"
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Restore from a backup"), str(start),
            self.tr("Facilitator backups (*.fbak);;All files (*)"))
        if not path:
            return
        self.error.setText("")
        self.info.hide()
        from facilitator.services import maintenance

        warnings = attempt(lambda: maintenance.backup_warnings(self.vault, Path(path)),
                           self._on_restore_failed)
        if warnings is None:
            return
        buttons = QMessageBox.StandardButton
        if warnings and QMessageBox.question(
                self, self.tr("Restore this backup?"),
                "\n\n".join([*warnings, self.tr("Restore it anyway?")]),
                buttons.Yes | buttons.No, buttons.No,  # replacing data: No is the default
        ) != buttons.Yes:
            return
        login = self.login.text()
        secret, ok = QInputDialog.getText(
            self, self.tr("Prove you may open this backup"),
            self.tr("The password of {0} as it was when the backup was made, or the clinic's"
                    " recovery key:").format(login.strip() or self.tr("your login")),
            QLineEdit.EchoMode.Password)
        if not ok or not secret:
            return
        vault, clock = self.vault, self.clock

        def restore() -> RestoreOutcome:  # on a worker thread
            return maintenance.restore_damaged(vault, clock, Path(path), login, secret)

        self._op = run_in_background(
            self, restore, on_success=self._on_restored, on_failure=self._on_restore_failed,
            busy=[self.restore_button, self.sign_in_button, self.forgot_button],
            busy_text=self.tr("Restoring…"))

    def _on_restored(self, outcome: RestoreOutcome) -> None:
        self.restore_button.hide()
        self.restore_hint.hide()
        when = (outcome.backup_created_at.astimezone().strftime("%Y-%m-%d %H:%M")
                if outcome.backup_created_at else self.tr("an unknown date"))
        kept = (self.tr(" The damaged files were kept in {0}.").format(outcome.set_aside)
                if outcome.set_aside else "")
        self.info.setText(self.tr("✓ The backup of {0} was restored.{1} Sign in to continue.")
                          .format(when, kept))
        self.info.show()
        (self.password if self.login.text().strip() else self.login).setFocus()

    def _on_restore_failed(self, error: BaseException) -> None:
        self.error.setText(user_message(error))
        self.restore_button.setFocus()

    def _on_forgot(self) -> None:
        self.recovery_login.setText(self.login.text())
        self.recovery_errors.clear()
        self.stack.setCurrentIndex(1)
        self.recovery_key.setFocus()

    def _on_back(self) -> None:
        self.stack.setCurrentIndex(0)
        self.password.setFocus()

    def _on_reset(self) -> None:
        self.recovery_errors.clear()
        if self.new_password.text() != self.new_password_again.text():
            self.recovery_errors.set("password_again",
                                     self.tr("The two passwords are not the same."))
            return
        key, login, new = (self.recovery_key.text(), self.recovery_login.text(),
                           self.new_password.text())
        from facilitator.services import auth

        done = attempt(lambda: auth.reset_password_with_recovery(
            self.vault, self.clock, key, login, new) or True, self.recovery_errors.show)
        if not done:
            return
        for edit in (self.recovery_key, self.new_password, self.new_password_again):
            edit.clear()
        self.login.setText(login.strip())
        self.stack.setCurrentIndex(0)
        self.info.setText(self.tr("✓ The password was reset. Sign in with the new password."))
        self.info.show()
        self.password.setFocus()
