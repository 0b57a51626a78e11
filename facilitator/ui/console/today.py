"""The "Today" page: the groups meeting today, with Start / Resume / Record not held /
Everyone absent (a block that was held but nobody came; Undo reverts it) / Ad hoc session.

Starting plans today's session from the group's schedule and template (if not planned yet),
starts it and opens the console window. A session still running (after a crash or after the
console was closed) shows as "running" with Resume; its timers come back from the database.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import console as svc
from facilitator.services import notes, programs
from facilitator.services.console.dto import TodayEntry
from facilitator.services.workspace import Workspace

from ..errors import attempt, user_message
from ..pages import Page, PageHost
from ..table_model import Column, RowsModel
from ..widgets import ConfirmBar
from .ad_hoc import AdHocBar
from .header import off_schedule_question
from .style import MessageStrip, scaled_font, short_day
from .window import ConsoleWindow

_STATUS = {"unplanned": "Not started", "planned": "Not started", "running": "▶ Running",
           "ended": "✔ Ended", "not_held": "✖ Not held"}


def _t(text: str) -> str:
    return QCoreApplication.translate("TodayPage", text)


class TodayModel(RowsModel[TodayEntry]):
    """Today's sessions: group, time, status, roster size."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        def hhmm(when: datetime) -> str:
            return f"{when.astimezone(ws.timezone):%H:%M}"

        def times(e: TodayEntry) -> str:
            span = f"{hhmm(e.planned_start)}–{hhmm(e.planned_end)}"
            return f"{day_of(e, ws)} {span}" if e.earlier else span

        super().__init__([
            Column(_t("Group"), lambda e: e.group_name),
            Column(_t("Time"), times),
            Column(_t("Status"), lambda e: _t(_STATUS.get(e.status, e.status))),
            Column(_t("Enrolled"), lambda e: str(e.roster_size)),
        ], parent)

    def entry(self, row: int) -> TodayEntry | None:
        return self.row_at(row) if 0 <= row < self.rowCount() else None


def day_of(entry: TodayEntry, ws: Workspace) -> str:
    """The day of a block of an earlier day, as its console header says it."""
    return short_day(entry.planned_start.astimezone(ws.timezone).date())


def note_counts_text(ws: Workspace) -> str:
    """"Notes: 3 owed (1 overdue), 1 returned", and for a supervisor the co-signature line."""
    c = notes.my_counts(ws)
    text = _t("Notes: {owed} owed ({overdue} overdue), {returned} returned").format(
        owed=c.owed, overdue=c.overdue, returned=c.returned)
    if ws.actor.role == "supervisor" or c.awaiting_my_cosign:
        text += " · " + _t("Co-signature: {waiting} waiting ({aging} over 2 days)").format(
            waiting=c.awaiting_my_cosign, aging=c.aging_cosign)
    return text


