"""The block-template editor of the group form: a small table of segments (kind, title,
minutes) with add, remove and move up/down, and the running total against the block length."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from facilitator.services.program_rules import SEGMENT_KINDS, SEGMENT_MINUTES

from ..theme import theme
from ..widgets import SEGMENT_KIND_TEXT, WARNING_SIGN, InfoLabel

KIND, TITLE, MINUTES = range(3)


class TemplateEditor(QWidget):
    """Edits a tuple of ``{"kind", "title", "minutes"}`` segments; the widgets are the state."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._block_minutes = 0
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Kind"), self.tr("Title"), self.tr("Minutes")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(KIND, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(MINUTES, QHeaderView.ResizeMode.ResizeToContents)
        # Rows hold editors: make them as tall as a spin box, not the style's item height.
        self.table.verticalHeader().setDefaultSectionSize(QSpinBox().sizeHint().height() + 4)
        self.table.setAccessibleName(self.tr("Block template segments"))
        self.add_button = QPushButton(self.tr("Add se&gment"))
        self.remove_button = QPushButton(self.tr("Re&move"))
        self.up_button = QPushButton(self.tr("Move &up"))
        self.down_button = QPushButton(self.tr("Move do&wn"))
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.total = InfoLabel()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.total)

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.table.currentCellChanged.connect(self._update_buttons)
        self.changed.connect(self._update_total)

    # -- state -----------------------------------------------------------------------------
    def set_template(self, template: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> None:
        self.table.setRowCount(0)
        for part in template:
            self.add_segment(str(part.get("kind", "other")), str(part.get("title", "")),
                             int(part.get("minutes", 30)), select=False)
        self.table.setCurrentCell(-1, -1)
        self._update_buttons()
        self.changed.emit()

    def template(self) -> tuple[dict[str, Any], ...]:
        return tuple({"kind": self.kind_box(r).currentData(), "title": self.title_edit(r).text(),
                      "minutes": self.minutes_box(r).value()}
                     for r in range(self.table.rowCount()))

    def set_block_minutes(self, minutes: int) -> None:
        self._block_minutes = minutes
        self._update_total()

    def total_minutes(self) -> int:
        return sum(self.minutes_box(r).value() for r in range(self.table.rowCount()))

    def kind_box(self, row: int) -> QComboBox:
        return self.table.cellWidget(row, KIND)  # type: ignore[return-value]

    def title_edit(self, row: int) -> QLineEdit:
        return self.table.cellWidget(row, TITLE)  # type: ignore[return-value]

    def minutes_box(self, row: int) -> QSpinBox:
        return self.table.cellWidget(row, MINUTES)  # type: ignore[return-value]

    def add_segment(self, kind: str = "module", title: str = "", minutes: int = 30, *,
                    at: int | None = None, select: bool = True) -> int:
        row = self.table.rowCount() if at is None else at
        self.table.insertRow(row)
        kind_box = QComboBox()
        for key in SEGMENT_KINDS:
            kind_box.addItem(self.tr(SEGMENT_KIND_TEXT.get(key, key)), key)
        kind_box.setCurrentIndex(max(0, kind_box.findData(kind)))
        title_edit = QLineEdit(title)
        title_edit.setPlaceholderText(self.tr("Title"))
        minutes_box = QSpinBox()
        minutes_box.setRange(*SEGMENT_MINUTES)
        minutes_box.setSuffix(self.tr(" min"))
        minutes_box.setValue(minutes)
        for col, w in ((KIND, kind_box), (TITLE, title_edit), (MINUTES, minutes_box)):
            w.installEventFilter(self)  # focus in an editor selects its row
            self.table.setCellWidget(row, col, w)
        kind_box.currentIndexChanged.connect(self.changed)
        title_edit.textEdited.connect(self.changed)
        minutes_box.valueChanged.connect(self.changed)
        if select:
            self.table.setCurrentCell(row, TITLE)
            title_edit.setFocus()
            self.changed.emit()
        return row

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            for r in range(self.table.rowCount()):
                for c in range(3):
                    if self.table.cellWidget(r, c) is watched:
                        self.table.setCurrentCell(r, c)
        return super().eventFilter(watched, event)

    # -- slots -----------------------------------------------------------------------------
    def _on_add_clicked(self) -> None:
        row = self.table.currentRow()
        self.add_segment(at=row + 1 if row >= 0 else None)

    def _on_remove_clicked(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        self.table.removeRow(row)
        if self.table.rowCount():
            self.table.setCurrentCell(min(row, self.table.rowCount() - 1), TITLE)
        self._update_buttons()
        self.changed.emit()

    def _move(self, step: int) -> None:
        row = self.table.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.table.rowCount():
            return
        parts = list(self.template())
        parts[row], parts[target] = parts[target], parts[row]
        self.set_template(parts)
        self.table.setCurrentCell(target, TITLE)
        self._update_buttons()

    def _update_buttons(self) -> None:
        row, count = self.table.currentRow(), self.table.rowCount()
        self.remove_button.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < count - 1)

    def _update_total(self) -> None:
        total, block = self.total_minutes(), self._block_minutes
        if block <= 0:
            text = self.tr("Total {0} min.").format(total)
        elif total > block:
            text = self.tr("{0} Total {1} min: {2} min more than the {3}-min block.").format(
                WARNING_SIGN, total, total - block, block)
        elif total < block:
            text = self.tr("Total {0} of {1} min ({2} min unplanned).").format(
                total, block, block - total)
        else:
            text = self.tr("Total {0} of {1} min: the block is fully planned.").format(
                total, block)
        self.total.setText(text)
        self.total.setStyleSheet(f"color: {theme().alert};" if 0 < block < total else "")
