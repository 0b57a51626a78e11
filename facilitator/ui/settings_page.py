"""Settings: the clinic (name, address, time zone, auto-lock; admins) and "Change my password"
(everybody)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import auth, users
from facilitator.services.users import ClinicView
from facilitator.services.workspace import Workspace

from .errors import FieldErrors, attempt
from .pages import Page
from .setup_window import timezone_combo
from .widgets import ErrorLabel, InfoLabel, add_field


def _password_field() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class SettingsPage(Page):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        # Forms at a readable width rather than stretched across a wide window.
        column = QWidget()
        column.setMaximumWidth(self.fontMetrics().averageCharWidth() * 90)
        inner = QVBoxLayout(column)
        inner.setContentsMargins(0, 0, 0, 0)
        self.clinic_box: QGroupBox | None = None
        self.hub_box = None
        if ws.actor.is_admin:
            self.clinic_box = self._clinic_box()
            inner.addWidget(self.clinic_box)
            from .admin.hub_box import HubBox

            self.hub_box = HubBox(ws)
            inner.addWidget(self.hub_box)
        inner.addWidget(self._password_box())
        from .notes.phrases_box import PhrasesBox

        self.phrases = PhrasesBox(ws)
        inner.addWidget(self.phrases)
        inner.addStretch(1)
        lay = QHBoxLayout(self)
        lay.addWidget(column, 1)
        lay.addStretch(0)
        self.refresh()

    # -- clinic ----------------------------------------------------------------------------
    def _clinic_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Clinic"))
        form = QFormLayout()
        self.clinic_name = QLineEdit()
        self.address = QPlainTextEdit()
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.address.fontMetrics().lineSpacing() * 4)
        self.timezone = timezone_combo()
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(1, 240)
        self.idle_minutes.setSuffix(self.tr(" min"))
        self.idle_minutes.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.clinic_general = ErrorLabel()
        self.clinic_errors = FieldErrors(self.clinic_general)
        self.clinic_errors.add("name", add_field(form, self.tr("Clinic &name"),
                                                 self.clinic_name))
        self.clinic_errors.add("address", add_field(form, self.tr("A&ddress (PDF headers)"),
                                                    self.address))
        self.clinic_errors.add("timezone", add_field(form, self.tr("&Time zone"), self.timezone))
        self.clinic_errors.add("idle_lock_minutes",
                               add_field(form, self.tr("&Lock after idle"), self.idle_minutes))
        self.clinic_saved_label = InfoLabel()
        self.clinic_save = QPushButton(self.tr("Save clinic settings"))
        self.clinic_save.clicked.connect(self._on_clinic_save)
        return _lay_out_box(box, form, self.clinic_general, self.clinic_saved_label,
                            self.clinic_save)

    def refresh(self) -> None:
        if self.clinic_box is None:
            return
        view = attempt(lambda: users.clinic(self.ws), self.clinic_errors.show)
        if view is None:
            return
        self.clinic_name.setText(view.name)
        self.address.setPlainText(view.address)
        self.timezone.setCurrentText(view.timezone)
        self.idle_minutes.setValue(view.idle_lock_minutes)

    def _on_clinic_save(self) -> None:
        self.clinic_errors.clear()
        self.clinic_saved_label.clear()
        view = ClinicView(self.clinic_name.text(), self.timezone.currentText(),
                          self.address.toPlainText(), self.idle_minutes.value())
        saved = attempt(lambda: users.update_clinic(self.ws, view), self.clinic_errors.show)
        if saved is None:
            return
        self.clinic_saved_label.setText(self.tr("✓ Clinic settings saved."))
        self.clinic_saved.emit(saved)  # the window shows the name and applies the idle lock

    # -- password --------------------------------------------------------------------------
    def _password_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Change my password"))
        form = QFormLayout()
        self.old_password = _password_field()
        self.new_password = _password_field()
        self.new_password_again = _password_field()
        self.password_general = ErrorLabel()
        self.password_errors = FieldErrors(self.password_general)
        self.password_errors.add("old", add_field(form, self.tr("C&urrent password"),
                                                  self.old_password))
        self.password_errors.add("new", add_field(form, self.tr("Ne&w password"),
                                                  self.new_password))
        self.password_errors.add("new_again", add_field(form, self.tr("New password a&gain"),
                                                        self.new_password_again))
        self.password_saved = InfoLabel()
        self.password_save = QPushButton(self.tr("Change &password"))
        self.password_save.clicked.connect(self._on_password_save)
        self.new_password_again.returnPressed.connect(self._on_password_save)
        return _lay_out_box(box, form, self.password_general, self.password_saved,
                            self.password_save)

    def _on_password_save(self) -> None:
        self.password_errors.clear()
        self.password_saved.clear()
        old, new, again = (self.old_password.text(), self.new_password.text(),
                           self.new_password_again.text())
        done = attempt(lambda: auth.change_password(self.ws, old, new, again) or True,
                       self.password_errors.show)
        if done:
            for edit in (self.old_password, self.new_password, self.new_password_again):
                edit.clear()
            self.password_saved.setText(self.tr("✓ Your password was changed."))


def _lay_out_box(box: QGroupBox, form: QFormLayout, general: QWidget, saved: QWidget,
                 button: QWidget) -> QGroupBox:
    """A settings box: its fields, the message that belongs to no field, then the "saved"
    confirmation beside the button that saves."""
    row = QHBoxLayout()
    row.addWidget(saved, 1)
    row.addWidget(button)
    lay = QVBoxLayout(box)
    lay.addLayout(form)
    lay.addWidget(general)
    lay.addLayout(row)
    return box