class TodayPage(Page):
    """Lists today's sessions; opens one ``ConsoleWindow`` per session."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.consoles: dict[int, ConsoleWindow] = {}
        self._build_ui()
        self._connect_lock(parent)
        self.refresh()

    def _build_ui(self) -> None:
        title = QLabel(self.tr("Today"))
        title.setFont(scaled_font(1.6, bold=True))
        self.resume_banner = QLabel()
        self.resume_banner.setFont(scaled_font(1.2, bold=True))
        self.resume_banner.setWordWrap(True)
        self.resume_banner.hide()
        self.strip = MessageStrip()
        self.note_counts = QLabel()  # the signed-in clinician's own notes (none for admins)
        self.note_counts.setVisible(self.ws.actor.role != "admin")
        # A broken form file must not stop the block: say which file and item, carry on.
        self.forms_problem = QLabel()
        self.forms_problem.setWordWrap(True)
        self.forms_problem.hide()
        self.model = TodayModel(self.ws, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setFont(scaled_font(1.15))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.start_button = QPushButton(self.tr("&Start"))
        self.not_held_button = QPushButton(self.tr("Record &not held…"))
        self.absent_button = QPushButton(self.tr("Everyone &absent"))
        self.absent_button.setToolTip(self.tr("Nobody came: mark everyone not yet marked absent "
                                              "in one action"))
        self.undo_button = QPushButton(self.tr("&Undo"))
        self.undo_button.hide()
        self.ad_hoc_button = QPushButton(self.tr("Ad &hoc session…"))
        self.ad_hoc_button.setToolTip(self.tr("A session outside the schedule, started now"))
        self.ad_hoc = AdHocBar()
        self.ad_hoc.hide()
        self.start_confirm = ConfirmBar(self.tr("&Yes, start now"))
        self._undo_session: int | None = None
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("Why was it not held? Enter records it"))
        self.reason.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.not_held_button)
        buttons.addWidget(self.absent_button)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.reason, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.ad_hoc_button)
        box = QVBoxLayout(self)
        box.addWidget(title)
        box.addWidget(self.resume_banner)
        box.addWidget(self.note_counts)
        box.addWidget(self.strip)
        box.addWidget(self.forms_problem)
        box.addWidget(self.table, 1)
        box.addWidget(self.start_confirm)
        box.addLayout(buttons)
        box.addWidget(self.ad_hoc)
        self.ad_hoc_button.clicked.connect(self._on_ad_hoc_clicked)
        self.ad_hoc.start_requested.connect(self.start_ad_hoc)
        self.start_button.clicked.connect(self.start_selected)
        self.start_confirm.confirm_button.clicked.connect(
            lambda: self.start_selected(confirmed=True))
        self.not_held_button.clicked.connect(self._on_not_held_clicked)
        self.absent_button.clicked.connect(self.mark_everyone_absent)
        self.undo_button.clicked.connect(self.undo)
        self.reason.returnPressed.connect(self._on_reason_entered)
        self.table.activated.connect(lambda _index: self.start_selected())
        self.table.setAccessibleName(self.tr("Today's sessions"))
        self.reason.setAccessibleName(self.tr("Reason the session was not held"))
        # Tab follows the screen: the sessions, then the buttons left to right (the reason
        # field sits where it appears, after the buttons that open it).
        chain = [self.table, self.start_button, self.not_held_button, self.absent_button,
                 self.undo_button, self.reason, self.ad_hoc_button]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)
        self.table.selectionModel().currentRowChanged.connect(self._on_row_changed)

    def _connect_lock(self, parent: QWidget | None) -> None:
        if isinstance(parent, PageHost):
            lock = parent.lock_controller
            lock.locked.connect(self._on_locked)  # type: ignore[attr-defined]
            lock.unlocked.connect(self._on_unlocked)  # type: ignore[attr-defined]

    # -- data -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        try:
            rows = svc.today_sessions(self.ws)
        except Exception as error:  # shown in the strip
            self.strip.show_error(user_message(error))
            return
        problems = svc.forms_catalog().errors
        self.forms_problem.setText("\n".join(
            [self.tr("⚠ A form file could not be loaded; the console works without it:"),
             *problems]) if problems else "")
        self.forms_problem.setVisible(bool(problems))
        current = self.table.currentIndex().row()
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(max(0, min(current, len(rows) - 1)))
        running = [r for r in rows if r.status == "running"]
        self.resume_banner.setText(self._running_text(running[0]) if running else "")
        self.resume_banner.setVisible(bool(running))
        self._update_buttons()
        if self.ws.actor.role != "admin":
            counts = attempt(lambda: note_counts_text(self.ws),
                             lambda e: self.strip.show_error(user_message(e)))
            self.note_counts.setText(counts or "")

    def _running_text(self, entry: TodayEntry) -> str:
        if not entry.earlier:
            return self.tr("▶ A block is still running: {group}. Select it and press "
                           "Resume.").format(group=entry.group_name)
        # Nobody ended it on its day (the laptop was closed or crashed): ending it now ends
        # it when it was last worked in (``ending.end_session``).
        return self.tr("▶ A block of {day} was never ended: {group}. Select it, press Resume, "
                       "and end it: it ends at its planned end, or at its last action if "
                       "that came later.").format(day=day_of(entry, self.ws),
                                                  group=entry.group_name)

    def _on_row_changed(self) -> None:
        self.start_confirm.hide()  # the question was about the row selected before
        self._update_buttons()

    def selected_entry(self) -> TodayEntry | None:
        return self.model.entry(self.table.currentIndex().row())

    def _update_buttons(self) -> None:
        entry = self.selected_entry()
        status = entry.status if entry else ""
        self.start_button.setText({"running": self.tr("&Resume"),
                                   "ended": self.tr("&Summary")}.get(status, self.tr("&Start")))
        self.start_button.setEnabled(entry is not None and status != "not_held")
        self.not_held_button.setEnabled(status in ("unplanned", "planned"))
        self.absent_button.setEnabled(entry is not None and status != "not_held")

    # -- actions --------------------------------------------------------------------------------
    def _session_id(self, entry: TodayEntry) -> int:
        if entry.session_id is not None:
            return entry.session_id
        return svc.open_today_session(self.ws, entry.group_id).id

    def start_selected(self, *, confirmed: bool = False) -> ConsoleWindow | None:
        """Start (or resume) the selected session and open its console. A start more than
        half an hour off the planned time is asked about first, in the inline bar."""
        entry = self.selected_entry()
        if entry is None:
            return None
        self.start_confirm.hide()
        question = off_schedule_question(entry.planned_start, self.ws.clock.now(),
                                         self.ws.timezone)
        if entry.status in ("unplanned", "planned") and question and not confirmed:
            self.start_confirm.ask(question)
            return None
        try:  # one call each: planning and starting commit together or not at all
            if entry.status == "unplanned":
                session_id = svc.start_today_session(self.ws, entry.group_id).id
            elif entry.status == "planned" and entry.session_id is not None:
                session_id = svc.start_session(self.ws, entry.session_id).id
            else:
                session_id = self._session_id(entry)
        except Exception as error:  # shown in the strip
            self.strip.show_error(user_message(error))
            self.refresh()
            return None
        self.refresh()
        return self.open_console(session_id)

    def open_console(self, session_id: int) -> ConsoleWindow:
        window = self.consoles.get(session_id)
        if window is None:
            window = ConsoleWindow(self.ws, session_id)
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            # A bound slot (not a lambda) so Qt drops the connection if this page goes first.
            window.closed.connect(self._on_console_closed)
            window.notes_requested.connect(self._on_notes_requested)
            self.consoles[session_id] = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _on_notes_requested(self, session_id: int) -> None:
        """The end summary's "Write notes": the main window's notes page, at that session."""
        main = self.window()
        page = getattr(main, "page", None)
        notes_page = page("notes") if page is not None else None
        if notes_page is None:
            return  # a role without the notes page (admins do not write notes)
        main.show_page("notes")
        notes_page.open_session(session_id)
        main.raise_()
        main.activateWindow()

    def _on_console_closed(self, session_id: int) -> None:
        self.consoles.pop(session_id, None)
        self.refresh()

    def _on_ad_hoc_clicked(self) -> None:
        try:
            self.ad_hoc.open(programs.list_groups(self.ws))
        except Exception as error:  # shown in the strip
            self.strip.show_error(user_message(error))

    def start_ad_hoc(self, group_id: int, minutes: int) -> ConsoleWindow | None:
        """Plan a session for ``group_id`` from now, start it and open its console."""
        now = self.ws.clock.now()
        try:
            planned = svc.start_ad_hoc_session(self.ws, group_id, now,
                                               now + timedelta(minutes=minutes))
        except Exception as error:  # shown in the strip
            self.strip.show_error(user_message(error))
            return None
        self.ad_hoc.hide()
        self.refresh()
        return self.open_console(planned.id)

    def _on_not_held_clicked(self) -> None:
        self.reason.show()
        self.reason.setFocus()

    def _on_reason_entered(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        try:
            if entry.session_id is None:  # one call: planning and "not held" together
                svc.record_today_not_held(self.ws, entry.group_id, self.reason.text())
            else:
                svc.record_not_held(self.ws, entry.session_id, self.reason.text())
        except Exception as error:  # shown in the strip
            self.strip.show_error(user_message(error))
            return
        self.reason.clear()
        self.reason.hide()
        self.strip.show_info(self.tr("Recorded as not held."))
        self.refresh()

    def mark_everyone_absent(self) -> None:
        """The whole group absent in one action (planning today's session first if needed)."""
        entry = self.selected_entry()
        if entry is None:
            return
        try:
            if entry.session_id is None:  # one call: planning and marking together
                session_id, result = svc.mark_today_absent(self.ws, entry.group_id)
            else:
                session_id = entry.session_id
                result = svc.mark_all_absent(self.ws, session_id)
        except Exception as error:  # shown in the strip
            self.strip.show_error(user_message(error))
            self.refresh()
            return
        self._undo_session = session_id
        self.undo_button.show()
        self.strip.show_info(self.tr("{n} marked absent for {group}. Undo reverts it.").format(
            n=result.marked, group=entry.group_name))
        self.refresh()

    def undo(self) -> None:
        """Revert the last action on the session this page last changed."""
        if self._undo_session is None:
            return
        try:
            action = svc.undo_last(self.ws, self._undo_session)
        except Exception as error:  # shown in the strip
            self.strip.show_error(user_message(error))
            return
        self._undo_session = None
        self.undo_button.hide()
        self.strip.show_info(self.tr("Undone: {what}").format(what=action.label))
        self.refresh()

    # -- lock -----------------------------------------------------------------------------------
    def _on_locked(self) -> None:
        for window in self.consoles.values():
            window.hide_for_lock()

    def _on_unlocked(self) -> None:
        for window in self.consoles.values():
            window.show_after_lock()
