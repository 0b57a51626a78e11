"""Dialogs of the users page: an account (add/edit) and a new password (reset/reactivate), and
the inline supervision bar (co-signature needed, assigned supervisor). They collect input; the
page calls the service and hands errors back to show next to fields."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
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


def _t(text: str) -> str:
    return QCoreApplication.translate("UsersPage", text)


def supervision_text(user: UserView, names: dict[int, str]) -> str:
    """The users table's cell: "Co-sign: Sam Supervisor", "Co-sign: any supervisor" or ""."""
    if not user.requires_cosign:
        return ""
    who = names.get(user.supervisor_id or 0) if user.supervisor_id else None
    return _t("Co-sign: {0}").format(who or _t("any supervisor"))


class SupervisionBar(QFrame):
    """Inline, under the users table (no dialog): whether the selected clinician's signed notes
    wait for co-signature, and their assigned supervisor. Connect ``save_button.clicked``; the
    page reads ``values()`` and calls the service."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.user_id: int | None = None
        self.caption = QLabel()
        self.requires_cosign = QCheckBox(self.tr("Notes need &co-signature"))
        self.requires_cosign.setToolTip(self.tr(
            "For unlicensed or provisionally licensed staff: their signed notes wait until a "
            "supervisor co-signs them."))
        self.supervisor = QComboBox()
        supervisor_label = QLabel(self.tr("Assigned &supervisor:"))
        supervisor_label.setBuddy(self.supervisor)
        self.save_button = QPushButton(self.tr("Save supervision"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.error = ErrorLabel()
        row = QHBoxLayout()
        row.addWidget(self.caption)
        row.addWidget(self.requires_cosign)
        row.addWidget(supervisor_label)
        row.addWidget(self.supervisor, 1)
        row.addWidget(self.save_button)
        row.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.error)
        self.cancel_button.clicked.connect(self.hide)
        self.hide()

    def open_for(self, user: UserView, supervisors: Sequence[UserView]) -> None:
        self.user_id = user.id
        self.caption.setText(self.tr("{0}:").format(user.display_name))
        self.requires_cosign.setChecked(user.requires_cosign)
        self.supervisor.clear()
        self.supervisor.addItem(self.tr("None (any supervisor)"), None)
        for s in supervisors:
            if s.id != user.id and s.active:
                self.supervisor.addItem(s.display_name, s.id)
        self.supervisor.setCurrentIndex(max(0, self.supervisor.findData(user.supervisor_id))
                                        if user.supervisor_id else 0)
        self.error.setText("")
        self.show()
        self.requires_cosign.setFocus()

    def values(self) -> tuple[bool, int | None]:
        data = self.supervisor.currentData()
        return self.requires_cosign.isChecked(), int(data) if data is not None else None


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
