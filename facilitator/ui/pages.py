"""The pages of the main window, in navigation order, and who may see them.

A page factory gets the signed-in ``Workspace`` and the ``MainWindow`` (which offers
``lock_controller`` with ``locked``/``unlocked`` signals, and ``status_message``). Factories
import their module lazily so the window opens fast and a page's import cost is paid on first
use. A page may define ``refresh()``; the window calls it each time the page is shown.

To add a page, append a ``PageSpec`` to ``PAGES`` (or call ``register``) below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from facilitator.services.workspace import Workspace

ALL_ROLES = ("therapist", "supervisor", "admin")

PageFactory = Callable[[Workspace, QWidget], QWidget]


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    factory: PageFactory
    roles: tuple[str, ...] = ALL_ROLES


def lazy(module: str, class_name: str) -> PageFactory:
    """A factory that imports ``module`` on first use and builds ``class_name(ws, parent)``."""

    def build(ws: Workspace, parent: QWidget) -> QWidget:
        cls = getattr(importlib.import_module(module), class_name)
        return cls(ws, parent)  # type: ignore[no-any-return]

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
