"""Typed errors raised by services. Every message is written for the person at the screen and
never contains PHI beyond what that person typed, so the UI and CLI can show it as it is."""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """Base class: ``str(error)`` is a complete, human sentence."""


class ValidationError(ServiceError):
    """Input that cannot be saved. ``fields`` maps a field name to its message."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        super().__init__(" ".join(self.fields.values()))


class NeedsConfirmation(ValidationError):
    """Input that may be right but looks like a slip (an admission years ahead): the caller
    may save again with the service's ``confirm`` flag once the person confirms it."""


class NotFound(ServiceError):
    pass


class PermissionDenied(ServiceError):
    pass


class Conflict(ServiceError):
    """The change clashes with data already stored (duplicate chart ID, already running…)."""


class AuthError(ServiceError):
    """Wrong password or recovery key, or a locked or inactive account (CLI exit code 3)."""


class StorageProblem(ServiceError):
    """The data folder or database cannot be used; carries the storage layer's safe message."""


class DatabaseDamaged(StorageProblem):
    """The database file is missing, truncated, corrupted or not ours: restoring a backup is
    the way out (the sign-in window offers it). ``problems``: what a check found, one short
    line each (no PHI), when the damage was found by a check rather than by a failed read."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class SyncProblem(ServiceError):
    """Clinic sync could not finish: the hub is unreachable or refused, or what it served
    failed the checks. The laptop keeps working offline; nothing local was lost."""


class Cancelled(ServiceError):
    """The person cancelled long work (e.g. joining a clinic) at a safe point; the sentence
    says what was kept and what to do next."""
