"""An inline bar for PDF exports: the folder (remembered; a folder path only, never PHI), an
optional release outside the clinic (recipient and purpose, recorded as a disclosure), progress
and Cancel. The export runs off the GUI thread; the page stays usable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import exports

from ..errors import user_message
from ..ops import Op, run_cancellable

FOLDER_KEY = "export/folder"
Job = Callable[[Path, exports.Release | None, Op], str]


class ExportBar(QFrame):
    finished = Signal(bool)
    """The export ended (True: written)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.folder = QLineEdit(str(QSettings().value(FOLDER_KEY, "") or ""))
        self.folder.setPlaceholderText(self.tr("Folder to save the PDF in"))
        self.folder.setAccessibleName(self.tr("Export folder"))
        self.choose = QPushButton(self.tr("Choose…"))
        self.release = QCheckBox(self.tr("Release outside the clinic (records request, payer, "
                                          "court…)"))
        self.recipient = QLineEdit()
        self.recipient.setPlaceholderText(self.tr("Recipient"))
        self.purpose = QLineEdit()
        self.purpose.setPlaceholderText(self.tr("Purpose"))
        self.export_button = QPushButton(self.tr("Export"))
        self.cancel_button = QPushButton(self.tr("Cancel export"))
        self.cancel_button.hide()
        self.close_button = QPushButton(self.tr("Close"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        row1 = QHBoxLayout()
        row1.addWidget(self.folder, 1)
        row1.addWidget(self.choose)
        row2 = QHBoxLayout()
        row2.addWidget(self.release)
        row2.addWidget(self.recipient, 1)
        row2.addWidget(self.purpose, 1)
        row3 = QHBoxLayout()
        row3.addWidget(self.status, 1)
        row3.addWidget(self.cancel_button)
        row3.addWidget(self.export_button)
        row3.addWidget(self.close_button)
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addLayout(row1)
        box.addLayout(row2)
        box.addLayout(row3)
        self.choose.clicked.connect(self._on_choose)
        self.release.toggled.connect(self._on_release_toggled)
        self.export_button.clicked.connect(self.run)
        self.close_button.clicked.connect(self.hide)
        self._job: Job | None = None
        self.op: Op | None = None
        self._on_release_toggled(False)
        self.hide()

    def ask(self, title: str, job: Job, *, allow_release: bool = True) -> None:
        self.title.setText(f"<b>{title}</b>")
        self._job = job
        self.release.setChecked(False)
        self.release.setVisible(allow_release)
        self.status.setText("")
        self.show()
        self.export_button.setFocus()

    def _on_release_toggled(self, on: bool) -> None:
        self.recipient.setVisible(on)
        self.purpose.setVisible(on)
        if on:
            self.recipient.setFocus()

    def _on_choose(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Export into"),
                                                  self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def run(self) -> None:
        job, text = self._job, self.folder.text().strip()
        if job is None or (self.op is not None and self.op.running):
            return
        if not text:
            self.status.setText("⚠ " + self.tr("Choose a folder first."))
            return
        folder = Path(text)
        release = (exports.Release(self.recipient.text(), self.purpose.text())
                   if self.release.isChecked() else None)
        QSettings().setValue(FOLDER_KEY, text)
        self.status.setText(self.tr("Exporting…"))
        self.op = run_cancellable(
            self, lambda op: job(folder, release, op), on_success=self._done,
            on_failure=self._failed, busy=[self.export_button],
            progress=self.status.setText, cancel_button=self.cancel_button)

    def _done(self, message: str) -> None:
        self.status.setText("✓ " + message)
        self.finished.emit(True)

    def _failed(self, error: BaseException) -> None:
        self.status.setText("⚠ " + user_message(error))
        self.finished.emit(False)


def outcome_text(bar: QWidget, outcome: exports.ExportOutcome) -> str:
    text = bar.tr("Saved {name} ({pages} pages).").format(name=outcome.path.name,
                                                          pages=outcome.pages)
    if outcome.replaced_characters:
        text += " " + bar.tr("{n} character(s) no font has were printed as a visible mark: "
                             "check the names.").format(n=len(outcome.replaced_characters))
    return text
