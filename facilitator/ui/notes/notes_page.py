"""The notes queue: the sessions whose notes I owe (any date), their participants, and the
editor beside them. Keyboard first:

* Ctrl+PgDown / Ctrl+PgUp — next / previous participant (saving first)
* F7 — run the pre-signing checks on this note (as a spelling check would)
* Ctrl+R — mark this note reviewed and ready to sign (then the next one)
* Ctrl+Return — sign: one password for every note marked ready (and this one)
* Ctrl+Space — quick phrases in the section being typed; Ctrl+D — an addendum (signed notes)
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import exports, notes
from facilitator.services.workspace import Workspace

from ..console.style import MessageStrip
from ..errors import attempt, user_message
from ..pages import Page
from ..table_model import RowsModel
from ..widgets import scaled_font
from .editor import NoteEditor
from .export_bar import ExportBar, outcome_text
from .parts import PasswordBar
from .queue_models import ParticipantsModel, QueueModel


class NotesPage(Page):
    """Sessions with notes owed, their participants, and the editor (see the module doc)."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.ready: dict[int, int] = {}  # note id -> edit_seq reviewed
        self._session_id: int | None = None
        self._build_ui()
        self._connect_signals()
        self.refresh()

    def _build_ui(self) -> None:
        title = QLabel(self.tr("Notes"))
        title.setFont(scaled_font(1.6, bold=True, base=self))
        self.counts = QLabel()
        self.strip = MessageStrip()
        self.show_done = QCheckBox(self.tr("Show finished sessions"))
        self.queue_model = QueueModel(self.ws, self)
        self.queue = self._table(self.queue_model, self.tr("Sessions with notes owed"))
        self.people_model = ParticipantsModel(self.ready, self)
        self.people = self._table(self.people_model, self.tr("Participants of the session"))
        for view in (self.queue, self.people):
            view.horizontalHeader().setStretchLastSection(False)
            view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            view.setWordWrap(True)
        left = QWidget()
        lbox = QVBoxLayout(left)
        lbox.setContentsMargins(0, 0, 0, 0)
        lbox.addWidget(QLabel(self.tr("<b>Sessions</b> (oldest first)")))
        lbox.addWidget(self.queue, 2)
        lbox.addWidget(self.show_done)
        lbox.addWidget(QLabel(self.tr("<b>Participants</b>")))
        lbox.addWidget(self.people, 3)

        self.editor = NoteEditor(self.ws)
        self.sign_bar = PasswordBar(self.tr("Sign"))
        # Short labels (tooltips say more) so the row fits a 1280×720 laptop beside the list.
        self.prev_button = QPushButton("◀")
        self.prev_button.setToolTip(self.tr("Previous participant (Ctrl+PgUp)"))
        self.prev_button.setAccessibleName(self.tr("Previous participant"))
        self.next_button = QPushButton("▶")
        self.next_button.setToolTip(self.tr("Next participant (Ctrl+PgDown)"))
        self.next_button.setAccessibleName(self.tr("Next participant"))
        self.check_button = QPushButton(self.tr("Check"))
        self.check_button.setToolTip(self.tr("Run the pre-signing checks (F7)"))
        self.ready_button = QPushButton(self.tr("Ready ✓"))
        self.ready_button.setToolTip(self.tr("Mark reviewed and go to the next (Ctrl+R)"))
        self.sign_button = QPushButton(self.tr("Sign…"))
        self.sign_button.setToolTip(self.tr("Sign this note and every note marked ready, with "
                                            "one password (Ctrl+Return)"))
        self.addendum_button = QPushButton(self.tr("Addendum…"))
        self.addendum_button.setToolTip("Ctrl+D")
        self.export_button = QToolButton()
        self.export_button.setText(self.tr("Export"))
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        self.export_note_action = menu.addAction(self.tr("This note…"), self.ask_export_note)
        menu.addAction(self.tr("Session packet (cover, sign-in sheet, every note)…"),
                       self.ask_export_packet)
        menu.addAction(self.tr("Every note of the session, one file each…"),
                       self.ask_export_batch)
        self.export_button.setMenu(menu)
        self.export_bar = ExportBar()
        buttons = QHBoxLayout()
        for b in (self.prev_button, self.next_button, self.check_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.export_button, self.addendum_button, self.ready_button,
                  self.sign_button):
            buttons.addWidget(b)
        right = QWidget()
        rbox = QVBoxLayout(right)
        rbox.setContentsMargins(0, 0, 0, 0)
        rbox.addWidget(self.editor, 1)
        rbox.addWidget(self.sign_bar)
        rbox.addWidget(self.export_bar)
        rbox.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([300, 1000])
        left.setMinimumWidth(220)
        box = QVBoxLayout(self)
        header = QHBoxLayout()
        header.addWidget(title)
        header.addWidget(self.counts, 1)
        box.addLayout(header)
        box.addWidget(self.strip)
        box.addWidget(split, 1)
        self._update_buttons()

    def _table(self, model: RowsModel, name: str) -> QTableView:  # type: ignore[type-arg]
        view = QTableView()
        view.setModel(model)
        view.setAccessibleName(name)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.verticalHeader().hide()
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        return view

    def _connect_signals(self) -> None:
        self.queue.selectionModel().currentRowChanged.connect(self._on_session_changed)
        self.people.selectionModel().currentRowChanged.connect(self._on_person_changed)
        self.show_done.toggled.connect(lambda _: self.refresh())
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.check_button.clicked.connect(self.editor.run_checks)
        self.ready_button.clicked.connect(self.mark_ready)
        self.sign_button.clicked.connect(self.ask_sign)
        self.addendum_button.clicked.connect(self.editor.open_addendum)
        self.sign_bar.confirmed.connect(self.sign)
        self.editor.message.connect(self._on_message)
        self.editor.changed_note.connect(self._reload_current)
        self.editor.saved.connect(self._update_buttons)
        self.editor.correct_session_requested.connect(self._on_correct_session)
        for keys, slot in (("Ctrl+PgDown", lambda: self.step(1)),
                           ("Ctrl+PgUp", lambda: self.step(-1)),
                           ("F7", self.editor.run_checks), ("Ctrl+R", self.mark_ready),
                           ("Ctrl+Return", self.ask_sign), ("Ctrl+Enter", self.ask_sign),
                           ("Ctrl+D", self.editor.open_addendum)):
            QShortcut(QKeySequence(keys), self, slot)

    # -- data -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.refresh_counts_only()
        rows = attempt(lambda: notes.notes_queue(self.ws, include_done=self.show_done.isChecked()),
                       self._on_error)
        if rows is None:
            return
        keep = self._session_id
        self.queue_model.set_rows(rows)
        ids = [r.session_id for r in rows]
        if keep in ids:
            self.queue.selectRow(ids.index(keep))
        elif rows:
            self.queue.selectRow(0)
        else:
            self._session_id = None
            self.people_model.set_rows([])

    def open_session(self, session_id: int) -> None:
        """Show this session's notes (from the end summary's "Write notes")."""
        ids = [r.session_id for r in self.queue_model.rows()]
        if session_id not in ids and not self.show_done.isChecked():
            self.show_done.setChecked(True)  # refreshes
            ids = [r.session_id for r in self.queue_model.rows()]
        if session_id in ids:
            self.queue.selectRow(ids.index(session_id))
        else:
            self._session_id = session_id
            self._load_people(0)
        self.people.setFocus()

    def _on_session_changed(self, current, _previous) -> None:  # type: ignore[no-untyped-def]
        if not current.isValid():
            return
        self.editor.save()
        entry = self.queue_model.row_at(current.row())
        if entry.session_id != self._session_id:
            self._session_id = entry.session_id
            self._load_people(0)

    def _load_people(self, select: int) -> None:
        if self._session_id is None:
            return
        sn = attempt(lambda: notes.session_notes(self.ws, self._session_id), self._on_error)
        if sn is None:
            return
        self.people_model.set_rows(sn.rows)
        if sn.rows:
            self.people.selectRow(max(0, min(select, len(sn.rows) - 1)))

    def _on_person_changed(self, current, _previous) -> None:  # type: ignore[no-untyped-def]
        if not current.isValid() or self._session_id is None:
            return
        if not self.editor.save():
            return  # the typed text stays; the message says why
        row = self.people_model.row_at(current.row())
        note = attempt(lambda: notes.open_note(self.ws, self._session_id, row.participant_id),
                       self._on_error)
        if note is not None:
            self.editor.load(note)
        self._update_buttons()

    def _reload_current(self) -> None:
        row = self.people.currentIndex().row()
        self._load_people(row)
        self._on_person_changed(self.people.currentIndex(), None)
        self.refresh_counts_only()

    def refresh_counts_only(self) -> None:
        counts = attempt(lambda: notes.my_counts(self.ws), self._on_error)
        if counts is not None:
            self.counts.setText(self.tr("{owed} owed · {over} overdue · {ret} returned").format(
                owed=counts.owed, over=counts.overdue, ret=counts.returned))

    # -- actions --------------------------------------------------------------------------------
    def step(self, delta: int) -> None:
        row = self.people.currentIndex().row() + delta
        if 0 <= row < self.people_model.rowCount():
            self.people.selectRow(row)
            self.editor.setFocus()

    def mark_ready(self) -> None:
        note = self.editor.note
        if note is None or not note.editable or not self.editor.save():
            return
        check = self.editor.run_checks()
        if check is None or not check.ok:
            return
        self.ready[note.note_id] = self.editor.edit_seq
        self.people_model.layoutChanged.emit()
        self.step(1)

    def ask_sign(self) -> None:
        note = self.editor.note
        if note is not None and note.editable:
            self.editor.save()
            self.ready[note.note_id] = self.editor.edit_seq
        if not self.ready:
            self.strip.show_info(self.tr("Nothing to sign: open a draft, or mark notes ready "
                                         "with Ctrl+R."))
            return
        n = len(self.ready)
        self.sign_bar.ask(self.tr("Sign {n} note(s) as {who}. Each gets its own signature.")
                          .format(n=n, who=self.ws.actor.signature_name))

    def sign(self, password: str) -> None:
        batch = list(self.ready.items())
        results = attempt(lambda: notes.sign_notes(self.ws, batch, password), self._on_error)
        if results is None:
            self.sign_bar.password.setFocus()
            return
        self.sign_bar.close_bar()
        names = {r.note_id: r.short_name for r in self.people_model.rows()}
        done = [r for r in results if r.signed]
        failed = [r for r in results if not r.signed]
        for r in results:
            self.ready.pop(r.note_id, None)
        text = self.tr("Signed {n} note(s).").format(n=len(done))
        if failed:
            text += " " + self.tr("Not signed: ") + " ".join(
                f"{names.get(r.note_id, '?')} — {r.message}" for r in failed)
            self.strip.show_error(text, 30_000)
        else:
            self.strip.show_info(text)
        self.refresh()
        self._reload_current()

    # -- exports --------------------------------------------------------------------------------
    def ask_export_note(self) -> None:
        note = self.editor.note
        if note is None:
            return
        ws, note_id = self.ws, note.note_id
        self.export_bar.ask(self.tr("Export this note as PDF"), lambda folder, release, _op:
                            outcome_text(self, exports.export_note(ws, note_id, folder,
                                                                   release=release)))

    def ask_export_packet(self) -> None:
        sid, ws = self._session_id, self.ws
        if sid is None:
            return
        self.export_bar.ask(self.tr("Export the session packet (cover, sign-in sheet, every "
                                    "note) as one PDF"),
                            lambda folder, release, _op: outcome_text(
                                self, exports.export_session(ws, sid, folder, release=release)))

    def ask_export_batch(self) -> None:
        sid, ws = self._session_id, self.ws
        if sid is None:
            return

        def job(folder, release, op) -> str:  # type: ignore[no-untyped-def]
            ids = exports.session_note_ids(ws, sid)
            done = exports.export_notes_batch(
                ws, ids, folder, release=release, cancelled=op.cancelled,
                progress=lambda n, total: op.report(self.tr("Exported {n} of {total}…").format(
                    n=n, total=total)))
            return self.tr("Saved {n} notes, one file each.").format(n=len(done))

        self.export_bar.ask(self.tr("Export every note of this session, one PDF each"), job)

    def _update_buttons(self) -> None:
        note = self.editor.note
        editable = note is not None and note.editable
        for b in (self.check_button, self.ready_button):
            b.setEnabled(editable)
        self.sign_button.setEnabled(editable or bool(self.ready))
        self.addendum_button.setEnabled(note is not None and note.state != "draft")
        self.export_note_action.setEnabled(note is not None)

    def _on_correct_session(self, session_id: int) -> None:
        """The console of the (ended) session, where a wrong time or answer is corrected; the
        draft's facts follow when the note is shown again."""
        main = self.window()
        page = getattr(main, "page", None)
        today = page("today") if page is not None else None
        if today is None or not hasattr(today, "open_console"):
            self.strip.show_info(self.tr("Open the session from the Today page to correct it."))
            return
        self.editor.save()
        today.open_console(session_id)

    def _on_message(self, text: str, error: bool) -> None:
        if error:
            self.strip.show_error(text)
        else:
            self.strip.show_info(text)

    def _on_error(self, error: BaseException) -> None:
        self.strip.show_error(user_message(error))

    def close_page(self) -> None:
        """Called by the main window on sign-out: save what is typed."""
        self.editor.save()
