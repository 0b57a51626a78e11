"""The note editor: the facts beside the clinician's words, autosaved as they type.

No Save button: about 0.7 s after typing stops (and before moving to another note) the
changed parts go to ``notes.save_draft`` in one durable transaction, so a crash loses at most
the last second. A save refused because another window changed the note keeps the typed text
on screen and says so. Ctrl+Space inserts a quick phrase; the editor never decides whether a
note may be signed (``notes.check_note`` does).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import console, notes
from facilitator.services.workspace import Workspace

from ..errors import attempt, user_message
from ..widgets import scaled_font
from .parts import AddendumBox, FindingsBox, FlagsBox, GoalsBox, clear_layout
from .render import facts_html, note_html

AUTOSAVE_MS = 700


class SectionEdit(QPlainTextEdit):
    """One section's text; tabs move focus (a note is prose, not code)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setMinimumHeight(64)

    def sizeHint(self) -> QSize:  # about five lines: sections stack without a long scroll
        hint = super().sizeHint()
        hint.setHeight(self.fontMetrics().lineSpacing() * 5 + 12)
        return hint


class NoteEditor(QWidget):
    saved = Signal()
    """A draft was saved (the notes list may refresh its counts)."""
    changed_note = Signal()
    """The note's state changed (signed, addendum, flag addressed)."""
    message = Signal(str, bool)
    """A sentence for the page's message strip, and whether it is an error."""
    correct_session_requested = Signal(int)
    """Open this session's console to correct a fact (times, attendance, answers)."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.note: notes.NoteView | None = None
        self._edit_seq = 0
        self._dirty: set[str] = set()
        self._loading = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._build_ui()
        self._connect_signals()

    # -- layout ---------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.title = QLabel()
        self.title.setFont(scaled_font(1.3, bold=True, base=self))
        self.title.setWordWrap(True)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.returned = QLabel()
        self.returned.setWordWrap(True)
        self.returned.setObjectName("returnedBanner")
        self.format = QComboBox()
        for name in notes.FORMATS:
            self.format.addItem(name, name)
        self.format.setAccessibleName(self.tr("Note format"))
        self.status = QLabel()
        self.status.setAccessibleName(self.tr("Save status"))
        top = QHBoxLayout()
        top.addWidget(self.state, 1)
        top.addWidget(QLabel(self.tr("Format")))
        top.addWidget(self.format)
        self.flags = FlagsBox()
        self.group_toggle = QToolButton()
        self.group_toggle.setCheckable(True)
        self.group_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.group_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.group_toggle.setText(self.tr("Group section (shared by every note of this session)"))
        self.group_box = QWidget()
        group_layout = QVBoxLayout(self.group_box)
        group_layout.setContentsMargins(0, 0, 0, 0)
        self.group_edits: dict[str, SectionEdit] = {}
        for spec in notes.GROUP:
            edit = SectionEdit()
            edit.setPlaceholderText(spec.hint)
            edit.setAccessibleName(spec.title)
            self.group_edits[spec.key] = edit
            group_layout.addWidget(QLabel(f"<b>{spec.title}</b>"))
            group_layout.addWidget(edit)
        self.group_box.hide()
        self.sections_box = QWidget()
        self.sections_layout = QVBoxLayout(self.sections_box)
        self.sections_layout.setContentsMargins(0, 0, 0, 0)
        self.section_edits: dict[str, SectionEdit] = {}
        self.goals = GoalsBox()
        self.findings = FindingsBox()
        self.addendum = AddendumBox()
        self.signed_view = QTextBrowser()
        self.signed_view.hide()
        form = QWidget()
        col = QVBoxLayout(form)
        col.addWidget(self.title)
        col.addLayout(top)
        col.addWidget(self.returned)
        col.addWidget(self.flags)
        col.addWidget(self.group_toggle)
        col.addWidget(self.group_box)
        col.addWidget(self.sections_box)
        self.goals_title = QLabel(self.tr("<b>Goals addressed today</b>"))
        col.addWidget(self.goals_title)
        col.addWidget(self.goals)
        col.addWidget(self.findings)
        col.addWidget(self.signed_view, 1)
        col.addWidget(self.addendum)
        col.addStretch(0)
        scroll = QScrollArea()
        scroll.setWidget(form)
        scroll.setWidgetResizable(True)
        self.facts = QTextBrowser()
        self.facts.setAccessibleName(self.tr("Facts from the session (read-only)"))
        facts_col = QWidget()
        fbox = QVBoxLayout(facts_col)
        fbox.setContentsMargins(0, 0, 0, 0)
        facts_title = QLabel(self.tr("<b>Facts</b> (from the session; correct the session, "
                                     "not the note)"))
        facts_title.setWordWrap(True)
        fbox.addWidget(facts_title)
        fbox.addWidget(self.facts, 1)
        self.correct_button = QPushButton(self.tr("Correct the session…"))
        self.correct_button.setToolTip(self.tr("Open the session's console to correct times, "
                                               "attendance or answers (E adjusts times)"))
        self.correct_button.clicked.connect(
            lambda: self.note and self.correct_session_requested.emit(self.note.session_id))
        fbox.addWidget(self.correct_button)
        self.facts.setMinimumWidth(160)
        scroll.setMinimumWidth(280)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(facts_col)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(split, 1)
        box.addWidget(self.status)

    def _connect_signals(self) -> None:
        self._timer.timeout.connect(self.save)
        for key, edit in self.group_edits.items():
            edit.textChanged.connect(lambda k=key: self._mark(f"group:{k}"))
        self.goals.changed.connect(lambda: self._mark("goals"))
        self.findings.changed.connect(lambda: self._mark("reasons"))
        self.format.currentIndexChanged.connect(self._on_format_changed)
        self.group_toggle.toggled.connect(self._on_group_toggled)
        self.flags.address_requested.connect(self._on_address_flag)
        self.addendum.submitted.connect(self._on_addendum)
        QShortcut(QKeySequence("Ctrl+Space"), self, self.show_phrases)

    # -- loading --------------------------------------------------------------------------------
    def load(self, note: notes.NoteView) -> None:
        self._loading = True
        try:
            self.note, self._edit_seq, self._dirty = note, note.edit_seq, set()
            tz = self.ws.timezone
            self.title.setText(self.tr("{name} — {group}, {day}").format(
                name=note.display_name, group=note.group_name,
                day=f"{note.session_date:%a %d %b %Y}"))
            kind = self.tr("Absence note") if note.kind == "absence" else self.tr("Progress note")
            state = {"draft": self.tr("Draft"), "awaiting_cosign": self.tr("Signed — awaiting "
                     "co-signature"), "final": self.tr("Signed")}.get(note.state, note.state)
            late = f" · {note.late_entry}" if note.late_entry else ""
            self.state.setText(f"{kind} · <b>{state}</b>{late}")
            self.returned.setText(self.tr("↩ Returned by your supervisor: {c}").format(
                c=note.returned_comment))
            self.returned.setVisible(bool(note.returned_comment))
            self.format.setCurrentIndex(max(0, self.format.findData(note.format)))
            self.format.setEnabled(note.editable and note.kind == "session")
            self.flags.set_flags(note.flags)
            self.facts.setHtml(facts_html(note.facts, tz) + self._jots_html(note))
            # Once signed, facts change only through an addendum (the database refuses more).
            self.correct_button.setVisible(note.state == "draft")
            for key, edit in self.group_edits.items():
                edit.setPlainText(note.group_sections.get(key, ""))
                edit.setReadOnly(not note.editable)
            self.group_toggle.setVisible(note.kind == "session" and note.editable)
            self._build_sections(note)
            self.goals.set_goals(note.goals, note.editable)
            show_goals = note.kind == "session" and note.editable
            self.goals.setVisible(show_goals)
            self.goals_title.setVisible(show_goals)
            self.findings.set_reasons(note.justifications)
            self.findings.hide()
            self.sections_box.setVisible(note.editable)
            self.signed_view.setVisible(not note.editable)
            if not note.editable:
                self.signed_view.setHtml(note_html(note, tz, with_facts=False, with_title=False))
            self.addendum.hide()
            self.status.setText(self.tr("Autosaves as you type.") if note.editable else "")
        finally:
            self._loading = False
        if note.editable and self.section_edits:
            next(iter(self.section_edits.values())).setFocus()

    def _jots_html(self, note: notes.NoteView) -> str:
        if not note.jots:
            return ""
        import html

        items = "".join(f"<li>{t.astimezone(self.ws.timezone):%H:%M} {html.escape(text)}</li>"
                        for t, text in note.jots)
        return f"<h4>{self.tr('Jots about them (not in the note)')}</h4><ul>{items}</ul>"

    def _build_sections(self, note: notes.NoteView) -> None:
        clear_layout(self.sections_layout)
        self.section_edits = {}
        for spec in note.sections_spec:
            label = QLabel(f"<b>{spec.title}</b>" + ("" if spec.required
                                                     else self.tr(" (optional)")))
            edit = SectionEdit()
            edit.setPlaceholderText(spec.hint)
            edit.setAccessibleName(spec.title)
            edit.setPlainText(note.sections.get(spec.key, ""))
            edit.textChanged.connect(lambda k=spec.key: self._mark(f"section:{k}"))
            self.sections_layout.addWidget(label)
            self.sections_layout.addWidget(edit)
            self.section_edits[spec.key] = edit

    # -- autosave -------------------------------------------------------------------------------
    def _mark(self, what: str) -> None:
        if self._loading or self.note is None or not self.note.editable:
            return
        self._dirty.add(what)
        self.status.setText(self.tr("Editing…"))
        self._timer.start()

    def has_unsaved(self) -> bool:
        return bool(self._dirty)

    def save(self) -> bool:
        """Save what changed now; True when nothing is left unsaved."""
        self._timer.stop()
        note = self.note
        if note is None or not self._dirty or not note.editable:
            return True
        dirty = set(self._dirty)
        sections = {k: e.toPlainText() for k, e in self.section_edits.items()
                    if f"section:{k}" in dirty}
        group = {k: e.toPlainText() for k, e in self.group_edits.items()
                 if f"group:{k}" in dirty}
        seq = attempt(lambda: notes.save_draft(
            self.ws, note.note_id, self._edit_seq, sections=sections or None,
            group=group or None, goals=self.goals.entries() if "goals" in dirty else None,
            justifications=self.findings.reasons() if "reasons" in dirty else None,
            format_name=self.format.currentData() if "format" in dirty else None),
            self._save_failed)
        if seq is None:
            return False
        self._edit_seq = seq
        self._dirty -= dirty
        now = self.ws.clock.now().astimezone(self.ws.timezone)
        self.status.setText(self.tr("✓ All changes saved {t}").format(t=f"{now:%H:%M:%S}"))
        self.saved.emit()
        return not self._dirty

    def _save_failed(self, error: BaseException) -> None:
        # The typed text stays on screen: nothing is lost; the next edit tries again.
        self.status.setText("⚠ " + self.tr("Not saved: ") + user_message(error))
        self.message.emit(user_message(error), True)

    @property
    def edit_seq(self) -> int:
        return self._edit_seq

    # -- actions --------------------------------------------------------------------------------
    def run_checks(self) -> notes.SignCheck | None:
        if self.note is None or not self.save():
            return None
        check = attempt(lambda: notes.check_note(self.ws, self.note.note_id),
                        lambda e: self.message.emit(user_message(e), True))
        if check is not None:
            self.findings.show_check(check)
            self._highlight_names(check)
        return check

    def _highlight_names(self, check: notes.SignCheck) -> None:
        fmt = QTextCharFormat()
        fmt.setBackground(Qt.GlobalColor.yellow)
        fmt.setForeground(Qt.GlobalColor.black)
        for key, edit in {**self.section_edits, **self.group_edits}.items():
            marks = []
            for f in check.names:
                if f.section == key:
                    sel = QTextEdit.ExtraSelection()
                    cursor = QTextCursor(edit.document())
                    cursor.setPosition(f.start)
                    cursor.setPosition(f.end, QTextCursor.MoveMode.KeepAnchor)
                    sel.cursor, sel.format = cursor, fmt
                    marks.append(sel)
            edit.setExtraSelections(marks)

    def show_phrases(self) -> None:
        """Ctrl+Space: a keyboard menu of quick phrases for the focused section."""
        note = self.note
        edit = self.focusWidget()
        if note is None or not isinstance(edit, SectionEdit) or edit.isReadOnly():
            return
        key = next((k for k, e in {**self.section_edits, **self.group_edits}.items()
                    if e is edit), None)
        phrases = attempt(lambda: notes.list_phrases(self.ws, key),
                          lambda e: self.message.emit(user_message(e), True)) or []
        menu = QMenu(self)
        for p in phrases:
            text = notes.expand(p.text, note.short_name, note.pronouns)
            action = menu.addAction(text if len(text) < 90 else text[:87] + "…")
            action.triggered.connect(lambda _=False, t=text, e=edit: e.insertPlainText(
                ("" if e.textCursor().atBlockStart() else " ") + t))
        rect = edit.cursorRect()
        menu.popup(edit.viewport().mapToGlobal(QPoint(rect.left(), rect.bottom())))
        if menu.actions():
            menu.setActiveAction(menu.actions()[0])
        self._phrase_menu = menu  # kept for tests and so it is not collected while shown

    def open_addendum(self) -> None:
        if self.note is not None and self.note.state != "draft":
            self.addendum.open_box()

    def _on_addendum(self, reason: str, text: str, password: str) -> None:
        note = self.note
        if note is None:
            return
        done = attempt(lambda: notes.add_addendum(self.ws, note.note_id, reason, text,
                                                  password),
                       lambda e: self.message.emit(user_message(e), True))
        if done is not None:
            self.addendum.done()
            self.message.emit(self.tr("Addendum signed and added under the note."), False)
            self.changed_note.emit()

    def _on_address_flag(self, flag_id: int, follow_up: str) -> None:
        done = attempt(lambda: console.address_flag(self.ws, flag_id, follow_up),
                       lambda e: self.message.emit(user_message(e), True))
        if done is not None:
            self.message.emit(self.tr("Safety flag addressed."), False)
            self.changed_note.emit()

    def _on_format_changed(self) -> None:
        if self._loading or self.note is None:
            return
        self._mark("format")
        self.save()
        self.changed_note.emit()  # the sections differ per format: reload

    def _on_group_toggled(self, shown: bool) -> None:
        self.group_box.setVisible(shown)
        self.group_toggle.setArrowType(Qt.ArrowType.DownArrow if shown
                                       else Qt.ArrowType.RightArrow)
