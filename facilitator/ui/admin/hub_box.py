"""Settings, "Clinic hub" (admins): the hub address this laptop syncs with (shown and changed
here, never with a password in it), and "Enrol a new laptop…", which confirms the admin's
password, runs a sync round and makes a one-time code off the GUI thread, then shows the code
once with its expiry (``services.sync.enrol``)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from facilitator.services.sync import enrol
from facilitator.services.workspace import Workspace

from ..dialogs import window_modal
from ..errors import FieldErrors, attempt
from ..join_clinic import code_font
from ..widgets import ErrorLabel, InfoLabel, add_field, password_edit, scaled_font


def refresh_sync_status(widget: QWidget) -> None:
    """The main window's sync item, after this box changed what it shows."""
    status = getattr(widget.window(), "sync_status", None)
    if status is not None:
        status.refresh()


class HubBox(QGroupBox):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Clinic hub"), parent)
        self.ws = ws
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.address = QLineEdit()
        self.address.setPlaceholderText(
            self.tr("host=db.clinic.example dbname=facilitator user=front_desk"))
        self.errors = FieldErrors(ErrorLabel())
        self.errors.add("address", add_field(form, self.tr("Hub &address"), self.address))
        hint = InfoLabel(self.tr(
            "The clinic's PostgreSQL hub, as a connection string without a password (it comes "
            "from PGPASSWORD or ~/.pgpass; a laptop that joined with a code has its own)."))
        self.saved = InfoLabel()
        self.save_button = QPushButton(self.tr("Save hub address"))
        self.enrol_button = QPushButton(self.tr("&Enrol a new laptop…"))
        row = QHBoxLayout()
        row.addWidget(self.saved, 1)
        row.addWidget(self.save_button)
        enrol_row = QHBoxLayout()
        enrol_row.addWidget(InfoLabel(self.tr(
            "A new laptop joins with a one-time code from here: it fetches the records, and "
            "everyone signs in there with their own password.")), 1)
        enrol_row.addWidget(self.enrol_button, 0, Qt.AlignmentFlag.AlignTop)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(hint)
        lay.addWidget(self.errors.general)
        lay.addLayout(row)
        lay.addLayout(enrol_row)
        self.save_button.clicked.connect(self._on_save)
        self.address.returnPressed.connect(self._on_save)
        self.enrol_button.clicked.connect(self._on_enrol)
        self.refresh()

    def refresh(self) -> None:
        current = attempt(lambda: enrol.hub_address(self.ws), self.errors.show)
        if current is not None:
            self.address.setText(current)
            self.address.setCursorPosition(0)
            self.enrol_button.setEnabled(bool(current))

    def _on_save(self) -> None:
        self.errors.clear()
        self.saved.clear()
        text = self.address.text()
        stored = attempt(lambda: enrol.set_hub_address(self.ws, text), self.errors.show)
        if stored is not None:
            self.address.setText(stored)
            self.address.setCursorPosition(0)
            self.enrol_button.setEnabled(True)
            self.saved.setText(self.tr("✓ Hub address saved. Use Sync now to sync."))
            refresh_sync_status(self)  # "not set up" no more

    def _on_enrol(self) -> None:
        self.dialog = window_modal(EnrolDialog(self.ws, self))
        self.dialog.open()


class EnrolDialog(QDialog):
    """Confirm, make the code (a sync round first), show it once."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.op = None
        self.setWindowTitle(self.tr("Enrol a new laptop"))
        self.stack = QStackedWidget()
        self.stack.addWidget(self._ask_page())
        self.stack.addWidget(self._code_page())
        lay = QVBoxLayout(self)
        lay.addWidget(self.stack)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)

    def _ask_page(self) -> QWidget:
        page = QWidget()
        self.password = password_edit()
        self.hours = QSpinBox()
        self.hours.setRange(1, 7 * 24)
        self.hours.setValue(enrol.HOURS)
        self.hours.setSuffix(self.tr(" hours"))
        self.hours.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        form = QFormLayout()
        self.errors = FieldErrors(ErrorLabel())
        self.errors.add("password", add_field(form, self.tr("Your &password"), self.password))
        self.errors.add("hours", add_field(form, self.tr("Code &valid for"), self.hours))
        self.progress = InfoLabel()
        self.make_button = QPushButton(self.tr("&Make code"))
        self.make_button.setDefault(True)
        cancel = QPushButton(self.tr("Cancel"))
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.make_button)
        lay = QVBoxLayout(page)
        lay.addWidget(InfoLabel(self.tr(
            "The code lets one new laptop join this clinic: it gets the clinic's records and "
            "keys. It works once and expires. This laptop syncs first.")))
        lay.addLayout(form)
        lay.addWidget(self.errors.general)
        lay.addLayout(buttons)
        self.make_button.clicked.connect(self._on_make)
        self.password.returnPressed.connect(self._on_make)
        return page

    def _code_page(self) -> QWidget:
        page = QWidget()
        self.code = QLabel()
        self.code.setFont(code_font(self, 2.0))
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.details = InfoLabel()
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning = ErrorLabel()
        heading = QLabel(self.tr("Enrolment code (shown once)"))
        heading.setFont(scaled_font(1.2, bold=True, base=self))
        self.copy_button = QPushButton(self.tr("&Copy code"))
        self.copy_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.code.text()))
        done = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        done.rejected.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(self.copy_button)
        row.addStretch(1)
        row.addWidget(done)
        lay = QVBoxLayout(page)
        for widget in (heading, self.code, self.details, self.warning):
            lay.addWidget(widget)
        lay.addLayout(row)
        return page

    def _on_make(self) -> None:
        self.errors.clear()
        password, hours = self.password.text(), self.hours.value()
        from ..ops import run_in_background

        self.op = run_in_background(
            self, lambda: enrol.create_code(self.ws, password, hours),
            on_success=self._show, on_failure=self.errors.show,
            busy=[self.make_button, self.password, self.hours],
            busy_text=self.tr("Syncing and making the code…"), progress=self.progress.setText)

    def _show(self, made: enrol.EnrolmentCode) -> None:
        self.password.clear()
        self.progress.clear()
        local = made.expires_at.astimezone(self.ws.timezone)
        self.code.setText(made.code)
        self.details.setText(self.tr(
            "On the new laptop choose \"Join a clinic…\", enter the hub address\n{0}\nand "
            "this code. It works once, until {1}.")
            .format(made.hub, local.strftime("%Y-%m-%d %H:%M")))
        if made.without_slot:
            self.warning.setText(self.tr(
                "Not yet able to sign in on the new laptop: {0}. They must sign in once on a "
                "laptop that syncs; their sign-in then reaches the new laptop at its next "
                "sync.").format(", ".join(made.without_slot)))
        self.stack.setCurrentIndex(1)
        if self.parentWidget() is not None:
            refresh_sync_status(self.parentWidget())  # making the code ran a sync round
