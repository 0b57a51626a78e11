"""The review queue's table: one row per note, with an aging marker that is an icon and words
(and, only in addition, bold dark red); J/K move like Down/Up, Shift+arrows select several."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from facilitator.services.notes import ReviewRow
from facilitator.services.workspace import Workspace

from ..console.style import scaled_font
from ..table_model import Column, Index, RowsModel
from ..widgets import compact_rows

AGING = "⚠"


def _t(text: str) -> str:
    return QCoreApplication.translate("ReviewPage", text)


def aging_text(row: ReviewRow) -> str:
    """The aging marker: an icon *and* words, so colour is never the only signal."""
    if not row.aging:
        return ""
    days = int(row.age_days)
    if row.state == "draft":
        return _t("{icon} past deadline").format(icon=AGING)
    return (_t("{icon} 1 day") if days == 1 else _t("{icon} {n} days")).format(icon=AGING,
                                                                            n=days)


class ReviewModel(RowsModel[ReviewRow]):
    """Review rows; the aging marker is also bold and dark red (after its icon and text)."""

    def __init__(self, ws: Workspace, parent: QObject | None = None) -> None:
        tz = ws.timezone
        super().__init__([
            Column(_t("Session"), lambda r: r.session_date.isoformat()),
            Column(_t("Group"), lambda r: r.group_name),
            Column(_t("Participant"), lambda r: r.short_name),
            Column(_t("Author"), lambda r: r.author),
            # The date is enough in the table (the age says how long); the time is a hover away.
            Column(_t("Signed"), lambda r: f"{r.signed_at.astimezone(tz):%Y-%m-%d}"
                   if r.signed_at else "—",
                   tooltip=lambda r: f"{r.signed_at.astimezone(tz):%Y-%m-%d %H:%M}"
                   if r.signed_at else _t("Not signed"), sort=lambda r: r.signed_at.timestamp()
                   if r.signed_at else 0.0),
            Column(_t("Days"), lambda r: f"{r.age_days:.1f}", sort=lambda r: r.age_days,
                   tooltip=lambda r: _t("Days since signing (since the session ended, for a "
                                        "draft)")),
            Column(_t("Aging"), aging_text, sort=lambda r: (r.aging, r.age_days),
                   tooltip=lambda r: _t("Waiting for co-signature more than 2 days")
                   if r.aging and r.state == "awaiting_cosign"
                   else _t("Unsigned after the program's note deadline") if r.aging else ""),
        ], parent)
        self._aging_column = 6

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role in (Qt.ItemDataRole.FontRole, Qt.ItemDataRole.ForegroundRole)
                and index.isValid() and index.column() == self._aging_column
                and 0 <= index.row() < self.rowCount() and self.row_at(index.row()).aging):
            if role == Qt.ItemDataRole.FontRole:
                return scaled_font(1.0, bold=True)
            return QColor("#8a1c12")
        return super().data(index, role)


class ReviewTable(QTableView):
    def __init__(self, model: ReviewModel) -> None:
        super().__init__()
        self.setModel(model)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Shift+Up/Down (or Ctrl+A) select several notes to co-sign with one password.
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.verticalHeader().hide()
        self.setWordWrap(False)
        compact_rows(self)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # J/K move like Down/Up (as in mail readers); everything else as a table does.
        step = {Qt.Key.Key_J: 1, Qt.Key.Key_K: -1}.get(Qt.Key(event.key()))
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                      Qt.KeyboardModifier.KeypadModifier)
        if step is not None and plain:
            self.move(step)
            return
        super().keyPressEvent(event)

    def move(self, step: int) -> None:
        """Select the next (``step`` 1) or previous (-1) note."""
        rows = self.model().rowCount()
        if rows:
            self.selectRow(max(0, min(self.currentIndex().row() + step, rows - 1)))

    def fit_columns(self) -> int:
        """Fit the columns to their text; the width they need (before the last one is
        stretched to fill the view)."""
        self.resizeColumnsToContents()
        return sum(self.columnWidth(c) for c in range(self.model().columnCount()))
