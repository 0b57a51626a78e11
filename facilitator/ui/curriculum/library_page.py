"""The library browser: modules, a searchable topic list, the topic's full text, clinic authoring
(add / edit / retire) and curriculum pack import and export."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from facilitator.services.curriculum import authoring, library, packs
from facilitator.services.curriculum.dto import ModuleDraft, ModuleView, TopicView
from facilitator.services.workspace import Workspace

from ..dialogs import open_file_name, save_file_name, text_input, window_modal
from ..errors import attempt, user_message
from ..pages import Page
from ..widgets import ErrorLabel, InfoLabel
from .item_models import KEY_ROLE, ModuleListModel, TopicTableModel
from .pack_dialogs import ExportDialog, ImportPreviewDialog
from .render import topic_html
from .topic_form import TopicForm


class LibraryPage(Page):
    present_requested = Signal(object)  # a TopicView to show on the presenter view

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.current: TopicView | None = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.modules = ModuleListModel(self)
        self.module_view = QListView()
        self.module_view.setModel(self.modules)
        self.module_view.setAccessibleName(self.tr("Modules"))
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search titles, key points, modules"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(self.tr("Search topics"))
        self.show_retired = QCheckBox(self.tr("Show &retired"))
        self.topics = TopicTableModel(self)
        self.topic_view = QTableView()
        self.topic_view.setModel(self.topics)
        self.topic_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.topic_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.topic_view.verticalHeader().hide()
        # Titles and module names wrap onto a second line rather than being cut (the pane is
        # narrow at 1280 px); minutes and source are sized to their content.
        self.topic_view.setWordWrap(True)
        header = self.topic_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.topic_view.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.add_button = QPushButton(self.tr("&Add topic…"))
        self.add_module_button = QPushButton(self.tr("Add &module…"))
        self.edit_button = QPushButton(self.tr("&Edit…"))
        self.retire_button = QPushButton(self.tr("Re&tire"))
        self.present_button = QPushButton(self.tr("&Present"))
        self.import_button = QPushButton(self.tr("&Import pack…"))
        self.export_button = QPushButton(self.tr("E&xport pack…"))
        self.error = ErrorLabel()
        self.info = InfoLabel()

        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.show_retired)
        middle = QWidget()
        mid = QVBoxLayout(middle)
        mid.setContentsMargins(0, 0, 0, 0)
        mid.addLayout(search_row)
        mid.addWidget(self.topic_view, 1)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        actions = QHBoxLayout()
        for b in (self.edit_button, self.retire_button, self.present_button):
            actions.addWidget(b)
        actions.addStretch(1)
        rl.addLayout(actions)
        rl.addWidget(self.detail, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.module_view)
        split.addWidget(middle)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 4)
        split.setStretchFactor(2, 5)
        split.setSizes([300, 510, 550])
        toolbar = QHBoxLayout()
        for b in (self.add_button, self.add_module_button):
            toolbar.addWidget(b)
        toolbar.addStretch(1)
        toolbar.addWidget(self.import_button)
        toolbar.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.addLayout(toolbar)
        lay.addWidget(split, 1)
        lay.addWidget(self.error)
        lay.addWidget(self.info)
        self._update_actions()

    def _connect_signals(self) -> None:
        self.search.textChanged.connect(self._reload_topics)
        self.show_retired.toggled.connect(self.refresh)
        self.module_view.selectionModel().selectionChanged.connect(self._reload_topics)
        self.topic_view.selectionModel().selectionChanged.connect(self._on_topic_selected)
        self.add_button.clicked.connect(self._on_add)
        self.add_module_button.clicked.connect(self._on_add_module)
        self.edit_button.clicked.connect(self._on_edit)
        self.retire_button.clicked.connect(self._on_retire)
        self.present_button.clicked.connect(lambda: self.present_requested.emit(self.current))
        self.import_button.clicked.connect(self._on_import_clicked)
        self.export_button.clicked.connect(self._on_export_clicked)

    # -- loading -----------------------------------------------------------------------------
    def refresh(self) -> None:
        key = self._module_key()
        mods = attempt(lambda: library.list_modules(
            self.ws, include_retired=self.show_retired.isChecked()), self.show_error)
        if mods is None:
            return
        self.modules.set_modules(mods)
        row = next((i + 1 for i, m in enumerate(mods) if m.key == key), 0)
        self.module_view.setCurrentIndex(self.modules.index(row))
        self._reload_topics()

    def _module_key(self) -> str | None:
        idx = self.module_view.currentIndex()
        return (idx.data(KEY_ROLE) or None) if idx.isValid() else None

    def _reload_topics(self) -> None:
        selected = self.current.key if self.current else None
        rows = attempt(lambda: library.search_topics(
            self.ws, self.search.text(), module_key=self._module_key(),
            include_retired=self.show_retired.isChecked()), self.show_error)
        if rows is None:
            return
        self.topics.set_rows(rows)
        keys = [r.key for r in rows]
        if selected in keys:
            self.topic_view.selectRow(keys.index(selected))
        elif rows:
            self.topic_view.selectRow(0)
        else:
            self._show(None)

    def _on_topic_selected(self, _sel: QItemSelection | None = None, *_: object) -> None:
        rows = self.topic_view.selectionModel().selectedRows()
        if not rows:
            self._show(None)
            return
        key = self.topics.row_at(rows[0].row()).key
        self._show(attempt(lambda: library.get_topic(self.ws, key), self.show_error))

    def _show(self, topic: TopicView | None) -> None:
        self.current = topic
        self.detail.setHtml(topic_html(topic) if topic else "")
        self._update_actions()

    def _update_actions(self) -> None:
        t = self.current
        self.edit_button.setEnabled(bool(t and t.source == "clinic"))
        self.edit_button.setToolTip("" if not t or t.source == "clinic" else self.tr(
            "Shipped topics cannot be edited; retire it and add your own."))
        self.retire_button.setEnabled(t is not None)
        self.retire_button.setText(self.tr("Res&tore") if t and t.retired else self.tr("Re&tire"))
        self.present_button.setEnabled(t is not None)

    def show_error(self, error: BaseException) -> None:
        self.info.clear()
        self.error.setText(user_message(error))

    def _done(self, message: str) -> None:
        self.error.setText("")
        self.info.setText(message)

    # -- authoring ---------------------------------------------------------------------------
    def _clinic_modules(self) -> list[ModuleView]:
        mods = attempt(lambda: library.list_modules(self.ws), self.show_error) or []
        return [m for m in mods if m.source == "clinic"]

    def _on_add(self) -> None:
        form = TopicForm(self._clinic_modules(), lambda key, d: authoring.add_topic(
            self.ws, key, d), module_key=self._module_key(), parent=self)
        form.accepted.connect(self._on_topic_added)
        # open(), not exec(): window-modal, and the lock screen can hide it and bring it back
        # with what was typed (hiding an exec() dialog would end it).
        form.open()

    def _on_topic_added(self) -> None:
        self._done(self.tr("Topic added."))
        self.refresh()

    def _on_add_module(self) -> None:
        title, ok = text_input(self, self.tr("Add module"), self.tr("Module title:"))
        if ok and attempt(lambda: authoring.add_module(self.ws, ModuleDraft(title)),
                          self.show_error):
            self._done(self.tr("Module added."))
            self.refresh()

    def _on_edit(self) -> None:
        t = self.current
        if t is None or t.source != "clinic":
            return
        form = TopicForm(self._clinic_modules(), lambda _k, d: authoring.edit_topic(
            self.ws, t.key, d), draft=authoring.draft_from(t), module_key=t.module_key,
            parent=self)
        form.accepted.connect(self._on_topic_edited)
        form.open()

    def _on_topic_edited(self) -> None:
        self._done(self.tr("Saved as a new version; earlier deliveries keep their text."))
        self._reload_topics()
        self._on_topic_selected()

    def _on_retire(self) -> None:
        t = self.current
        if t is None:
            return
        if attempt(lambda: authoring.set_topic_retired(self.ws, t.key, not t.retired),
                   self.show_error):
            self._done(self.tr("Topic restored.") if t.retired else self.tr(
                "Topic retired. Plans that use it are flagged."))
            self.refresh()

    # -- packs -------------------------------------------------------------------------------
    def _on_export_clicked(self) -> None:
        mods = attempt(lambda: library.list_modules(self.ws), self.show_error) or []
        dialog = ExportDialog(mods, self)
        if not window_modal(dialog).exec():
            return
        name, _ = save_file_name(self, self.tr("Export curriculum pack"),
                                              "curriculum-pack.json", self.tr("JSON (*.json)"))
        if name:
            self.export_to(Path(name), dialog.selected_keys())

    def export_to(self, path: Path, module_keys: list[str]) -> None:
        report = attempt(lambda: packs.export_pack(self.ws, module_keys, path), self.show_error)
        if report:
            self._done(self.tr("Exported {0} topics in {1} modules to {2}.").format(
                report.topics, report.modules, path.name))

    def _on_import_clicked(self) -> None:
        name, _ = open_file_name(self, self.tr("Import curriculum pack"), "",
                                              self.tr("JSON (*.json)"))
        if name:
            self.import_from(Path(name))

    def import_from(self, path: Path) -> ImportPreviewDialog | None:
        """Preview ``path``; on OK import with the chosen actions. Returns the dialog shown."""
        preview = attempt(lambda: packs.preview_pack(self.ws, path), self.show_error)
        if preview is None:
            return None
        dialog = ImportPreviewDialog(preview, self)
        dialog.accepted.connect(lambda: self._import(path, dialog.choices(), preview.checksum))
        dialog.open()
        return dialog

    def _import(self, path: Path, choices: dict[str, str], previewed: str) -> None:
        report = attempt(lambda: packs.import_pack(self.ws, path, choices, previewed),
                         self.show_error)
        if report:
            self._done(self.tr("Imported: {0} new, {1} new versions, {2} kept both, "
                               "{3} skipped.").format(report.added, report.new_versions,
                                                       report.kept_both, report.skipped))
            self.refresh()
