"""Dialogs of the users page: an account (add/edit) and a new password (reset/reactivate).
They collect input; the page calls the service and hands errors back to show next to fields."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from facilitator.services.users import UserDraft, UserView
from facilitator.services.validation import MIN_PASSWORD

from ..errors import FieldErrors
from ..form_dialog import ServiceFormDialog
from ..widgets import ErrorLabel, InfoLabel, add_field, password_edit

ROLE_TEXT = {"therapist": "Therapist", "supervisor": "Clinical supervisor",
             "admin": "Administrator"}


class _FormDialog(ServiceFormDialog):
    CONFLICT_FIELD = "login"

    def _finish(self, form: QFormLayout, general: ErrorLabel, intro: str = "") -> None:
        lay = QVBoxLayout(self)
        if intro:
            lay.addWidget(InfoLabel(intro))
        lay.addLayout(form)
        lay.addWidget(general)
        lay.addWidget(self.save_cancel_buttons())
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)


class UserForm(_FormDialog):
    def __init__(self, user: UserView | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.user_id = user.id if user else None
        self.setWindowTitle(self.tr("Edit account") if user else self.tr("Add account"))
        self.login = QLineEdit()
        self.display_name = QLineEdit()
        self.credentials = QLineEdit()
        self.credentials.setPlaceholderText(self.tr("e.g. LCSW, LPC, LADC"))
        self.role = QComboBox()
        for key, text in ROLE_TEXT.items():
            self.role.addItem(self.tr(text), key)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.errors = FieldErrors(ErrorLabel())
        self.errors.add("login", add_field(form, self.tr("&Login"), self.login))
        self.errors.add("display_name", add_field(form, self.tr("&Name"), self.display_name))
        self.errors.add("credentials", add_field(form, self.tr("&Credentials"),
                                                 self.credentials))
        self.errors.add("role", add_field(form, self.tr("&Role"), self.role))
        self.password = password_edit()
        self.password_again = password_edit()
        if user is None:
            self.password.setPlaceholderText(self.tr("At least {0} characters")
                                             .format(MIN_PASSWORD))
            self.errors.add("password", add_field(form, self.tr("Initial &password"),
                                                  self.password))
            self.errors.add("password_again", add_field(form, self.tr("Password &again"),
                                                        self.password_again))
        else:
            self.login.setText(user.login)
            self.login.setReadOnly(True)
            self.display_name.setText(user.display_name)
            self.credentials.setText(user.credentials)
            self.role.setCurrentIndex(max(0, self.role.findData(user.role)))
        self._finish(form, self.errors.general)

    def draft(self) -> UserDraft:
        return UserDraft(self.login.text(), self.display_name.text(), self.credentials.text(),
                         str(self.role.currentData()))

    def passwords_match(self) -> bool:
        if self.password.text() == self.password_again.text():
            return True
        self.errors.set("password_again", self.tr("The two passwords are not the same."))
        return False


class PasswordForm(_FormDialog):
    """A new password for someone else's account (reset, or reactivation)."""

    def __init__(self, user: UserView, reactivate: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.user_id = user.id
        self.reactivate = reactivate
        self.setWindowTitle(self.tr("Reactivate account") if reactivate
                            else self.tr("Reset password"))
        self.password = password_edit()
        self.password.setPlaceholderText(self.tr("At least {0} characters")
                                         .format(MIN_PASSWORD))
        self.password_again = password_edit()
        form = QFormLayout()
        self.errors = FieldErrors(ErrorLabel())
        self.errors.add("password", add_field(form, self.tr("New &password"), self.password))
        self.errors.add("password_again", add_field(form, self.tr("Password &again"),
                                                    self.password_again))
        self._finish(form, self.errors.general, self.tr(
            "New password for {0} ({1}). Tell them in person; they can change it under "
            "Settings.").format(user.display_name, user.login))

    def passwords_match(self) -> bool:
        if self.password.text() == self.password_again.text():
            return True
        self.errors.set("password_again", self.tr("The two passwords are not the same."))
        return False
