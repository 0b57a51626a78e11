"""The review page's inline action bars (never a modal dialog): co-sign with the password
re-entered, return with a comment, and for final notes mark reviewed or request an addendum.
The page connects the buttons and calls the services; this only lays out and shows the bars
that fit what the list shows."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ..widgets import password_edit


def _bar(caption: str, field: QWidget, *buttons: QPushButton) -> QWidget:
    bar = QWidget()
    row = QHBoxLayout(bar)
    row.setContentsMargins(0, 0, 0, 0)
    label = QLabel(caption)
    label.setBuddy(field)
    row.addWidget(label)
    row.addWidget(field, 1)
    for b in buttons:
        row.addWidget(b)
    return bar


class ReviewBars(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.password = password_edit(self.tr("Your password, to co-sign"))
        self.cosign_button = QPushButton(self.tr("&Co-sign"))
        self.cosign_button.setToolTip(self.tr("Co-sign every selected note with one password "
                                              "(Enter in the password field)"))
        self.cosign_bar = _bar(self.tr("&Password:"), self.password, self.cosign_button)
        self.return_comment = QLineEdit()
        self.return_comment.setPlaceholderText(self.tr("What should the author change?"))
        self.return_button = QPushButton(self.tr("&Return to author"))
        self.return_bar = _bar(self.tr("Comme&nt:"), self.return_comment, self.return_button)
        self.review_comment = QLineEdit()
        self.review_comment.setPlaceholderText(self.tr(
            "Comment (needed to request an addendum)"))
        self.reviewed_button = QPushButton(self.tr("Mark re&viewed"))
        self.addendum_button = QPushButton(self.tr("Request &addendum"))
        self.review_bar = _bar(self.tr("Comme&nt:"), self.review_comment,
                               self.reviewed_button, self.addendum_button)
        self.draft_hint = QLabel(self.tr("Unsigned drafts are shown to watch for late notes; "
                                         "their authors sign them."))
        self.draft_hint.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for w in (self.cosign_bar, self.return_bar, self.review_bar, self.draft_hint):
            lay.addWidget(w)

    def show_for(self, status: str, selected: int) -> None:
        """The bars for notes of ``status`` with ``selected`` notes chosen (0: none)."""
        self.cosign_bar.setVisible(status == "awaiting_cosign")
        self.return_bar.setVisible(status == "awaiting_cosign")
        self.review_bar.setVisible(status == "final")
        self.draft_hint.setVisible(status == "draft")
        self.cosign_button.setText(self.tr("&Co-sign {n} notes").format(n=selected)
                                   if selected > 1 else self.tr("&Co-sign"))
        for b in (self.cosign_button, self.return_button, self.reviewed_button,
                  self.addendum_button):
            b.setEnabled(selected > 0)
