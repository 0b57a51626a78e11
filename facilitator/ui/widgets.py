"""Small widgets shared by forms: an error label that sits next to its field, form rows that
carry one, an optional date, and date conversions."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .theme import follow

WARNING_SIGN = "⚠"
# What each segment kind is called on screen (template editor, console, privacy shield).
SEGMENT_KIND_TEXT = {"checkin": "Check-in", "module": "Skills module", "break": "Break",
                     "process": "Process group", "checkout": "Check-out", "other": "Other"}


class ErrorLabel(QLabel):
    """A message about one field (or a whole form). Hidden while empty; a warning sign precedes
    the text so colour is not the only signal."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        follow(self, lambda t: self.setStyleSheet(f"color: {t.alert};"))
        self.setAccessibleName(self.tr("Error"))
        self.hide()

    def setText(self, text: str) -> None:
        super().setText(f"{WARNING_SIGN} {text}" if text else "")
        self.setVisible(bool(text))

    def message(self) -> str:
        """The text without the warning sign."""
        return self.text().removeprefix(f"{WARNING_SIGN} ")


class InfoLabel(QLabel):
    """A neutral, wrapped notice (success messages, hints)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)


def add_field(form: QFormLayout, label: str, field: QWidget) -> ErrorLabel:
    """Add ``label: field`` to ``form`` with an error label directly under the field."""
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    lay.addWidget(field)
    error = ErrorLabel(box)
    lay.addWidget(error)
    caption = QLabel(label)
    caption.setBuddy(field)
    form.addRow(caption, box)
    return error


def scaled_font(factor: float, *, bold: bool = False, base: QWidget | None = None) -> QFont:
    """``base``'s font (default: the application's) scaled by ``factor``, so sizes follow the
    system font (never fixed pixel sizes)."""
    font = QFont(base.font() if base is not None else QApplication.font())
    size = font.pointSizeF()
    if size <= 0:  # pixel-sized fonts report -1
        font.setPixelSize(max(8, round(font.pixelSize() * factor)))
    else:
        font.setPointSizeF(size * factor)
    font.setBold(bold)
    return font


def compact_rows(view: QTableView) -> None:
    """Row height from the font (one line plus a little air), not the style's roomy default."""
    view.verticalHeader().setDefaultSectionSize(int(view.fontMetrics().height() * 1.6))


def to_qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def from_qdate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def format_date(value: date | None) -> str:
    """ISO dates: unambiguous on a US or European laptop, and the same as the date editors."""
    return value.isoformat() if value is not None else ""


def date_edit(value: date, parent: QWidget | None = None) -> QDateEdit:
    edit = QDateEdit(to_qdate(value), parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


class OptionalDateEdit(QWidget):
    """A date that may be absent: a date edit and a "No date" check box."""

    def __init__(self, default: date, value: date | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = date_edit(value or default, self)
        self.none = QCheckBox(self.tr("No date"), self)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.none)
        self.none.toggled.connect(self.edit.setDisabled)
        self.none.setChecked(value is None)
        self.setFocusProxy(self.edit)

    def value(self) -> date | None:
        return None if self.none.isChecked() else from_qdate(self.edit.date())

    def set_value(self, value: date | None) -> None:
        if value is not None:
            self.edit.setDate(to_qdate(value))
        self.none.setChecked(value is None)


def password_edit(placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    return edit


class ConfirmBar(QFrame):
    """An inline "are you sure?" strip (never a modal box): ``ask(text)`` shows it with the
    focus on the confirming button; Cancel hides it. Connect ``confirm_button.clicked``."""

    def __init__(self, confirm_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = InfoLabel()
        self.confirm_button = QPushButton(confirm_text)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        row = QHBoxLayout(self)
        row.addWidget(self.text, 1)
        row.addWidget(self.confirm_button)
        row.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(self.hide)
        self.hide()

    def ask(self, text: str) -> None:
        self.text.setText(text)
        self.show()
        self.confirm_button.setFocus()
