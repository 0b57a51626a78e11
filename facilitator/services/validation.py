"""Small shared checks that build field-by-field validation messages."""

from __future__ import annotations

import unicodedata
from datetime import date

MAX_NAME = 1000
MAX_TEXT = 100_000
MIN_PASSWORD = 10


def visible(text: str) -> bool:
    """True when ``text`` has something a person can see: zero-width and direction marks
    (format characters) and spaces alone make an empty name, not a name."""
    return any(unicodedata.category(ch)[0] not in ("C", "Z") for ch in text)


class Checker:
    """Collects one message per field; ``raise_if_any`` raises ValidationError with all of them."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def text(self, field: str, label: str, value: str, *, required: bool = True,
             max_len: int = MAX_NAME) -> str:
        cleaned = value.strip()
        if any("\ud800" <= ch <= "\udfff" for ch in cleaned):
            # Half of a character (a bad paste, a broken file): it cannot be stored as text.
            self.fail(field, f"{label} contains a broken character (perhaps from a paste); "
                             "retype it.")
        elif required and not visible(cleaned):
            self.fail(field, f"{label} is required.")
        elif len(cleaned) > max_len:
            self.fail(field, f"{label} is too long ({len(cleaned):,} of at most {max_len:,}"
                             " characters).")
        return cleaned

    def order(self, field: str, earlier: date | None, later: date | None, message: str) -> None:
        if earlier is not None and later is not None and later < earlier:
            self.fail(field, message)

    def password(self, field: str, value: str) -> None:
        if len(value) < MIN_PASSWORD:
            self.fail(field, f"The password needs at least {MIN_PASSWORD} characters.")

    def raise_if_any(self) -> None:
        if self.errors:
            from .errors import ValidationError

            raise ValidationError(self.errors)
