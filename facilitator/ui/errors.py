"""Turning errors into messages for the person at the screen.

Service errors already carry a human sentence. Anything else is a bug: the user gets a generic
message and the log gets the exception's *type* only, because the text of driver errors can quote
the values of a statement (PHI)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TypeVar

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QStatusBar

from facilitator.services.errors import ServiceError, ValidationError

log = logging.getLogger(__name__)
T = TypeVar("T")


def _tr(text: str) -> str:
    return QCoreApplication.translate("errors", text)


def user_message(error: BaseException) -> str:
    """One sentence to show; never a traceback."""
    if isinstance(error, ServiceError):
        return str(error) or _tr("That did not work.")
    log.error("Unexpected %s in the user interface", type(error).__name__)
    return _tr("Something went wrong and nothing was changed. If it happens again, restart "
               "Facilitator and tell your administrator.")


def show_in_label(label: QLabel, error: BaseException) -> None:
    label.setText(user_message(error))
    label.show()


def show_in_status(bar: QStatusBar | None, error: BaseException, msec: int = 10_000) -> None:
    if bar is not None:
        bar.showMessage(user_message(error), msec)


class FieldErrors:
    """Shows each ``ValidationError.fields`` entry in the label next to its field; messages for
    fields without a label (and every other error) go to the general label."""

    def __init__(self, general: QLabel, labels: Mapping[str, QLabel] | None = None) -> None:
        self.general = general
        self.labels: dict[str, QLabel] = dict(labels or {})

    def add(self, field: str, label: QLabel) -> None:
        self.labels[field] = label

    def clear(self) -> None:
        for label in (self.general, *self.labels.values()):
            label.clear()
            label.hide()

    def show(self, error: BaseException, *, conflict_field: str | None = None) -> None:
        """``conflict_field`` names the field a ``Conflict`` is about (e.g. a duplicate chart
        ID), so it too appears next to that field."""
        from facilitator.services.errors import Conflict

        self.clear()
        if isinstance(error, ValidationError):
            rest = []
            for field, message in error.fields.items():
                if field in self.labels:
                    self.set(field, message)
                else:
                    rest.append(message)
            if rest:
                self._general(" ".join(rest))
        elif isinstance(error, Conflict) and conflict_field in self.labels:
            self.set(conflict_field or "", str(error))
        else:
            self._general(user_message(error))

    def set(self, field: str, message: str) -> None:
        label = self.labels[field]
        label.setText(message)
        label.show()

    def _general(self, message: str) -> None:
        self.general.setText(message)
        self.general.show()

    def has_errors(self) -> bool:
        return any(lbl.text() for lbl in (self.general, *self.labels.values()))


def attempt(call: Callable[[], T], on_error: Callable[[BaseException], None]) -> T | None:
    """Run ``call``; hand any error (service or unexpected) to ``on_error`` instead of raising,
    so a slot never lets an exception reach Qt's event loop."""
    try:
        return call()
    except Exception as error:
        on_error(error)
        return None
