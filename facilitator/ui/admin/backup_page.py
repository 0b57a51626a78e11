"""Backups & integrity (admins and supervisors): back up now, the backups on disk, a database
check, and the clinic's automatic-backup policy (admins change it).

Backing up, listing and verifying run off the GUI thread (``ui.ops``); the page stays usable
and the button that started the work says what is happening.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import maintenance, verify_process
from facilitator.services.maintenance import (
    BackupFile,
    BackupInfo,
    BackupSettings,
    IntegrityReport,
)
from facilitator.services.workspace import Workspace

from ..dialogs import existing_directory, save_file_name
from ..errors import FieldErrors, attempt, user_message
from ..ops import run_cancellable, run_in_background
from ..pages import Page
from ..table_model import Column, RowsModel
from ..widgets import ErrorLabel, InfoLabel, add_field, compact_rows

BACKUP_FILTER = "Facilitator backups (*.fbak)"


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"  # pragma: no cover - the loop always returns


class BackupTableModel(RowsModel[BackupFile]):
    def __init__(self, ws: Workspace, parent: QObject | None = None) -> None:
        tz = ws.timezone
        kinds = {"automatic": self.tr("Automatic"), "before upgrade": self.tr("Before an upgrade"),
                 "manual": self.tr("Manual")}

        def when(b: BackupFile) -> str:
            if b.created_at is None:
                return self.tr("cannot be read")
            return f"{b.created_at.astimezone(tz):%Y-%m-%d %H:%M}"

        super().__init__([
            Column(self.tr("Date"), when,
                   sort=lambda b: b.created_at.timestamp() if b.created_at else 0.0),
            Column(self.tr("Kind"), lambda b: kinds.get(b.kind, b.kind)),
            Column(self.tr("Size"), lambda b: human_size(b.size_bytes),
                   sort=lambda b: b.size_bytes),
            Column(self.tr("File"), lambda b: b.path.name, tooltip=lambda b: str(b.path)),
        ], parent)


class BackupPage(Page):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.settings: BackupSettings | None = None
        self._build_ui()
        self._connect_signals()
        self.refresh()

    # -- building --------------------------------------------------------------------------
    def _build_ui(self) -> None:
        # The page's whole width (a maximum width left an empty strip on the right).
        self.column = column = QWidget()
        inner = QVBoxLayout(column)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self._now_box())
        inner.addWidget(self._list_box(), 1)
        # Side by side, so the list keeps its height on a laptop screen.
        bottom = QHBoxLayout()
        bottom.addWidget(self._verify_box(), 1)
        bottom.addWidget(self._auto_box(), 1)
        inner.addLayout(bottom)
        lay = QHBoxLayout(self)
        lay.addWidget(column, 1)

    def _now_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Back up now"))
        self.backup_button = QPushButton(self.tr("&Back up now…"))
        self.backup_result = InfoLabel()
        self.backup_result.hide()
        self.backup_error = ErrorLabel()
        explain = InfoLabel(self.tr(
            "A backup is one encrypted file with the whole database; it opens only with a "
            "password of this clinic. Keep copies away from this computer."))
        row = QHBoxLayout()
        row.addWidget(explain, 1)
        row.addWidget(self.backup_button)
        lay = QVBoxLayout(box)
        lay.addLayout(row)
        lay.addWidget(self.backup_result)
        lay.addWidget(self.backup_error)
        return box

    def _list_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Backups on disk"))
        self.model = BackupTableModel(self.ws, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(self.fontMetrics().height() * 8)
        compact_rows(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.list_info = InfoLabel()
        self.list_error = ErrorLabel()
        self.refresh_button = QPushButton(self.tr("Re&fresh"))
        row = QHBoxLayout()
        row.addWidget(self.list_info, 1)
        row.addWidget(self.refresh_button)
        lay = QVBoxLayout(box)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        lay.addWidget(self.list_error)
        return box

    def _verify_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Integrity"))
        self.verify_button = QPushButton(self.tr("&Verify database"))
        self.verify_result = InfoLabel(self.tr(
            "Checks the encryption of every page, the structure, the references between "
            "records, the audit chain and the schema level."))
        self.verify_lines = QPlainTextEdit()
        self.verify_lines.setReadOnly(True)
        self.verify_lines.setMaximumHeight(self.fontMetrics().lineSpacing() * 8)
        self.verify_lines.hide()
        row = QHBoxLayout()
        row.addWidget(self.verify_result, 1)
        row.addWidget(self.verify_button)
        lay = QVBoxLayout(box)
        lay.addLayout(row)
        lay.addWidget(self.verify_lines)
        lay.addStretch(1)
        return box

    def _auto_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Automatic backups"))
        self.auto_backup = QCheckBox(self.tr(
            "Back up &automatically when a user signs out (at most once a day)"))
        self.folder = QLineEdit()
        self.folder_button = QPushButton(self.tr("C&hoose…"))
        folder_row = QWidget()
        folder_lay = QHBoxLayout(folder_row)
        folder_lay.setContentsMargins(0, 0, 0, 0)
        folder_lay.addWidget(self.folder, 1)
        folder_lay.addWidget(self.folder_button)
        self.keep = QSpinBox()
        self.keep.setRange(1, maintenance.MAX_KEEP)
        self.keep.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        form = QFormLayout()
        self.auto_general = ErrorLabel()
        self.auto_errors = FieldErrors(self.auto_general)
        self.auto_errors.add("folder", add_field(form, self.tr("Backup &folder"), folder_row))
        self.auto_errors.add("keep", add_field(form, self.tr("&Keep the newest"), self.keep))
        hint = InfoLabel(self.tr(
            "An external drive or another disk is better than this computer's own disk: a "
            "backup next to the database is lost with it. Older automatic backups are removed "
            "beyond the number kept; backups you make yourself are never removed."))
        self.last_auto = InfoLabel()
        self.auto_saved = InfoLabel()  # beside the button: takes no room while empty
        self.auto_save = QPushButton(self.tr("&Save backup settings"))
        self.admin_only = InfoLabel(self.tr("Only an administrator can change these settings."))
        self.admin_only.setVisible(not self.ws.actor.is_admin)
        row = QHBoxLayout()
        row.addWidget(self.auto_saved, 1)
        row.addWidget(self.auto_save)
        lay = QVBoxLayout(box)
        lay.addWidget(self.auto_backup)
        lay.addLayout(form)
        lay.addWidget(hint)
        lay.addWidget(self.last_auto)
        lay.addWidget(self.auto_general)
        lay.addWidget(self.admin_only)
        lay.addLayout(row)
        for widget in (self.auto_backup, self.folder, self.folder_button, self.keep,
                       self.auto_save):
            widget.setEnabled(self.ws.actor.is_admin)
        return box

    def _connect_signals(self) -> None:
        self.backup_button.clicked.connect(self._on_backup_now)
        self.refresh_button.clicked.connect(self.refresh)
        self.verify_button.clicked.connect(self._on_verify)
        self.folder_button.clicked.connect(self._on_choose_folder)
        self.auto_save.clicked.connect(self._on_save_settings)

    # -- loading ---------------------------------------------------------------------------
    def refresh(self) -> None:
        settings = attempt(lambda: maintenance.backup_settings(self.ws), self._list_failed)
        if settings is not None:
            self._show_settings(settings)
        ws = self.ws
        run_in_background(self, lambda: maintenance.list_backups(ws),
                          on_success=self._show_list, on_failure=self._list_failed,
                          busy=[self.refresh_button])

    def _show_settings(self, settings: BackupSettings) -> None:
        self.settings = settings
        self.auto_backup.setChecked(settings.automatic)
        self.folder.setText("" if settings.is_default_folder else str(settings.folder))
        self.folder.setPlaceholderText(str(settings.default_folder))
        self.keep.setValue(settings.keep)
        self.keep.setSuffix(self.tr(" automatic backups"))
        last = settings.last_automatic_at
        self.last_auto.setText(
            self.tr("Last automatic backup: {0}.").format(
                f"{last.astimezone(self.ws.timezone):%Y-%m-%d %H:%M}")
            if last else self.tr("No automatic backup has been taken yet."))

    def _show_list(self, backups: list[BackupFile]) -> None:
        self.list_error.setText("")
        self.model.set_rows(backups)
        folder = self.settings.folder if self.settings else None
        self.list_info.setText(self.tr("{0} backup(s); automatic ones go to {1}").format(
            len(backups), folder or ""))

    def _list_failed(self, error: BaseException) -> None:
        self.list_error.setText(user_message(error))

    # -- back up now -----------------------------------------------------------------------
    def _on_backup_now(self) -> None:
        self.backup_error.setText("")
        name = attempt(lambda: maintenance.default_backup_name(self.ws),
                       self._backup_failed)
        if name is None:
            return
        folder = self.settings.folder if self.settings else Path.home()
        start = folder if folder.is_dir() else Path.home()
        path, _filter = save_file_name(
            self, self.tr("Back up to"), str(start / name), self.tr(BACKUP_FILTER))
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != ".fbak":
            target = target.with_name(target.name + ".fbak")
        ws = self.ws
        run_in_background(self, lambda: maintenance.backup(ws, target),
                          on_success=self._on_backed_up, on_failure=self._backup_failed,
                          busy=[self.backup_button], busy_text=self.tr("Backing up…"),
                          progress=self._backup_progress)

    def _backup_progress(self, text: str) -> None:
        self.backup_result.setText(text)
        self.backup_result.show()

    def _on_backed_up(self, info: BackupInfo) -> None:
        self.backup_result.show()
        self.backup_result.setText(self.tr("✓ Backup written: {0} ({1}, {2})").format(
            info.path, human_size(info.size_bytes),
            f"{info.created_at.astimezone(self.ws.timezone):%Y-%m-%d %H:%M}"))
        self.refresh()

    def _backup_failed(self, error: BaseException) -> None:
        self.backup_result.hide()
        self.backup_error.setText(user_message(error))

    # -- verify ----------------------------------------------------------------------------
    def _on_verify(self) -> None:
        ws = self.ws
        self.verify_lines.hide()
        # The long checks run in a process of their own: the console stays live meanwhile.
        run_cancellable(self, lambda op: verify_process.verify_isolated(ws, progress=op.report),
                        on_success=self._show_report, on_failure=self._verify_failed,
                        busy=[self.verify_button], busy_text=self.tr("Verifying…"),
                        progress=self.verify_result.setText)

    def _show_report(self, report: IntegrityReport) -> None:
        if report.ok:
            self.verify_result.setText(self.tr("✓ The database and the audit chain are intact."))
        else:
            self.verify_result.setText(self.tr("⚠ Problem found: {0}. Restore the newest "
                                               "sound backup.").format(report.first_problem))
        self.verify_lines.setPlainText("\n".join(report.lines))
        self.verify_lines.setVisible(bool(report.lines))

    def _verify_failed(self, error: BaseException) -> None:
        self.verify_result.setText(f"⚠ {user_message(error)}")

    # -- settings --------------------------------------------------------------------------
    def _on_choose_folder(self) -> None:
        start = self.folder.text() or (str(self.settings.folder) if self.settings else "")
        chosen = existing_directory(self, self.tr("Backup folder"), start)
        if chosen:
            self.folder.setText(chosen)

    def _on_save_settings(self) -> None:
        self.auto_errors.clear()
        self.auto_saved.setText("")
        folder, keep, automatic = (self.folder.text(), self.keep.value(),
                                   self.auto_backup.isChecked())
        saved = attempt(lambda: maintenance.update_backup_settings(
            self.ws, folder=folder, keep=keep, automatic=automatic), self.auto_errors.show)
        if saved is None:
            return
        self._show_settings(saved)
        self.auto_saved.setText(self.tr("✓ Backup settings saved."))
        self.refresh()
