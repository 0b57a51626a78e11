"""Pack dialogs: pick modules to export; preview an import and choose what to do per topic."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator.services.curriculum import packs
from facilitator.services.curriculum.dto import ModuleView

from .item_models import pack_preview_model

CHOICE_TEXT = {packs.IMPORT: "Import", packs.SKIP: "Skip",
               packs.NEW_VERSION: "Import as new version", packs.KEEP_BOTH: "Keep both (new id)"}


class ExportDialog(QDialog):
    """Tick the modules to put into a pack."""

    def __init__(self, modules: Sequence[ModuleView], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export curriculum pack"))
        self.list = QListWidget()
        for m in modules:
            item = QListWidgetItem(m.title, self.list)
            item.setData(Qt.ItemDataRole.UserRole, m.key)
            item.setCheckState(Qt.CheckState.Checked if m.source == "clinic"
                               else Qt.CheckState.Unchecked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("Modules to export:")))
        lay.addWidget(self.list, 1)
        lay.addWidget(buttons)

    def selected_keys(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]


class ImportPreviewDialog(QDialog):
    """What the pack holds, each topic's status against the library, and the chosen action."""

    def __init__(self, preview: packs.PackPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        self.setWindowTitle(self.tr("Import curriculum pack"))
        self.model = pack_preview_model(self)
        self.model.set_rows(preview.items)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch)
        self.combos: dict[str, QComboBox] = {}
        action_col = self.model.columnCount() - 1
        for row, item in enumerate(preview.items):
            combo = QComboBox()
            for choice in item.choices:
                combo.addItem(self.tr(CHOICE_TEXT[choice]), choice)
            combo.setEnabled(len(item.choices) > 1)
            self.table.setIndexWidget(self.model.index(row, action_col), combo)
            self.combos[item.topic_key] = combo
        self.table.resizeColumnsToContents()
        counts = {s: sum(1 for i in preview.items if i.status == s) for s in packs.CHOICES}
        summary = self.tr("{title}: {new} new, {newer} newer, {conflict} conflicting, "
                          "{same} identical.").format(
            title=preview.title, new=counts["new"], newer=counts["newer"],
            conflict=counts["conflict"], same=counts["identical"])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Import"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(summary))
        lay.addWidget(self.table, 1)
        lay.addWidget(buttons)
        self.resize(900, 500)

    def choices(self) -> dict[str, str]:
        return {key: combo.currentData() for key, combo in self.combos.items()}
