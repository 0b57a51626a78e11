"""Qt item models over the curriculum services' DTOs (modules, topics, plan grid, calendar…)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QByteArray,
    QCoreApplication,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from facilitator.services.curriculum.dto import (
    AttendedTopic,
    CalendarDay,
    ModuleCoverage,
    ModuleView,
    PlanEntry,
    PlanView,
    TopicSummary,
)
from facilitator.services.curriculum.packs import PackItem
from facilitator.services.programs import WEEKDAY_NAMES

from ..table_model import Column, RowsModel
from ..widgets import WARNING_SIGN, format_date

Index = QModelIndex | QPersistentModelIndex
KEY_ROLE = Qt.ItemDataRole.UserRole + 10  # a module or topic key
TOPIC_MIME = "application/x-facilitator-topic"
CELL_MIME = "application/x-facilitator-plan-cell"
RETIRED = "retired"


def _tr(text: str) -> str:
    return QCoreApplication.translate("curriculum", text)


def weekday_name(weekday: int) -> str:
    """An ISO weekday's name (1 = Monday), translated."""
    return _tr(WEEKDAY_NAMES[weekday - 1])


def _retired_mark(title: str, retired: bool) -> str:
    return f"{WARNING_SIGN} {title} ({_tr('retired')})" if retired else title


class ModuleListModel(QAbstractListModel):
    """"All modules" followed by each module; ``KEY_ROLE`` is the module key ("" for all)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._modules: list[ModuleView] = []

    def set_modules(self, modules: Sequence[ModuleView]) -> None:
        self.beginResetModel()
        self._modules = list(modules)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._modules) + 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() <= len(self._modules):
            return None
        if index.row() == 0:
            return {Qt.ItemDataRole.DisplayRole: _tr("All modules"), KEY_ROLE: ""}.get(role)
        m = self._modules[index.row() - 1]
        if role == Qt.ItemDataRole.DisplayRole:
            title = f"{m.title} · {_tr('core')}" if m.core else m.title
            return _retired_mark(f"{title} ({m.topic_count})", m.retired)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{m.approach} — {m.description}"
        if role == KEY_ROLE:
            return m.key
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | \
            Qt.ItemFlag.ItemNeverHasChildren


class TopicTableModel(RowsModel[TopicSummary]):
    """Topics; rows can be dragged onto the plan grid (the drag carries only the topic key)."""

    def __init__(self, parent: QObject | None = None, *, compact: bool = False) -> None:
        cols: list[Column[TopicSummary]] = [
            Column(_tr("Topic"), lambda t: _retired_mark(t.title, t.retired)),
            Column(_tr("Module"), lambda t: t.module_title),
        ]
        if not compact:
            cols += [Column(_tr("Minutes"), lambda t: str(t.duration_min),
                            lambda t: t.duration_min),
                     Column(_tr("Source"), lambda t: _tr("Clinic") if t.source == "clinic"
                            else _tr("Shipped"))]
        super().__init__(cols, parent)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == KEY_ROLE and index.isValid() and 0 <= index.row() < self.rowCount():
            return self.row_at(index.row()).key
        return super().data(index, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [TOPIC_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        if indexes:
            mime.setData(TOPIC_MIME, QByteArray(self.row_at(indexes[0].row()).key.encode()))
        return mime


class PlanGridModel(QAbstractTableModel):
    """The rotation grid: one row per (cycle week, module slot), one column per meeting day.

    Edits (assign, clear, swap, drop) change the model and emit ``plan_edited``; the page saves.
    """

    plan_edited = Signal()  # the grid changed; entries() holds the new plan
    topic_dropped = Signal(str, int, int)  # a topic key dragged from the list onto (row, col)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._weeks, self._slots = 0, 1
        self._weekdays: tuple[int, ...] = ()
        self._cells: dict[tuple[int, int, int], tuple[str, str, bool]] = {}

    # -- data in / out -----------------------------------------------------------------------
    def set_plan(self, plan: PlanView) -> None:
        self.beginResetModel()
        self._weeks, self._slots, self._weekdays = plan.cycle_weeks, plan.slots, plan.weekdays
        self._cells = {(c.week, c.weekday, c.slot): (c.topic_key, c.title, c.retired)
                       for c in plan.cells}
        self.endResetModel()

    def entries(self) -> list[PlanEntry]:
        return [PlanEntry(w, d, s, key) for (w, d, s), (key, _t, _r) in sorted(self._cells.items())
                if w < self._weeks and s < self._slots]  # what the grid shows

    def cell_of(self, row: int, column: int) -> tuple[int, int, int]:
        return row // self._slots, self._weekdays[column], row % self._slots

    def topic_at(self, index: Index) -> str | None:
        cell = self._cells.get(self.cell_of(index.row(), index.column()))
        return cell[0] if cell else None

    # -- edits -------------------------------------------------------------------------------
    def assign(self, index: Index, key: str, title: str) -> None:
        if not index.isValid():
            return
        self._cells[self.cell_of(index.row(), index.column())] = (key, title, False)
        self.dataChanged.emit(index, index)
        self.plan_edited.emit()

    def clear(self, index: Index) -> None:
        if index.isValid() and self._cells.pop(self.cell_of(index.row(), index.column()), None):
            self.dataChanged.emit(index, index)
            self.plan_edited.emit()

    def swap(self, a: Index, b: Index) -> bool:
        if not (a.isValid() and b.isValid()) or a == b:
            return False
        ca, cb = self.cell_of(a.row(), a.column()), self.cell_of(b.row(), b.column())
        va, vb = self._cells.pop(ca, None), self._cells.pop(cb, None)
        if va:
            self._cells[cb] = va
        if vb:
            self._cells[ca] = vb
        for i in (a, b):
            self.dataChanged.emit(i, i)
        self.plan_edited.emit()
        return True

    # -- Qt model API ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._weeks * self._slots

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._weekdays)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._weekdays):
            return weekday_name(self._weekdays[section])
        if orientation == Qt.Orientation.Vertical and 0 <= section < self.rowCount():
            week, slot = divmod(section, self._slots)
            return _tr("Week {0} · module {1}").format(week + 1, slot + 1)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < self.rowCount()
                                       and 0 <= index.column() < self.columnCount()):
            return None
        cell = self._cells.get(self.cell_of(index.row(), index.column()))
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if cell is None:
                return "" if role == Qt.ItemDataRole.DisplayRole else _tr("Nothing planned")
            return _retired_mark(cell[1], cell[2])
        if role == KEY_ROLE:
            return cell[0] if cell else None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsDropEnabled
                | Qt.ItemFlag.ItemNeverHasChildren)

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:
        return [CELL_MIME, TOPIC_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        if indexes:
            i = indexes[0]
            mime.setData(CELL_MIME, QByteArray(f"{i.row()},{i.column()}".encode()))
        return mime

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: Index) -> bool:
        target = parent if parent.isValid() else self.index(row, column)
        if not target.isValid():
            return False
        if data.hasFormat(CELL_MIME):
            r, c = (int(x) for x in bytes(data.data(CELL_MIME).data()).decode().split(","))
            return self.swap(self.index(r, c), target)
        if data.hasFormat(TOPIC_MIME):
            self.topic_dropped.emit(bytes(data.data(TOPIC_MIME).data()).decode(),
                                    target.row(), target.column())
            return True
        return False


class CalendarModel(RowsModel[CalendarDay]):
    """Upcoming meeting days with the planned topic of each module slot."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([], parent)

    def set_days(self, days: Sequence[CalendarDay], slots: int) -> None:
        cols: list[Column[CalendarDay]] = [
            Column(_tr("Date"), lambda d: format_date(d.day), lambda d: d.day),
            Column(_tr("Day"), lambda d: weekday_name(d.weekday)),
            Column(_tr("Cycle week"), lambda d: str(d.cycle_week + 1), lambda d: d.cycle_week),
        ]
        for slot in range(slots):
            cols.append(Column(_tr("Module {0}").format(slot + 1),
                               lambda d, s=slot: _slot_text(d, s)))
        self.beginResetModel()
        self._columns = cols
        self.endResetModel()
        self.set_rows(days)


