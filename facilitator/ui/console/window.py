"""The console window: composes the header, board and side panels, and is their controller.

Widgets emit intent signals; this window calls ``facilitator.services.console`` (each call one
committed transaction) and then refreshes from ``console_state``. A 1-second QTimer refreshes the
view; times come from stored wall-clock times and ``ws.clock.now()``, never from counting ticks,
so a hidden (locked) or resumed window is right at once. Errors show in the message strip; no
dialog ever opens while the block runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QKeyCombination, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from facilitator.services import console as svc
from facilitator.services.console.dto import AttendanceView, ConsoleState
from facilitator.services.errors import ServiceError, ValidationError
from facilitator.services.workspace import Workspace

from ..errors import user_message
from .adjust import AdjustPanel
from .board import BoardModel, BoardView
from .end_summary import EndSummaryView
from .flags import FlagsModel, FlagsPanel
from .go_around import GoAroundPanel
from .header import ConsoleHeader
from .jots import GROUP, JotPanel, Pickable
from .keymap import CONSOLE_WIDE, KEY_TO_ACTION, participant_index, participant_key
from .privacy import PrivacyShield
from .segments import SegmentModel, SegmentsPanel
from .shortcuts import ShortcutsOverlay
from .style import MessageStrip, scaled_font

REFRESH_MS = 1000
END_CONFIRM_SECONDS = 10
# One key each; the service decides what the status means (e.g. present after the grace: late).
ATTENDANCE_CALLS: dict[str, Callable[[Workspace, int, int], AttendanceView]] = {
    "present": svc.mark_present, "late": svc.mark_late, "departed": svc.mark_left,
    "absent": svc.mark_absent, "excused": svc.mark_excused, "telehealth": svc.mark_telehealth,
}


class ConsoleWindow(QMainWindow):
    """The live console of one session (running, planned or ended)."""

    closed = Signal(int)
    """The window of this session id was closed (the block keeps running until ended)."""

    def __init__(self, ws: Workspace, session_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.session_id = session_id
        self.state: ConsoleState | None = None
        self._end_armed: datetime | None = None
        self._last_error = ""
        self.setWindowTitle(self.tr("Facilitator — live block"))
        self._build_ui()
        self._connect_signals()
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.refresh()
        if self.state is not None and self.state.session.status == "ended":
            self._show_summary(svc.end_summary)
        else:
            self.timer.start()
        self.board.setFocus()

    # -- building -------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        tz = self.ws.timezone
        self.header = ConsoleHeader(tz)
        self.strip = MessageStrip()
        self.board_model = BoardModel(tz, self)
        self.board = BoardView()
        self.board.setModel(self.board_model)
        self.segments = SegmentsPanel(SegmentModel(tz, self))
        self.flags = FlagsPanel(FlagsModel(tz, self))
        self.go_around = GoAroundPanel()
        self.jots = JotPanel()
        self.adjust = AdjustPanel(tz)
        self.side = QStackedWidget()
        for panel in (self.segments, self.go_around, self.jots, self.flags, self.adjust):
            self.side.addWidget(panel)
        self.footer = QLabel(self.tr("1–9 pick · P present · L late · O out/back · D left · "
                                     "Space next segment · B break · G go-around · J jot · "
                                     "F flags · Ctrl+Z undo · F12 privacy · F1 all keys"))
        self.footer.setWordWrap(True)
        self.footer.setFont(scaled_font(1.0))
        middle = QHBoxLayout()
        middle.addWidget(self.board, 7)
        middle.addWidget(self.side, 4)
        self.body = QWidget()
        box = QVBoxLayout(self.body)
        box.addWidget(self.header)
        box.addWidget(self.strip)
        box.addLayout(middle, 1)
        box.addWidget(self.footer)
        self.shield = PrivacyShield()
        self.summary = EndSummaryView(tz)
        self.stack = QStackedWidget()
        for page in (self.body, self.shield, self.summary):
            self.stack.addWidget(page)
        self.setCentralWidget(self.stack)
        self.overlay = ShortcutsOverlay(self.stack)
        self.resize(1280, 800)

    def _connect_signals(self) -> None:
        self.go_around.save_requested.connect(self._on_go_around_save)
        self.go_around.close_requested.connect(self.back_to_board)
        self.go_around.finished.connect(self._on_go_around_finished)
        self.go_around.person_changed.connect(
            lambda pid: self.board.select_row(self.board_model.row_of(pid)))
        self.jots.save_requested.connect(self._on_jot_save)
        self.jots.close_requested.connect(self.back_to_board)
        self.flags.address_requested.connect(self._on_flag_address)
        self.flags.raise_requested.connect(self._on_flag_raise)
        self.flags.close_requested.connect(self.back_to_board)
        self.segments.close_requested.connect(self.back_to_board)
        self.segments.move_requested.connect(
            lambda sid, pos: self._act(svc.move_segment, sid, pos, keep_focus=True))
        self.segments.skip_requested.connect(
            lambda sid: self._act(svc.skip_segment, sid, keep_focus=True))
        self.segments.add_requested.connect(self._on_segment_add)
        self.segments.topic_requested.connect(self._on_segment_topic)
        self.adjust.apply_requested.connect(self._on_adjust_apply)
        self.adjust.close_requested.connect(self.back_to_board)
        self.summary.close_requested.connect(self.close)
        self.overlay.closed.connect(self._on_overlay_closed)

    # -- state ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the whole console state at ``ws.clock.now()`` and show it."""
        try:
            state = svc.console_state(self.ws, self.session_id)
        except Exception as error:  # shown in the strip, never raised into Qt
            self._error(error, once=True)
            return
        self.state = state
        self.header.show_state(state)
        self.shield.show_state(state)
        self.board_model.set_rows(state.attendance, state.now)
        self.segments.model.set_segments(state.session.segments)
        names = {a.participant_id: a.short_name for a in state.attendance}
        self.flags.model.set_flags(state.open_flags, names)
        self.jots.set_people([Pickable(a.participant_id, participant_key(i), a.short_name)
                              for i, a in enumerate(state.attendance)])
        if state.clock_problem:
            self.strip.show_error(state.clock_problem)

    def _act(self, call: Callable[..., Any], *args: Any, done: str = "",
             keep_focus: bool = False, **kwargs: Any) -> Any:
        """Call a service (one committed transaction), refresh, report; None on error."""
        try:
            result = call(self.ws, *args, **kwargs)
        except Exception as error:  # shown in the strip, never raised into Qt
            self._error(error)
            return None
        self._last_error = ""
        if done:
            self.strip.show_info(done)
        self.refresh()
        if not keep_focus and self.side.currentWidget() is self.segments:
            self.board.setFocus()
        return result if result is not None else True

    def _error(self, error: BaseException, *, once: bool = False) -> None:
        message = user_message(error)
        if once and message == self._last_error:
            return
        self._last_error = message
        self.strip.show_error(message)

    def selected(self) -> AttendanceView | None:
        return self.board_model.row_view(self.board.current_row())

    # -- keys -----------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Keys reach this window when the focused panel does not use them (panels ignore what
        # they do not handle), so the console-wide keys work from every panel. Not QShortcuts:
        # a line edit must keep Ctrl+Z for its own text, and letters must stay typeable there.
        wide = CONSOLE_WIDE.get(QKeyCombination(event.modifiers(), Qt.Key(event.key())))
        if wide is not None:
            getattr(self, wide)()
            event.accept()
            return
        if self.stack.currentWidget() is not self.body or event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                | Qt.KeyboardModifier.MetaModifier):
            super().keyPressEvent(event)
            return
        action = "help" if event.text() == "?" else KEY_TO_ACTION.get(event.key())
        index = participant_index(event.text()) if len(event.text()) == 1 else None
        if action is not None:
            self.run_action(action)
        elif index is not None:
            self.board.select_row(index)
            self.board.setFocus()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def run_action(self, action: str) -> None:
        """One board action by name (see ``keymap.BOARD_ACTIONS``)."""
        state, chosen = self.state, self.selected()
        if action in ATTENDANCE_CALLS or action in ("out", "raise_flag", "adjust"):
            if chosen is None:
                self.strip.show_info(self.tr("Pick a participant first: press the key on "
                                             "their tile (1–9, 0, …)."))
                return
            if action in ATTENDANCE_CALLS:
                self._act(ATTENDANCE_CALLS[action], self.session_id, chosen.participant_id)
            elif action == "out":
                call = svc.step_back if chosen.is_out else svc.step_out
                self._act(call, self.session_id, chosen.participant_id)
            elif action == "raise_flag":
                self._open(self.flags)
                self.flags.begin_raise(chosen.participant_id, chosen.short_name)
            elif action == "adjust" and state is not None:
                self._open(self.adjust)
                self.adjust.begin(chosen, state.session.session_date)
        elif action == "next_segment":
            planned = state is not None and state.session.status == "planned"
            self._act(svc.start_session if planned else svc.start_next_segment, self.session_id)
        elif action == "break":
            on_break = state is not None and state.on_break
            self._act(svc.end_break if on_break else svc.start_break, self.session_id)
        elif action == "go_around":
            self.start_go_around()
        elif action == "jot":
            self._open(self.jots)
            self.jots.begin(chosen.participant_id if chosen else None)
        elif action == "flags":
            self._open(self.flags)
            self.flags.begin_address(chosen.participant_id if chosen else None)
        elif action == "segments":
            self._open(self.segments)
            self.segments.focus_list()
        elif action == "help":
            self.toggle_help()
        elif action == "back":
            self.back_to_board()
        elif action == "walk_in":
            self.strip.show_info(self.tr("Walk-ins: type the participant in a jot for now; "
                                         "adding walk-ins from the console comes later."))

    def _open(self, panel: QWidget) -> None:
        self.overlay.dismiss()
        self.side.setCurrentWidget(panel)

    def back_to_board(self) -> None:
        self.side.setCurrentWidget(self.segments)
        self.board.setFocus()

    # -- go-around, jots, flags, segments, adjust -----------------------------------------------
    def start_go_around(self) -> None:
        state = self.state
        kind = state.current_segment.kind if state and state.current_segment else ""
        form_id = "checkout" if kind == "checkout" else "checkin"
        try:
            form = svc.forms_catalog().forms.get(form_id)
            if form is None:
                raise ServiceError(self.tr("The {form} form could not be loaded; see the forms "
                                           "folder.").format(form=form_id))
            entries = svc.go_around_order(self.ws, self.session_id, form_id)
        except Exception as error:  # shown in the strip
            self._error(error)
            return
        if not entries:
            self.strip.show_info(self.tr("Nobody is marked in the room yet: mark arrivals first."))
            return
        self._open(self.go_around)
        self.go_around.start(form, entries)
        self.go_around.setFocus()

    def _on_go_around_save(self, participant_id: int) -> None:
        try:
            svc.record_response(self.ws, self.session_id, participant_id,
                                self.go_around.form_id(), self.go_around.answers())
        except Exception as error:  # shown in the strip and the panel
            self._error(error)
            fields = tuple(error.fields) if isinstance(error, ValidationError) else ()
            self.go_around.show_problem(user_message(error), fields)
            return
        self.strip.clear()
        self.refresh()
        self.go_around.advance()

    def _on_go_around_finished(self) -> None:
        self.strip.show_info(self.tr("Go-around done."))
        self.back_to_board()

    def _on_jot_save(self, participant_id: int) -> None:
        pid = None if participant_id == GROUP else participant_id
        if self._act(svc.add_jot, self.session_id, pid, self.jots.text(),
                     done=self.tr("Jot saved.")):
            self.back_to_board()

    def _on_flag_address(self, flag_id: int) -> None:
        if self._act(svc.address_flag, flag_id, self.flags.text(),
                     done=self.tr("Follow-up recorded; the flag is closed.")):
            self.flags.done()
            if not self.flags.model.rowCount():
                self.back_to_board()

    def _on_flag_raise(self, participant_id: int) -> None:
        if self._act(svc.raise_flag, self.session_id, participant_id, self.flags.text(),
                     done=self.tr("Safety flag raised.")):
            self.flags.done()
            self.back_to_board()

    def _on_segment_add(self) -> None:
        parsed = self.segments.new_segment()
        if parsed is None:
            self.strip.show_error(self.tr("Type a title and the minutes, e.g. 'Mindfulness 20'."))
            return
        if self._act(svc.add_segment, self.session_id, "other", parsed[0], parsed[1],
                     keep_focus=True):
            self.segments.done()

    def _on_segment_topic(self, segment_id: int) -> None:
        if self._act(svc.set_segment_topic, segment_id, self.segments.topic_text(),
                     keep_focus=True):
            self.segments.done()

    def _on_adjust_apply(self, participant_id: int) -> None:
        try:
            arrived, departed, reason = self.adjust.values()
        except ValueError:
            self.adjust.show_problem(self.tr("Type times as HH:MM, e.g. 09:05."))
            return
        if self._act(svc.adjust_times, self.session_id, participant_id, reason=reason,
                     arrived_at=arrived, departed_at=departed, done=self.tr("Times adjusted.")):
            self.back_to_board()
        elif self._last_error:
            self.adjust.show_problem(self._last_error)

    # -- console-wide keys ----------------------------------------------------------------------
    def toggle_privacy(self) -> None:
        """F12: swap the whole body for the neutral view, and back."""
        if self.stack.currentWidget() is self.shield:
            self.stack.setCurrentWidget(self._before_shield)
            self.board.setFocus()
        else:
            self.overlay.dismiss()
            self._before_shield = self.stack.currentWidget()
            self.stack.setCurrentWidget(self.shield)
            self.shield.setFocus()

    @property
    def shielded(self) -> bool:
        return self.stack.currentWidget() is self.shield

    def toggle_help(self) -> None:
        if not self.shielded:
            self.overlay.toggle()

    def _on_overlay_closed(self) -> None:
        if self.side.currentWidget() is self.segments and self.stack.currentWidget() is self.body:
            self.board.setFocus()
        else:
            self.side.currentWidget().setFocus()

    def undo(self) -> None:
        if self.shielded or self.stack.currentWidget() is self.summary:
            return
        action = self._act(svc.undo_last, self.session_id)
        if action is not None and action is not True:
            self.strip.show_info(self.tr("Undone: {what}").format(what=action.label))

    def end_block(self) -> None:
        """Ctrl+E twice within a few seconds ends the block (no dialog)."""
        if self.shielded or self.stack.currentWidget() is not self.body:
            return
        now = self.ws.clock.now()
        if self._end_armed is None or now - self._end_armed > timedelta(
                seconds=END_CONFIRM_SECONDS):
            self._end_armed = now
            self.strip.show_info(self.tr("Press Ctrl+E again to end the block."))
            return
        self._end_armed = None
        self._show_summary(svc.end_session)

    def _show_summary(self, call: Callable[[Workspace, int], svc.EndSummary]) -> None:
        try:
            summary = call(self.ws, self.session_id)
        except ServiceError as error:
            self._error(error)
            return
        self.timer.stop()
        self.refresh()
        self.summary.show_summary(summary)
        self.stack.setCurrentWidget(self.summary)

    # -- lock -----------------------------------------------------------------------------------
    def hide_for_lock(self) -> None:
        """The screen locked: hide (the timer keeps running, state stays in the database)."""
        self._was_visible = self.isVisible()
        self.hide()

    def show_after_lock(self) -> None:
        if getattr(self, "_was_visible", False):
            self.refresh()
            self.show()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.timer.stop()
        self.closed.emit(self.session_id)
        super().closeEvent(event)
