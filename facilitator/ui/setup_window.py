"""First run: create the clinic and its first administrator (or a demo clinic), then show the
recovery key exactly once."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimeZone, Signal
from PySide6.QtGui import QCloseEvent, QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from facilitator.clock import Clock
from facilitator.services import app_state, clinic_setup
from facilitator.services.app_state import Vault
from facilitator.services.clinic_setup import ClinicSetup
from facilitator.services.validation import MIN_PASSWORD
from facilitator.services.workspace import Workspace

from .errors import FieldErrors, attempt
from .notices import take_keyring_notice
from .widgets import ErrorLabel, InfoLabel, add_field, password_edit, scaled_font

COMMON_ZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico",
)


def system_zone() -> str:
    return bytes(QTimeZone.systemTimeZoneId().data()).decode("ascii", "replace")


def timezone_combo() -> QComboBox:
    """An editable list: the computer's zone first, then the common US zones."""
    combo = QComboBox()
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    zones = [system_zone(), *COMMON_ZONES]
    combo.addItems(list(dict.fromkeys(z for z in zones if z)))
    return combo


class RecoveryKeyPage(QWidget):
    """Shows the recovery key once; Continue stays disabled until the user confirms it is
    stored."""

    continued = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title = QLabel(self.tr("Your recovery key"))
        title.setFont(scaled_font(1.5, bold=True, base=self))
        self.explain = explain = InfoLabel(self.tr(
            "If every administrator forgets their password, this key is the only way into the "
            "data. It is shown now and never again. Write it down or print it, and keep it "
            "locked away from this computer."))
        self.key_label = QLabel()
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(self.font().pointSizeF() * 1.6)
        font.setFixedPitch(True)
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        self.key_label.setFont(font)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_label.setWordWrap(True)
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setFrameShape(QLabel.Shape.StyledPanel)
        self.key_label.setMargin(self.fontMetrics().height())
        self.copy_button = QPushButton(self.tr("&Copy to clipboard"))
        self.stored = QCheckBox(self.tr("I have stored the recovery key somewhere &safe"))
        self.continue_button = QPushButton(self.tr("C&ontinue"))
        self.continue_button.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.stored, 1)
        row.addWidget(self.continue_button)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(explain)
        lay.addWidget(self.key_label)
        lay.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignRight)
        lay.addStretch(1)
        lay.addLayout(row)
        self.copy_button.clicked.connect(self._on_copy)
        self.stored.toggled.connect(self.continue_button.setEnabled)
        self.continue_button.clicked.connect(self._on_continue)

    def show_key(self, key: str) -> None:
        self.key_label.setText(key)
        self.stored.setChecked(False)

    def _on_copy(self) -> None:
        QGuiApplication.clipboard().setText(self.key_label.text())
        self.copy_button.setText(self.tr("✓ Copied"))

    def _on_continue(self) -> None:
        if not self.stored.isChecked():
            return
        # Shown once: forget it here, and do not leave it lying in the clipboard.
        clipboard = QGuiApplication.clipboard()
        if self.key_label.text() and clipboard.text() == self.key_label.text():
            clipboard.clear()
        self.key_label.clear()
        self.continued.emit()