def _slot_text(day: CalendarDay, slot: int) -> str:
    if slot >= len(day.slots) or day.slots[slot].topic_key is None:
        return _tr("— not planned —")
    s = day.slots[slot]
    return _retired_mark(s.title, s.retired)


STATUS_TEXT = {"new": "New", "identical": "Identical (skipped)", "newer": "Newer version",
               "conflict": "Conflicts with local topic"}


def pack_preview_model(parent: QObject | None = None) -> RowsModel[PackItem]:
    return RowsModel([
        Column(_tr("Topic"), lambda i: i.title),
        Column(_tr("Module"), lambda i: i.module_title),
        Column(_tr("Status"), lambda i: _tr(STATUS_TEXT[i.status])),
        Column(_tr("Pack version"), lambda i: str(i.pack_version), lambda i: i.pack_version),
        Column(_tr("Local version"), lambda i: "" if i.local_version is None
               else str(i.local_version), lambda i: i.local_version or 0),
        Column(_tr("Action"), lambda i: ""),
    ], parent)


def module_coverage_model(parent: QObject | None = None) -> RowsModel[ModuleCoverage]:
    return RowsModel([
        Column(_tr("Module"), lambda m: f"{m.title} · {_tr('core')}" if m.core else m.title),
        Column(_tr("Topics attended"), lambda m: f"{m.attended} / {m.total}",
               lambda m: m.attended),
        Column(_tr("Covered"), lambda m: (f"✓ {_tr('covered')}" if m.covered else
                                          _tr("needs {0} more").format(m.required - m.attended))),
    ], parent)


def attended_model(parent: QObject | None = None) -> RowsModel[AttendedTopic]:
    return RowsModel([
        Column(_tr("Topic"), lambda t: t.title),
        Column(_tr("Last attended"), lambda t: format_date(t.last_date), lambda t: t.last_date),
        Column(_tr("Times"), lambda t: str(t.times), lambda t: t.times),
    ], parent)
