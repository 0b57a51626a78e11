"""Small shared checks that build field-by-field validation messages."""

from __future__ import annotations

import unicodedata
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..storage.keys import normalise_login

MAX_NAME = 1000
MAX_TEXT = 100_000
MIN_PASSWORD = 10
# zxcvbn's score 3: about 10^8 guesses or more. Below, the password is a common one, a keyboard
# walk, a dictionary word with digits, or built from the user's own login or names.
MIN_PASSWORD_SCORE = 3


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

    def password(self, field: str, value: str, context: tuple[str, ...] = ()) -> None:
        """At least MIN_PASSWORD characters and not easy to guess; ``context``: the login, the
        person's and the clinic's names, which a guesser tries first."""
        if len(value) < MIN_PASSWORD:
            self.fail(field, f"The password needs at least {MIN_PASSWORD} characters.")
            return
        from zxcvbn import zxcvbn  # loads its word lists: only when a password is set

        result = zxcvbn(value[:100], user_inputs=[c for c in context if c])
        if result["score"] < MIN_PASSWORD_SCORE:
            hint = result["feedback"].get("warning") or ""
            self.fail(field, "This password is too easy to guess"
                      + (f" ({hint.rstrip('.').lower()})" if hint else "")
                      + ". A few unrelated words make a strong one.")

    def raise_if_any(self) -> None:
        if self.errors:
            from .errors import ValidationError

            raise ValidationError(self.errors)


def check_login(checker: Checker, field: str, login: str) -> str:
    cleaned = normalise_login(login)
    if not cleaned:
        checker.fail(field, "The login is required.")
    elif len(cleaned) > 64 or not all(ch.isalnum() or ch in "._-" for ch in cleaned):
        checker.fail(field, "A login uses letters, digits, '.', '_' or '-' (at most 64).")
    return cleaned


def check_timezone(checker: Checker, field: str, name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        checker.fail(field, f"Unknown time zone {name.strip()!r}; use e.g. America/Chicago.")
        return None
