"""The roster table: ``ParticipantTableModel`` over ``ParticipantView`` rows, and a proxy that
filters on chart ID and names as the user types."""

from __future__ import annotations

import unicodedata
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSortFilterProxyModel, Qt

from facilitator.services.roster import ParticipantView

from ..table_model import ROW_ID_ROLE, SORT_ROLE, Column, Index, RowsModel
from ..widgets import format_date

SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2
STATUS_TEXT = {"active": "Active", "on_hold": "On hold", "discharged": "Discharged"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("ParticipantTableModel", text)


def search_key(text: str) -> str:
    """Normalised, case-free text: the same for "José" typed precomposed or combining, and
    harmless for emoji and right-to-left scripts."""
    return unicodedata.normalize("NFKC", text).casefold()


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def _columns() -> list[Column[ParticipantView]]:
    return [
        Column(_tr("Chart ID"), lambda p: p.chart_id),
        Column(_tr("Name"), lambda p: p.display_name,
               sort=lambda p: search_key(p.short_name),
               tooltip=lambda p: _tr("Legal name: {0}").format(p.legal_name)),
        Column(_tr("Pronouns"), lambda p: p.pronouns),
        Column(_tr("Status"), lambda p: _tr(STATUS_TEXT.get(p.status, p.status))),
        Column(_tr("Program"), lambda p: p.program_name),
        Column(_tr("Groups"), lambda p: p.groups),
        Column(_tr("Admitted"), lambda p: format_date(p.admission_date),
               sort=lambda p: _iso(p.admission_date),
               tooltip=lambda p: _iso(p.admission_date)),
        Column(_tr("Discharged"), lambda p: format_date(p.discharge_date),
               sort=lambda p: _iso(p.discharge_date),
               tooltip=lambda p: _iso(p.discharge_date)),
    ]


class ParticipantTableModel(RowsModel[ParticipantView]):
    CHART_ID, NAME, PRONOUNS, STATUS, PROGRAM, GROUPS, ADMITTED, DISCHARGED = range(8)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(_columns(), parent)
        self._keys: list[str] = []

    def _rows_changed(self) -> None:
        # Computed once per load so filtering a big roster on every keystroke stays cheap.
        self._keys = [
            search_key(" ".join((p.chart_id, p.legal_name, p.preferred_name)))
            for p in self._rows
        ]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == SEARCH_ROLE:
            if index.isValid() and 0 <= index.row() < len(self._keys):
                return self._keys[index.row()]
            return None
        return super().data(index, role)


class ParticipantFilterProxy(QSortFilterProxyModel):
    """Keeps rows whose chart ID, legal or preferred name contains every typed word."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_search_text(self, text: str) -> None:
        self.beginFilterChange()
        self._words = search_key(text).split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self._words:
            return True
        model = self.sourceModel()
        key = model.data(model.index(source_row, 0, source_parent), SEARCH_ROLE) or ""
        return all(word in key for word in self._words)

    def id_at(self, row: int) -> int | None:
        value = self.data(self.index(row, 0), ROW_ID_ROLE)
        return int(value) if value is not None else None
