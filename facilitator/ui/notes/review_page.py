"""The supervisor's review queue: notes awaiting co-signature, final notes not yet reviewed,
and unsigned drafts (to watch for late notes), filtered by author, group and session date.

The selected note reads beside the table. Everything is done from the keyboard and without a
modal dialog: Up/Down (or J/K) move through notes, Shift+Up/Down select several, and the
actions are inline bars under the table (co-sign with the password re-entered, return with a
comment, mark a final note reviewed or request an addendum). Errors appear in the page's
message strip; a comment that could not be saved stays in its field.

QSettings keep only the column widths, the splitter and the status/author/group filter (ids,
never PHI).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QByteArray,
    QCoreApplication,
    QItemSelection,
    QItemSelectionModel,
    QSettings,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import notes, programs, users
from facilitator.services.notes import ReviewRow, SignResult
from facilitator.services.workspace import Workspace

from ..console.style import MessageStrip, scaled_font
from ..errors import user_message
from ..pages import Page
from ..widgets import OptionalDateEdit
from .render import note_html
from .review_bars import ReviewBars
from .review_model import AGING, ReviewModel, ReviewTable

SETTINGS = "reviewPage"
STATUSES = (("awaiting_cosign", "Awaiting co-signature"), ("final", "Signed, not reviewed"),
            ("draft", "Unsigned drafts"))


def _t(text: str) -> str:
    return QCoreApplication.translate("ReviewPage", text)


class ReviewPage(Page):
    """The review queue for supervisors (see the module docstring)."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self._loading = True
        self._build_ui()
        self._connect_signals()
        self._load_state()
        self._loading = False
        self.refresh()

    # -- building ---------------------------------------------------------------------------
    def _build_ui(self) -> None:
        title = QLabel(self.tr("Review notes"))
        title.setFont(scaled_font(1.4, bold=True))
        self.strip = MessageStrip()
        self.status = QComboBox()
        for key, text in STATUSES:
            self.status.addItem(_t(text), key)
        self.author = QComboBox()
        self.group = QComboBox()
        # Long staff or group names must not push the page wider than a laptop screen.
        for combo in (self.author, self.group):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(14)
        today = self.ws.today()
        self.since = OptionalDateEdit(today.replace(day=1), None)
        self.until = OptionalDateEdit(today, None)
        filters = QHBoxLayout()
        for caption, field in ((self.tr("&Show:"), self.status),
                               (self.tr("A&uthor:"), self.author),
                               (self.tr("Gr&oup:"), self.group),
                               (self.tr("Fro&m:"), self.since),
                               (self.tr("&To:"), self.until)):
            label = QLabel(caption)
            label.setBuddy(field)
            filters.addWidget(label)
            filters.addWidget(field)
        filters.addStretch(1)

        self.model = ReviewModel(self.ws, self)
        self.table = ReviewTable(self.model)
        self.count = QLabel()
        self.viewer = QTextBrowser()
        self.viewer.setOpenLinks(False)
        self.viewer.setPlaceholderText(self.tr("Select a note to read it here."))

        self.bars = ReviewBars()
        b = self.bars  # the fields and buttons, by their own names, for shorter code and tests
        self.password, self.cosign_button, self.cosign_bar = b.password, b.cosign_button, \
            b.cosign_bar
        self.return_comment, self.return_button, self.return_bar = b.return_comment, \
            b.return_button, b.return_bar
        self.review_comment, self.reviewed_button, self.addendum_button, self.review_bar = \
            b.review_comment, b.reviewed_button, b.addendum_button, b.review_bar
        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        left_lay.addWidget(self.table, 1)
        left_lay.addWidget(self.count)
        left_lay.addWidget(self.bars)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.viewer)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)

        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(self.strip)
        lay.addLayout(filters)
        lay.addWidget(self.splitter, 1)

    def _connect_signals(self) -> None:
        for combo in (self.status, self.author, self.group):
            combo.currentIndexChanged.connect(self._on_filter_changed)
        for edit in (self.since, self.until):
            edit.edit.dateChanged.connect(self._on_filter_changed)
            edit.none.toggled.connect(self._on_filter_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.table.selectionModel().selectionChanged.connect(self._update_bars)
        self.splitter.splitterMoved.connect(self._on_splitter_moved)
        self.cosign_button.clicked.connect(self.cosign_selected)
        self.password.returnPressed.connect(self.cosign_selected)
        self.return_button.clicked.connect(self.return_current)
        self.return_comment.returnPressed.connect(self.return_current)
        self.reviewed_button.clicked.connect(lambda: self.review_current("reviewed"))
        self.review_comment.returnPressed.connect(lambda: self.review_current("reviewed"))
        self.addendum_button.clicked.connect(lambda: self.review_current("addendum_requested"))

    # -- settings (never PHI: widths, splitter, filter keys and ids) --------------------------
    def _load_state(self) -> None:
        settings = QSettings()
        header = settings.value(f"{SETTINGS}/header")
        self._fit_columns = not (isinstance(header, QByteArray | bytes)
                                 and self.table.horizontalHeader().restoreState(header))
        splitter = settings.value(f"{SETTINGS}/splitter")
        self._table_want = 0
        self._fit_split = not (isinstance(splitter, QByteArray | bytes)
                               and self.splitter.restoreState(splitter))
        status = settings.value(f"{SETTINGS}/status")
        self.status.setCurrentIndex(max(0, self.status.findData(status)))
        self._saved_author = settings.value(f"{SETTINGS}/author")
        self._saved_group = settings.value(f"{SETTINGS}/group")

    def save_state(self) -> None:
        settings = QSettings()
        settings.setValue(f"{SETTINGS}/header", self.table.horizontalHeader().saveState())
        settings.setValue(f"{SETTINGS}/splitter", self.splitter.saveState())
        settings.setValue(f"{SETTINGS}/status", self.status.currentData())
        settings.setValue(f"{SETTINGS}/author", self.author.currentData() or 0)
        settings.setValue(f"{SETTINGS}/group", self.group.currentData() or 0)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self._fit_split:  # after the layout pass, when the splitter's width is known
            QTimer.singleShot(0, self._fit_splitter)

    def _on_splitter_moved(self, *_: object) -> None:
        self._fit_split = False  # the user's choice from now on

    def _fit_splitter(self) -> None:
        """Until the user drags the splitter: the table as wide as its columns need (at least
        half), the note the rest, so neither is cut off on a laptop nor the table stretched
        on a large screen."""
        total = sum(self.splitter.sizes())
        if total <= 0 or not self._fit_split:
            return
        want = (self._table_want + 2 * self.table.frameWidth()
                + self.table.verticalScrollBar().sizeHint().width() + 4)
        table = max(total // 2, min(want, total - self.fontMetrics().averageCharWidth() * 40))
        self.splitter.setSizes([table, total - table])

    def hideEvent(self, event: Any) -> None:
        self.save_state()
        super().hideEvent(event)

    def close_page(self) -> None:
        """Called by the main window on sign-out."""
        self.save_state()

    # -- data -------------------------------------------------------------------------------
    def _fill_combo(self, combo: QComboBox, everyone: str, items: list[tuple[int, str]],
                    wanted: object) -> None:
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(everyone, None)
        for key, text in items:
            combo.addItem(text, key)
        try:  # an id from the combo itself, or the text QSettings gives back
            key = int(wanted) if wanted else None  # type: ignore[call-overload]
        except (TypeError, ValueError):
            key = None
        combo.setCurrentIndex(max(0, combo.findData(key)) if key else 0)
        combo.blockSignals(False)

    def _load_filters(self) -> None:
        staff = users.list_users(self.ws)
        groups = programs.list_groups(self.ws)
        author = self.author.currentData() if self.author.count() else self._saved_author
        group = self.group.currentData() if self.group.count() else self._saved_group
        self._fill_combo(self.author, self.tr("Everyone"),
                         [(u.id, u.display_name) for u in staff if u.role != "admin"], author)
        self._fill_combo(self.group, self.tr("All groups"),
                         [(g.id, g.name) for g in groups], group)

    def refresh(self) -> None:
        """Reload the filters' choices and the queue, keeping the position in the list and
        the notes still selected (a failed batch co-signature must not lose the batch)."""
        chosen = [i.row() for i in self.table.selectionModel().selectedRows()]
        # Where a batch that an action removes was, the next note is found.
        current = min(chosen, default=self.table.currentIndex().row())
        current_id = self.current_row().note_id if self.current_row() else None
        selected = {self.model.row_at(r).note_id for r in chosen}
        try:
            self._load_filters()
            rows = notes.review_queue(
                self.ws, status=str(self.status.currentData()),
                author_id=self.author.currentData(), group_id=self.group.currentData(),
                since=self.since.value(), until=self.until.value())
        except Exception as error:  # shown in the strip
            self.strip.show_error(user_message(error))
            return
        self.model.set_rows(rows)
        if rows and self._fit_columns:  # first use: fit the text; then the user's widths
            self._fit_columns = False
            self._table_want = self.table.fit_columns()
            self._fit_splitter()
        self.count.setText(self._count_text(rows))
        if rows:
            self._reselect(rows, current, current_id, selected)
        else:
            self.viewer.clear()
        self._update_bars()

    def _reselect(self, rows: list[ReviewRow], current: int, current_id: int | None,
                  selected: set[int]) -> None:
        ids = [r.note_id for r in rows]
        row = ids.index(current_id) if current_id in ids else max(0, min(current, len(rows) - 1))
        keep = [i for i, nid in enumerate(ids) if nid in selected]
        if len(keep) < 2:
            self.table.selectRow(row)
            return
        last = self.model.columnCount() - 1
        chosen = QItemSelection()
        for i in keep:
            chosen.select(self.model.index(i, 0), self.model.index(i, last))
        flags = QItemSelectionModel.SelectionFlag
        self.table.selectionModel().select(chosen, flags.ClearAndSelect | flags.Rows)
        self.table.selectionModel().setCurrentIndex(self.model.index(row, 0), flags.NoUpdate)

    def _count_text(self, rows: list[ReviewRow]) -> str:
        aging = sum(r.aging for r in rows)
        text = self.tr("%n note(s)", "", len(rows))
        if aging:
            text += " · " + self.tr("{icon} {n} aging").format(icon=AGING, n=aging)
        return text

    def _on_filter_changed(self, *_: object) -> None:
        if not self._loading:
            self.table.clearSelection()
            self.table.setCurrentIndex(self.model.index(-1, -1))
            self.refresh()

    def current_row(self) -> ReviewRow | None:
        row = self.table.currentIndex().row()
        return self.model.row_at(row) if 0 <= row < self.model.rowCount() else None

    def selected_rows(self) -> list[ReviewRow]:
        """The selected notes, or the current one when nothing is selected."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows and (current := self.current_row()) is not None:
            return [current]
        return [self.model.row_at(r) for r in rows]

    def _on_current_changed(self, *_: object) -> None:
        row = self.current_row()
        if row is None:
            self.viewer.clear()
            return
        try:
            view = notes.open_note(self.ws, row.session_id, row.participant_id)
        except Exception as error:  # shown in the strip
            self.viewer.clear()
            self.strip.show_error(user_message(error))
            return
        self.viewer.setHtml(note_html(view, self.ws.timezone))

    def _update_bars(self, *_: object) -> None:
        has = self.current_row() is not None
        self.bars.show_for(str(self.status.currentData()), len(self.selected_rows()) if has else 0)

    # -- actions ----------------------------------------------------------------------------
    def _act(self, call: Callable[[], object]) -> tuple[bool, object]:
        """(done, result) of a service call; an error goes to the strip and the queue is
        reloaded (someone else may have acted meanwhile). Nothing typed is cleared here."""
        try:
            return True, call()
        except Exception as error:  # shown in the strip
            self.strip.show_error(user_message(error))
            self.refresh()
            return False, None

    def cosign_selected(self) -> None:
        """Co-sign every selected note with one password re-entry."""
        rows = self.selected_rows()
        if not rows:
            return
        password = self.password.text()
        self.password.clear()  # retyped for every batch, never kept
        if not password:
            self.strip.show_error(self.tr("Type your password to co-sign."))
            self.password.setFocus()
            return
        names = {r.note_id: r.short_name for r in rows}
        done, results = self._act(lambda: notes.cosign_notes(
            self.ws, [r.note_id for r in rows], password))
        if not done:
            self.password.setFocus()
            return
        assert isinstance(results, list)
        self._report(results, names)
        self.refresh()
        self.table.setFocus()

    def _report(self, results: list[SignResult], names: dict[int, str]) -> None:
        done = sum(r.signed for r in results)
        failed = [f"{names.get(r.note_id, '?')}: {r.message}" for r in results if not r.signed]
        if failed:
            self.strip.show_error(self.tr("%n co-signed.", "", done) + " " + " ".join(failed))
        else:
            self.strip.show_info(self.tr("%n note(s) co-signed.", "", done))

    def return_current(self) -> None:
        """Return the current note to its author with the comment typed."""
        row = self.current_row()
        if row is None:
            return
        done, _ = self._act(lambda: notes.return_note(self.ws, row.note_id,
                                                      self.return_comment.text()))
        if not done:
            self.return_comment.setFocus()
            return
        self.return_comment.clear()
        self.strip.show_info(self.tr("Returned {name}'s note to {author}.").format(
            name=row.short_name, author=row.author))
        self.refresh()
        self.table.setFocus()

    def review_current(self, decision: str) -> None:
        """Mark the current final note reviewed, or request an addendum (with the comment)."""
        row = self.current_row()
        if row is None:
            return
        comment = self.review_comment.text()
        done, _ = self._act(lambda: notes.review_note(self.ws, row.note_id, decision, comment))
        if not done:
            self.review_comment.setFocus()
            return
        self.review_comment.clear()
        self.strip.show_info(self.tr("Marked reviewed.") if decision == "reviewed"
                             else self.tr("Addendum requested from {author}.").format(
                                 author=row.author))
        self.refresh()
        self.table.setFocus()
