"""First run, "Join your clinic": a new laptop joins with the hub address and a one-time
enrolment code an admin made on an enrolled laptop (``services.sync.join``). The work (redeem,
pull the whole history, set up the users' sign-in) runs off the GUI thread with its progress
shown and a Cancel button (the join stops at its next safe point); a failure or a cancel leaves
the data folder empty and says what to do."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from facilitator.clock import Clock
from facilitator.services.app_state import Vault
from facilitator.services.errors import Cancelled

from .errors import FieldErrors
from .ops import Op, run_cancellable
from .widgets import ErrorLabel, InfoLabel, add_field, scaled_font


def code_font(base: QWidget, factor: float = 1.3) -> QFont:
    """A fixed-width font for codes: 0/O and 1/I stay apart when read aloud and typed."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(base.font().pointSizeF() * factor)
    return font


class JoinClinicPage(QWidget):
    joined = Signal()
    """This laptop joined: the data folder is ready for the users to sign in."""
    back_requested = Signal()

    def __init__(self, vault: Vault, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.clock = clock
        self.op = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        title = QLabel(self.tr("Join your clinic"))
        title.setFont(scaled_font(1.6, bold=True, base=self))
        intro = InfoLabel(self.tr(
            "Ask an administrator to choose \"Enrol a new laptop…\" on a laptop that already "
            "syncs (Settings page). It shows the hub address and a one-time code. This laptop "
            "then fetches the clinic's records; everyone signs in here with the password "
            "they already use. No one's password is needed now."))
        self.address = QLineEdit()
        self.address.setPlaceholderText(self.tr("e.g. host=db.clinic.example dbname=facilitator"))
        self.code = QLineEdit()
        self.code.setFont(code_font(self))
        self.code.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX")
        self.code.setMaxLength(40)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.errors = FieldErrors(ErrorLabel())
        self.errors.add("address", add_field(form, self.tr("&Hub address"), self.address))
        self.errors.add("code", add_field(form, self.tr("Enrolment &code"), self.code))
        self.progress = InfoLabel()
        self.progress.hide()
        self.back_button = QPushButton(self.tr("&Back"))
        self.join_button = QPushButton(self.tr("&Join clinic"))
        self.join_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.hide()  # shown while a join runs (``run_cancellable``)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.join_button)
        column = QWidget()
        column.setMaximumWidth(self.fontMetrics().averageCharWidth() * 100)
        inner = QVBoxLayout(column)
        inner.setContentsMargins(0, 0, 0, 0)
        for widget in (title, intro):
            inner.addWidget(widget)
        inner.addLayout(form)
        inner.addWidget(self.errors.general)
        inner.addWidget(self.progress)
        inner.addLayout(buttons)
        inner.addStretch(1)
        lay = QHBoxLayout(self)
        lay.addWidget(column, 1, Qt.AlignmentFlag.AlignTop)

    def _connect_signals(self) -> None:
        self.join_button.clicked.connect(self._on_join)
        self.code.returnPressed.connect(self._on_join)
        self.back_button.clicked.connect(self.back_requested)
        self.cancel_button.clicked.connect(self._on_cancel)

    def _on_join(self) -> None:
        self.errors.clear()
        address, code = self.address.text(), self.code.text()

        def work(op: Op) -> object:
            from facilitator.services.sync import join  # loads the sync stack on demand

            return join.join_into(self.vault, address, code, self.clock,
                                  progress=op.report, should_stop=op.cancelled)

        self.progress.show()
        self.back_button.setEnabled(False)  # not in ``busy``: it would read "Joining…" too
        self.op = run_cancellable(
            self, work, on_success=self._on_joined, on_failure=self._on_failed,
            busy=[self.join_button, self.address, self.code],
            busy_text=self.tr("Joining…"), progress=self.progress.setText,
            cancel_button=self.cancel_button)

    def _on_cancel(self) -> None:
        # The work stops at its next safe point (between pulled entries at the latest), which
        # can take a moment: say so, and take no second click.
        self.cancel_button.setEnabled(False)
        self.progress.setText(self.tr("Cancelling… the join stops after the current step."))

    def _on_joined(self, _joined: object) -> None:
        self.back_button.setEnabled(True)
        self.progress.hide()
        self.code.clear()
        self.joined.emit()

    def _on_failed(self, error: BaseException) -> None:
        self.back_button.setEnabled(True)
        if isinstance(error, Cancelled):  # asked for, not an error: a plain notice
            self.progress.setText(str(error))
            return
        self.progress.hide()
        self.errors.show(error)
