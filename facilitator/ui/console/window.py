"""The console window: composes the header, board and side panels, and is their controller.

Widgets emit intent signals; this window calls ``facilitator.services.console`` (each call one
committed transaction) and then refreshes from ``console_state``. A 1-second QTimer refreshes the
view; times come from stored wall-clock times and ``ws.clock.now()``, never from counting ticks,
so a hidden (locked) or resumed window is right at once. Errors show in the message strip; no
dialog ever opens while the block runs. What each key or panel does lives in ``commands.py``;
the curriculum link (planned topics, presenter window) in ``topic_link.py``.
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
from facilitator.services.errors import ServiceError
from facilitator.services.workspace import Workspace

from ..errors import user_message
from .adjust import AdjustPanel
from .board import BoardModel, BoardView
from .commands import PARTICIPANT_COMMANDS, ConsoleCommands
from .controller import ConsoleController
from .details import SessionDetailsPanel
from .end_summary import EndSummaryView
from .flags import FlagsModel, FlagsPanel
from .go_around import GoAroundPanel
from .header import ConsoleHeader
from .jots import JotPanel, Pickable
from .keymap import (
    CONSOLE_WIDE,
    KEY_TO_COMMAND,
    SHIFT_TO_COMMAND,
    participant_index,
    participant_key,
)
from .privacy import PrivacyShield
from .segments import SegmentModel, SegmentsPanel
from .shortcuts import ShortcutsOverlay
from .style import MessageStrip, scaled_font
from .topic_link import TopicLink
from .topic_picker import TopicPickerPanel
from .walk_in import WalkInPanel

REFRESH_MS = 1000
END_CONFIRM_SECONDS = 10


class ConsoleWindow(QMainWindow):
    """The view of one session's console (running, planned or ended): layout, panels and key
    dispatch. The ``controller`` owns the session, its state and every service call; the
    ``commands`` turn a key or a panel's Enter into one controller call."""

    closed = Signal(int)
    """The window of this session id was closed (the block keeps running until ended)."""
    notes_requested = Signal(int)
    """"Write notes" in the end summary: the session whose notes to open."""

    def __init__(self, ws: Workspace, session_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.session_id = session_id
        self.controller = ConsoleController(ws, session_id, self)
        self._end_armed: datetime | None = None
        self.setWindowTitle(self.tr("Facilitator — live block"))
        self._build_ui()
        self.commands = ConsoleCommands(self, self.controller)
        self._connect_signals()
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.refresh()
        if self.state is not None and self.state.session.status == "ended":
            self._show_summary(self.controller.read(svc.end_summary, self.session_id))
        else:
            self.timer.start()
        self.board.setFocus()

    # -- building -------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        tz = self.ws.timezone
        self.header = ConsoleHeader(tz)
        self.strip = MessageStrip(keep_place=True)
        self.board_model = BoardModel(tz, self)
        self.board = BoardView()
        self.board.setModel(self.board_model)
        self.segments = SegmentsPanel(SegmentModel(tz, self))
        self.flags = FlagsPanel(FlagsModel(tz, self))
        self.go_around = GoAroundPanel()
        self.jots = JotPanel()
        self.adjust = AdjustPanel(tz)
        self.walk_in = WalkInPanel()
        self.details = SessionDetailsPanel()
        self.topic_picker = TopicPickerPanel()
        self.topics = TopicLink(self.controller, self)
        self.side = QStackedWidget()
        for panel in (self.segments, self.go_around, self.jots, self.flags, self.adjust,
                      self.walk_in, self.details, self.topic_picker):
            self.side.addWidget(panel)
        # One line, never wrapped (a wrap moves the board): the most used keys; F1 has all.
        self.footer = QLabel(self.tr(
            "1–9 pick · P present · L late · O out/back · D left · A absent · W walk-in · "
            "Space next · B break · G go-around · J jot · F flags · S segments · "
            "Ctrl+Z undo · F12 privacy · Ctrl+L lock · F1 all keys"))
        self.footer.setFont(scaled_font(0.95))
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
        # Never taller or wider than the screen (a 1280×720 laptop cut the footer off).
        area = self.screen().availableGeometry()
        self.resize(min(1280, area.width()), min(800, area.height()))

    def _connect_signals(self) -> None:
        self.controller.state_changed.connect(self._show_state)
        self.controller.failed.connect(self.strip.show_error)
        self.controller.done.connect(self.strip.show_info)
        c = self.commands
        self.go_around.save_requested.connect(c._on_go_around_save)
        self.go_around.close_requested.connect(self.back_to_board)
        self.go_around.finished.connect(c._on_go_around_finished)
        self.go_around.person_changed.connect(
            lambda pid: self.board.select_row(self.board_model.row_of(pid)))
        self.jots.save_requested.connect(c._on_jot_save)
        self.jots.close_requested.connect(self.back_to_board)
        self.flags.address_requested.connect(c._on_flag_address)
        self.flags.raise_requested.connect(c._on_flag_raise)
        self.flags.close_requested.connect(self.back_to_board)
        self.segments.close_requested.connect(self.back_to_board)
        self.segments.move_requested.connect(
            lambda sid, pos: self.act(svc.move_segment, sid, pos, keep_focus=True))
        self.segments.skip_requested.connect(
            lambda sid: self.act(svc.skip_segment, sid, keep_focus=True))
        self.segments.add_requested.connect(c._on_segment_add)
        self.segments.topic_requested.connect(c.open_topic_picker)
        self.topic_picker.query_changed.connect(c._on_topic_query)
        self.topic_picker.chosen.connect(c._on_topic_chosen)
        self.topic_picker.close_requested.connect(c.back_to_segments)
        self.adjust.apply_requested.connect(c._on_adjust_apply)
        for panel in (self.adjust, self.walk_in, self.details):
            panel.close_requested.connect(self.back_to_board)
        self.walk_in.chosen.connect(c._on_walk_in_chosen)
        self.details.save_requested.connect(c._on_details_save)
        self.summary.close_requested.connect(self.close)
        self.summary.notes_requested.connect(lambda: self.notes_requested.emit(self.session_id))
        self.summary.flags.address_requested.connect(self._on_summary_flag_address)
        self.summary.flags.close_requested.connect(self.summary.close_button.setFocus)
        self.overlay.closed.connect(self._on_overlay_closed)

    # -- state ----------------------------------------------------------------------------------
    @property
    def state(self) -> ConsoleState | None:
        """The latest state the controller read (None before the first successful read)."""
        return self.controller.state

    def refresh(self) -> None:
        """Re-read the whole console state at ``ws.clock.now()`` and show it."""
        self.controller.refresh()

    def _show_state(self, state: ConsoleState) -> None:
        self.topics.update(state)
        self.header.show_state(state, self.topics.running_title())
        self.shield.show_state(state)
        self.board_model.set_rows(state.attendance, state.now)
        self.segments.model.set_segments(state.session.segments, self.topics.planned_titles())
        names = {a.participant_id: a.short_name for a in state.attendance}
        self.flags.model.set_flags(state.open_flags, names)
        self.jots.set_people([Pickable(a.participant_id, participant_key(i), a.short_name)
                              for i, a in enumerate(state.attendance)])

    def act(self, call: Callable[..., Any], *args: Any, done: str = "",
            keep_focus: bool = False, **kwargs: Any) -> Any:
        """One intent through the controller (one committed transaction, then a refresh);
        the keys go back to the board unless ``keep_focus``. None on error (already shown)."""
        result = self.controller.call(call, *args, done=done, **kwargs)
        if result is not None and not keep_focus and self.side.currentWidget() is self.segments:
            self.board.setFocus()
        return result

    def open_panel(self, panel: QWidget) -> None:
        self.overlay.dismiss()
        self.side.setCurrentWidget(panel)

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
        shifted = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        command = ("help" if event.text() == "?" else SHIFT_TO_COMMAND.get(event.key()) if shifted
                   else KEY_TO_COMMAND.get(event.key()))
        index = participant_index(event.text()) if len(event.text()) == 1 else None
        if command is not None:
            self.run_command(command)
        elif index is not None:
            self.board.select_row(index)
            self.board.setFocus()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def run_command(self, command: str) -> None:
        """One board command by name (see ``keymap.BOARD_COMMANDS``)."""
        if command in PARTICIPANT_COMMANDS:
            chosen = self.selected()
            if chosen is None:
                self.strip.show_info(self.tr("Pick a participant first: press the key on "
                                             "their tile (1–9, 0, …)."))
                return
            self.commands.participant_command(command, chosen)
            return
        c = self.commands
        handlers: dict[str, Callable[[], None]] = {
            "next_segment": c.next_segment, "break": c.toggle_break,
            "go_around": c.start_go_around, "jot": c.open_jot, "flags": c.open_flags,
            "segments": c.open_segments, "help": self.toggle_help, "back": self.back_to_board,
            "walk_in": c.open_walk_in, "all_absent": c.mark_everyone_absent,
            "info": c.open_details, "presenter": c.toggle_presenter,
        }
        handler = handlers.get(command)
        if handler is not None:
            handler()

    def back_to_board(self) -> None:
        self.side.setCurrentWidget(self.segments)
        self.board.setFocus()

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
        if self.overlay.return_target() is not None:
            return  # the overlay gave the keys back to where they were (e.g. a jot's text)
        if self.side.currentWidget() is self.segments and self.stack.currentWidget() is self.body:
            self.board.setFocus()
        else:
            self.side.currentWidget().setFocus()

    def undo(self) -> None:
        if self.shielded or self.stack.currentWidget() is self.summary:
            return
        self.controller.undo()

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
        self._show_summary(self.controller.call(svc.end_session, self.session_id))

    def _show_summary(self, summary: svc.EndSummary | None) -> None:
        """The end-of-block page, from ``end_session`` (Ctrl+E twice) or the ``end_summary``
        query (a console opened on an ended block); None: the call failed and said why."""
        if summary is None:
            return
        self.timer.stop()
        self.refresh()
        self.summary.show_summary(summary)
        self._show_summary_flags()
        self.stack.setCurrentWidget(self.summary)

    def _show_summary_flags(self) -> None:
        if self.state is not None:
            self.summary.show_flags(self.state.open_flags, {
                a.participant_id: a.short_name for a in self.state.attendance})

    def _on_summary_flag_address(self, flag_id: int) -> None:
        """A flag addressed after the block, from the summary (the block stays ended)."""
        text = self.summary.flags.text()
        try:
            svc.address_flag(self.ws, flag_id, text, self.session_id)
            summary = svc.end_summary(self.ws, self.session_id)
        except ServiceError as error:
            self.summary.flags.hint.setText("⚠ " + user_message(error))
            return
        self.refresh()
        self.summary.show_summary(summary)
        self._show_summary_flags()

    # -- lock -----------------------------------------------------------------------------------
    def hide_for_lock(self) -> None:
        """The screen locked: hide (the timer keeps running, state stays in the database)."""
        self._was_visible = self.isVisible()
        self.hide()

    def show_after_lock(self) -> None:
        if getattr(self, "_was_visible", False):
            self.refresh()
            self.show()
            self.raise_()  # back in front of the main window that showed the lock screen
            self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.timer.stop()
        self.topics.close_presenter()
        self.closed.emit(self.session_id)
        super().closeEvent(event)
