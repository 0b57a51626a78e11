"""The pages of the main window, in navigation order, and who may see them.

A page is a ``Page``: ``refresh()`` runs each time the page is shown again, ``close_page()`` at
sign-out, and ``clinic_saved`` tells the window the clinic's name or idle lock changed (no page
reaches into the window). A page factory gets the signed-in ``Workspace`` and the window (a
``PageHost``: ``lock_controller`` with ``locked``/``unlocked`` signals).
Factories import their module lazily so the window opens fast and a page's import cost is paid
on first use.

To add a page, append a ``PageSpec`` to ``PAGES`` (or call ``register``) below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from facilitator.services.workspace import Workspace

ALL_ROLES = ("therapist", "supervisor", "admin")


class Page(QWidget):
    """A page of the main window (and a tab of a page with tabs)."""

    clinic_saved = Signal(object)
    """A ``ClinicView`` was saved: the window shows the new name and applies the idle lock."""
    sync_changed = Signal()
    """Something the status bar's sync item counts changed (a sync conflict was settled)."""

    def refresh(self) -> None:
        """Reload what the page shows from the services (each time it is shown again)."""

    def close_page(self) -> None:
        """Signing out: release what the page holds (e.g. a running console's windows)."""


@runtime_checkable
class PageHost(Protocol):
    """What a page may use of the window that holds it: the lock controller (``locked`` and
    ``unlocked`` signals), e.g. to hide a console while the screen is locked."""

    @property
    def lock_controller(self) -> QObject: ...

PageFactory = Callable[[Workspace, QWidget], Page]


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    factory: PageFactory
    roles: tuple[str, ...] = ALL_ROLES


def lazy(module: str, class_name: str) -> PageFactory:
    """A factory that imports ``module`` on first use and builds ``class_name(ws, parent)``."""

    def build(ws: Workspace, parent: QWidget) -> Page:
        cls = getattr(importlib.import_module(module), class_name)
        page = cls(ws, parent)
        assert isinstance(page, Page), f"{class_name} must be a pages.Page"
        return page

    return build


PAGES: list[PageSpec] = [
    # The live console ("today", first) and "curriculum" are added here by their owners.
    PageSpec("today", "Today / Console", lazy("facilitator.ui.console.today", "TodayPage"),
             ("therapist", "supervisor", "admin")),
    PageSpec("notes", "Notes", lazy("facilitator.ui.notes.notes_page", "NotesPage"),
             ("therapist", "supervisor")),
    PageSpec("review", "Review notes", lazy("facilitator.ui.notes.review_page", "ReviewPage"),
             ("supervisor",)),
    PageSpec("roster", "Roster", lazy("facilitator.ui.roster.roster_page", "RosterPage")),
    PageSpec("curriculum", "Library & planning",
             lazy("facilitator.ui.curriculum.curriculum_page", "CurriculumPage")),
    PageSpec("programs", "Programs & groups",
             lazy("facilitator.ui.admin.programs_page", "ProgramsPage"), ("admin",)),
    PageSpec("users", "Users", lazy("facilitator.ui.admin.users_page", "UsersPage"),
             ("admin",)),
    PageSpec("audit", "Audit log", lazy("facilitator.ui.admin.audit_page", "AuditPage"),
             ("admin", "supervisor")),
    PageSpec("backups", "Backups & integrity",
             lazy("facilitator.ui.admin.backup_page", "BackupPage"), ("admin", "supervisor")),
    PageSpec("conflicts", "Sync conflicts",
             lazy("facilitator.ui.admin.conflicts_page", "ConflictsPage"), ("admin", "supervisor")),
    PageSpec("settings", "Settings", lazy("facilitator.ui.settings_page", "SettingsPage")),
]


def register(spec: PageSpec, *, before: str | None = None) -> None:
    """Add (or replace, by key) a page; ``before`` places it ahead of another page's key."""
    for i, existing in enumerate(PAGES):
        if existing.key == spec.key:
            PAGES[i] = spec
            return
    keys = [p.key for p in PAGES]
    PAGES.insert(keys.index(before) if before in keys else len(PAGES), spec)


def pages_for(role: str) -> list[PageSpec]:
    return [p for p in PAGES if role in p.roles]