class SetupWindow(QWidget):
    signed_in = Signal(object)
    """The clinic exists and the recovery key was acknowledged; carries the ``Workspace``."""
    joined = Signal()
    """This laptop joined an existing clinic: the users sign in next."""

    def __init__(self, vault: Vault, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.clock = clock
        self.workspace: Workspace | None = None
        self.setWindowTitle(self.tr("Facilitator — set up a clinic"))
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.stack = QStackedWidget()
        self.stack.addWidget(self._setup_page())
        self.recovery_page = RecoveryKeyPage()
        self.stack.addWidget(self.recovery_page)
        from .join_clinic import JoinClinicPage

        self.join_page = JoinClinicPage(self.vault, self.clock)
        self.stack.addWidget(self.join_page)
        lay = QVBoxLayout(self)
        lay.addWidget(self.stack)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 120, metrics.height() * 34)

    def _setup_page(self) -> QWidget:
        page = QWidget()
        title = QLabel(self.tr("Welcome to Facilitator"))
        title.setFont(scaled_font(1.6, bold=True, base=self))
        intro = InfoLabel(self.tr(
            "Set up your clinic and the first administrator account. Everything is stored "
            "encrypted in {0}.").format(app_state.data_dir(self.vault)))
        self.keyring_notice = InfoLabel(take_keyring_notice(app_state.has_keyring(self.vault))
                                        or "")
        self.keyring_notice.setVisible(bool(self.keyring_notice.text()))

        self.clinic_name = QLineEdit()
        self.timezone = timezone_combo()
        self.address = QPlainTextEdit()
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.address.fontMetrics().lineSpacing() * 4)
        self.address.setPlaceholderText(self.tr("Printed in the header of exported notes"))
        self.admin_login = QLineEdit()
        self.admin_display_name = QLineEdit()
        self.admin_credentials = QLineEdit()
        self.admin_credentials.setPlaceholderText(self.tr("e.g. LCSW, LPC, LADC"))
        self.password = password_edit(self.tr("At least {0} characters").format(MIN_PASSWORD))
        self.password_again = password_edit()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.general_error = ErrorLabel()
        self.errors = FieldErrors(self.general_error)
        for field, label, widget in (
            ("clinic_name", self.tr("Clinic &name"), self.clinic_name),
            ("timezone", self.tr("&Time zone"), self.timezone),
            ("address", self.tr("A&ddress"), self.address),
            ("admin_login", self.tr("Your &login"), self.admin_login),
            ("admin_display_name", self.tr("Your na&me"), self.admin_display_name),
            ("admin_credentials", self.tr("C&redentials"), self.admin_credentials),
            ("password", self.tr("&Password"), self.password),
            ("password_again", self.tr("Password &again"), self.password_again),
        ):
            self.errors.add(field, add_field(form, label, widget))
        self.create_button = QPushButton(self.tr("&Create clinic"))
        self.create_button.setDefault(True)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.general_error)
        left.addWidget(self.create_button, 0, Qt.AlignmentFlag.AlignRight)
        left.addStretch(1)

        demo = QGroupBox(self.tr("Just looking?"))
        self.demo_password = password_edit(self.tr("At least {0} characters")
                                           .format(MIN_PASSWORD))
        self.demo_button = QPushButton(self.tr("Open &demo clinic"))
        demo_form = QFormLayout()
        self.demo_errors = FieldErrors(ErrorLabel())
        self.demo_errors.add("password", add_field(demo_form, self.tr("Demo pa&ssword"),
                                                   self.demo_password))
        demo_lay = QVBoxLayout(demo)
        demo_lay.addWidget(InfoLabel(self.tr(
            "Fill this data folder with a made-up clinic, groups and participants to try "
            "things out. You will be the administrator (login \"admin\") with the password "
            "you choose here. Keep real records in a separate data folder.")))
        demo_lay.addLayout(demo_form)
        demo_lay.addWidget(self.demo_errors.general)
        demo_lay.addWidget(self.demo_button, 0, Qt.AlignmentFlag.AlignRight)
        demo_lay.addStretch(1)

        join = QGroupBox(self.tr("Your clinic already uses Facilitator?"))
        join_lay = QVBoxLayout(join)
        join_lay.addWidget(InfoLabel(self.tr(
            "Add this laptop to it with the hub address and a one-time code from your "
            "administrator. Everyone keeps their password.")))
        self.join_button = QPushButton(self.tr("&Join a clinic…"))
        join_lay.addWidget(self.join_button, 0, Qt.AlignmentFlag.AlignRight)
        right = QVBoxLayout()
        right.addWidget(join)
        right.addWidget(demo, 1)
        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        lay = QVBoxLayout(page)
        lay.addWidget(title)
        lay.addWidget(intro)
        lay.addWidget(self.keyring_notice)
        lay.addLayout(columns, 1)
        return page

    def _connect_signals(self) -> None:
        self.create_button.clicked.connect(self._on_create)
        self.password_again.returnPressed.connect(self._on_create)
        self.demo_button.clicked.connect(self._on_demo)
        self.demo_password.returnPressed.connect(self._on_demo)
        self.recovery_page.continued.connect(self._on_continued)
        self.join_button.clicked.connect(lambda: self.stack.setCurrentWidget(self.join_page))
        self.join_page.back_requested.connect(lambda: self.stack.setCurrentIndex(0))
        self.join_page.joined.connect(self.joined)

    # -- slots -----------------------------------------------------------------------------
    def _on_create(self) -> None:
        self.errors.clear()
        setup = ClinicSetup(
            clinic_name=self.clinic_name.text(), timezone=self.timezone.currentText(),
            address=self.address.toPlainText(), admin_login=self.admin_login.text(),
            admin_display_name=self.admin_display_name.text(),
            admin_credentials=self.admin_credentials.text(), password=self.password.text(),
            password_again=self.password_again.text())
        result = attempt(lambda: clinic_setup.create_clinic(self.vault, self.clock, setup),
                         self.errors.show)
        if result is not None:
            self._created(*result)

    def _on_demo(self) -> None:
        self.demo_errors.clear()
        password = self.demo_password.text()
        if len(password) < MIN_PASSWORD:
            self.demo_errors.set("password", self.tr(
                "The password needs at least {0} characters.").format(MIN_PASSWORD))
            return

        def create() -> tuple[Workspace, str]:
            from facilitator.services import demo  # written alongside; heavy, so on demand

            return demo.create_demo(self.vault, self.clock, password)

        # Generating a clinic takes seconds: off the GUI thread (facilitator.ui.ops).
        from .ops import run_in_background

        run_in_background(self, create, on_success=lambda result: self._created(*result),
                          on_failure=self.demo_errors.show,
                          busy=[self.demo_button, self.demo_password, self.create_button],
                          busy_text=self.tr("Creating the demo clinic…"))

    def _created(self, ws: Workspace, recovery_key: str) -> None:
        self.workspace = ws
        for edit in (self.password, self.password_again, self.demo_password):
            edit.clear()
        self.recovery_page.show_key(recovery_key)
        self.stack.setCurrentWidget(self.recovery_page)

    def _on_continued(self) -> None:
        ws, self.workspace = self.workspace, None
        if ws is not None:
            self.signed_in.emit(ws)

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closed on the recovery-key page: the clinic exists; release its database.
        if self.workspace is not None:
            self.workspace.close()
            self.workspace = None
        super().closeEvent(event)
