"""The dialog shape shared by every edit form: it collects input and asks to save; the page calls
the service and answers with ``saved()`` or ``show_error()``, whose messages appear next to the
fields (STYLE: dialogs collect input and return it; the caller calls the service)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from .errors import FieldErrors

T = TypeVar("T")


class ServiceFormDialog(QDialog):
    save_requested = Signal()
    """Save pressed: the page reads the fields, calls the service, then ``saved()`` or
    ``show_error()``. No data travels in the signal."""

    CONFLICT_FIELD = ""  # the field a Conflict (e.g. a duplicate) is shown next to
    errors: FieldErrors  # built by the subclass with its fields
    buttons: QDialogButtonBox

    def save_cancel_buttons(self) -> QDialogButtonBox:
        """The Save / Cancel row every form ends with (``self.buttons``): Save asks to save,
        Cancel closes."""
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        return self.buttons

    def open_with(self, on_save: Callable[[], None], on_closed: Callable[[], None]) -> None:
        """Open window-modal (never blocking a running console); Save calls ``on_save``; when
        the dialog closes, ``on_closed`` runs (the page forgets it) and the dialog is deleted."""
        self.save_requested.connect(on_save)
        self.finished.connect(lambda _result: on_closed())
        self.finished.connect(self.deleteLater)
        self.open()

    def accept(self) -> None:
        self.errors.clear()
        self.save_requested.emit()

    def saved(self) -> None:
        super().accept()

    def show_error(self, error: BaseException) -> None:
        self.errors.show(error, conflict_field=self.CONFLICT_FIELD)
        self.adjustSize()  # make room for the messages under the fields


def submit(form: ServiceFormDialog, call: Callable[[], T]) -> T | None:
    """Run the service ``call`` for ``form``'s Save. On success close the form and return what
    ``call`` returned (a call must return something: None means it failed). On failure show
    the error next to the fields and return None; the form stays open with everything typed."""
    try:
        result = call()
    except Exception as error:  # every service error is shown in the form, none is lost
        form.show_error(error)
        return None
    form.saved()
    return result


class FormHost:
    """Mixin for a page that shows at most one edit form at a time, as ``self.dialog``
    (tests and the save handlers reach the open form through it)."""

    dialog: ServiceFormDialog | None = None

    def open_form(self, dialog: ServiceFormDialog, on_save: Callable[[], None]) -> None:
        self.dialog = dialog
        dialog.open_with(on_save, self._forget_form)

    def _forget_form(self) -> None:
        self.dialog = None
