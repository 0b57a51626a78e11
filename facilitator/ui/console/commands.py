"""What the console does when a board key or a side panel asks for something.

``ConsoleCommands`` turns one intent (a key, a panel's Enter) into one service call through the
``ConsoleController`` (one committed transaction, then a refresh; errors in the strip), reading
the panels of the view (``ConsoleWindow``), which keeps layout and key dispatch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QStackedWidget, QWidget

from facilitator.services import console as svc
from facilitator.services.console.corrections import KEEP
from facilitator.services.console.dto import AttendanceView, ConsoleState
from facilitator.services.errors import ServiceError, ValidationError
from facilitator.services.workspace import Workspace

from ..errors import user_message
from .adjust import AdjustPanel
from .board import BoardModel, BoardView
from .controller import ConsoleController
from .details import SessionDetailsPanel
from .flags import FlagsPanel
from .go_around import GoAroundPanel
from .header import off_schedule_question
from .jots import GROUP, JotPanel
from .segments import SegmentsPanel
from .style import MessageStrip
from .topic_link import TopicLink
from .topic_picker import FREE_TEXT, TopicPickerPanel
from .walk_in import WalkInPanel


class ConsoleView(Protocol):
    """What the commands use of the view (``window.ConsoleWindow``), named so that neither
    module imports the other."""

    strip: MessageStrip
    board: BoardView
    board_model: BoardModel
    side: QStackedWidget
    segments: SegmentsPanel
    go_around: GoAroundPanel
    jots: JotPanel
    flags: FlagsPanel
    adjust: AdjustPanel
    walk_in: WalkInPanel
    details: SessionDetailsPanel
    topic_picker: TopicPickerPanel
    topics: TopicLink

    def act(self, call: Callable[..., Any], *args: Any, done: str = "",
            keep_focus: bool = False, **kwargs: Any) -> Any: ...

    def open_panel(self, panel: QWidget) -> None: ...

    def back_to_board(self) -> None: ...

# One key each; the service decides what the status means (e.g. present after the grace: late).
ATTENDANCE_CALLS: dict[str, Callable[[Workspace, int, int], AttendanceView]] = {
    "present": svc.mark_present, "late": svc.mark_late, "departed": svc.mark_left,
    "absent": svc.mark_absent, "excused": svc.mark_excused, "telehealth": svc.mark_telehealth,
}
PARTICIPANT_COMMANDS = (*ATTENDANCE_CALLS, "out", "raise_flag", "adjust")


class ConsoleCommands(QObject):
    """What each board key or side panel asks for: reads the panel, calls the controller (one
    intent, one service call), and moves the view to the next panel. Its dependencies are the
    two it is given, the view (``ConsoleWindow``: panels, board, strip) and the controller."""

    def __init__(self, view: ConsoleView, controller: ConsoleController) -> None:
        super().__init__(controller)
        self.view = view
        self.controller = controller
        self._start_armed = False

    @property
    def ws(self) -> Workspace:
        return self.controller.ws

    @property
    def session_id(self) -> int:
        return self.controller.session_id

    @property
    def state(self) -> ConsoleState | None:
        return self.controller.state

    # -- board keys -----------------------------------------------------------------------------
    def participant_command(self, command: str, chosen: AttendanceView) -> None:
        if command in ATTENDANCE_CALLS:
            self.view.act(ATTENDANCE_CALLS[command], self.session_id, chosen.participant_id)
        elif command == "out":
            call = svc.step_back if chosen.is_out else svc.step_out
            self.view.act(call, self.session_id, chosen.participant_id)
        elif command == "raise_flag":
            self.view.open_panel(self.view.flags)
            self.view.flags.begin_raise(chosen.participant_id, chosen.short_name)
        elif command == "adjust" and self.state is not None:
            self.view.open_panel(self.view.adjust)
            self.view.adjust.begin(chosen, self.state.session.session_date)

    def next_segment(self) -> None:
        planned = self.state is not None and self.state.session.status == "planned"
        if planned and self.state is not None:
            # Far off the planned time: ask once in the strip; the same key again starts.
            question = off_schedule_question(self.state.session.planned_start,
                                             self.ws.clock.now(), self.ws.timezone)
            if question and not self._start_armed:
                self._start_armed = True
                self.view.strip.show_info(question + " " + self.tr("Press Space again to start."))
                return
        self._start_armed = False
        self.view.act(svc.start_session if planned else svc.start_next_segment, self.session_id)

    def toggle_break(self) -> None:
        on_break = self.state is not None and self.state.on_break
        self.view.act(svc.end_break if on_break else svc.start_break, self.session_id)

    def mark_everyone_absent(self) -> None:
        """Shift+A: everyone not yet marked becomes absent, as one action (Ctrl+Z undoes)."""
        self.view.act(svc.mark_all_absent, self.session_id,
                  done=self.tr("Everyone not yet marked is now absent. Ctrl+Z undoes it."))

    def open_jot(self) -> None:
        chosen = self.view.board_model.row_view(self.view.board.current_row())
        self.view.open_panel(self.view.jots)
        self.view.jots.begin(chosen.participant_id if chosen else None)

    def open_flags(self) -> None:
        chosen = self.view.board_model.row_view(self.view.board.current_row())
        self.view.open_panel(self.view.flags)
        self.view.flags.begin_address(chosen.participant_id if chosen else None)

    def open_segments(self) -> None:
        self.view.open_panel(self.view.segments)
        self.view.segments.focus_list(at_running=True)

    # -- go-around ------------------------------------------------------------------------------
    def start_go_around(self) -> None:
        state = self.state
        kind = state.current_segment.kind if state and state.current_segment else ""
        form_id = "checkout" if kind == "checkout" else "checkin"
        try:
            form = svc.forms_catalog().forms.get(form_id)
            if form is None:
                raise ServiceError(self.tr("The {form} form could not be loaded; see the forms "
                                           "folder.").format(form=form_id))
        except Exception as error:  # shown in the strip
            self.controller.report(error)
            return
        entries = self.controller.read(svc.go_around_order, self.session_id, form_id)
        if entries is None:
            return
        if not entries:
            self.view.strip.show_info(self.tr("Nobody is marked in the room yet: mark arrivals "
                                              "first."))
            return
        self.view.open_panel(self.view.go_around)
        self.view.go_around.start(form, entries)
        self.view.go_around.setFocus()

    def _on_go_around_save(self, participant_id: int) -> None:
        try:
            svc.record_response(self.ws, self.session_id, participant_id,
                                self.view.go_around.form_id(), self.view.go_around.answers())
        except Exception as error:  # shown in the strip and the panel
            self.controller.report(error)
            fields = tuple(error.fields) if isinstance(error, ValidationError) else ()
            self.view.go_around.show_problem(user_message(error), fields)
            return
        self.view.strip.clear()
        self.controller.refresh()
        self.view.go_around.advance()

    def _on_go_around_finished(self) -> None:
        self.view.strip.show_info(self.tr("Go-around done."))
        self.view.back_to_board()

    # -- jots and flags -------------------------------------------------------------------------
    def _on_jot_save(self, participant_id: int) -> None:
        pid = None if participant_id == GROUP else participant_id
        if self.view.act(svc.add_jot, self.session_id, pid, self.view.jots.text(),
                     done=self.tr("Jot saved.")):
            self.view.back_to_board()

    def _on_flag_address(self, flag_id: int) -> None:
        if self.view.act(svc.address_flag, flag_id, self.view.flags.text(), self.session_id,
                     done=self.tr("Follow-up recorded; the flag is closed.")):
            self.view.flags.done()
            if not self.view.flags.model.rowCount():
                self.view.back_to_board()

    def _on_flag_raise(self, participant_id: int) -> None:
        if self.view.act(svc.raise_flag, self.session_id, participant_id, self.view.flags.text(),
                     done=self.tr("Safety flag raised.")):
            self.view.flags.done()
            self.view.back_to_board()

    # -- segments and topics --------------------------------------------------------------------
    def _on_segment_add(self) -> None:
        parsed = self.view.segments.new_segment()
        if parsed is None:
            self.view.strip.show_error(self.tr("Type a title and the minutes, e.g. "
                                               "'Mindfulness 20'."))
            return
        if self.view.act(svc.add_segment, self.session_id, "other", parsed[0], parsed[1],
                     keep_focus=True):
            self.view.segments.done()

    def open_topic_picker(self, segment_id: int) -> None:
        """T in the segments panel: planned topic, suggestions, then the library."""
        seg = next((g for g in self.state.session.segments if g.id == segment_id),
                   None) if self.state else None
        choices = self.controller.read(svc.topic_choices, segment_id)
        if choices is None:
            return
        self.view.open_panel(self.view.topic_picker)
        self.view.topic_picker.begin_for(segment_id, seg.title if seg else "", choices)

    def _on_topic_query(self, text: str) -> None:
        segment_id = self.view.topic_picker.segment_id
        if segment_id is None:
            return
        choices = self.controller.read(svc.topic_choices, segment_id, text)
        if choices is not None:
            self.view.topic_picker.show_choices(choices)

    def _on_topic_chosen(self, key: object) -> None:
        segment_id = self.view.topic_picker.segment_id
        if segment_id is None:
            return
        if key == FREE_TEXT:
            ok = self.view.act(svc.set_segment_topic, segment_id, self.view.topic_picker.typed(),
                           done=self.tr("Topic recorded (free text)."))
        else:
            ok = self.view.act(svc.deliver_topic, segment_id, str(key),
                           done=self.tr("Topic recorded as taught."))
        if ok:
            self.back_to_segments()
        else:
            self.view.topic_picker.show_problem(self.controller.last_error)

    def back_to_segments(self) -> None:
        self.view.side.setCurrentWidget(self.view.segments)
        self.view.segments.focus_list()

    def toggle_presenter(self) -> None:
        """V: the presenter window with the running topic (curriculum text only)."""
        if self.view.topics.toggle_presenter():
            self.view.strip.show_info(self.tr("Presenter view open: it shows only the running "
                                         "topic. V closes it."))
        else:
            self.view.strip.show_info(self.tr("Presenter view closed."))

    # -- adjust, walk-ins, session info ---------------------------------------------------------
    def _on_adjust_apply(self, participant_id: int) -> None:
        try:
            changes = self.view.adjust.values()
        except ValueError:
            self.view.adjust.show_problem(self.tr("Type times as HH:MM, e.g. 09:05."))
            return
        if changes.empty:
            self.view.adjust.show_problem(self.tr("Nothing changed: edit a time first."))
            return
        arrived, departed = changes.times if changes.times is not None else (KEEP, KEEP)
        if not self.view.act(svc.correct_attendance, self.session_id, participant_id,
                         reason=changes.reason, arrived_at=arrived, departed_at=departed,
                         intervals=changes.intervals):
            self.view.adjust.show_problem(self.controller.last_error)
            return
        self.view.strip.show_info(self.tr("Times adjusted."))
        self.view.back_to_board()

    def open_walk_in(self) -> None:
        candidates = self.controller.read(svc.walk_in_candidates, self.session_id)
        if candidates is None:
            return
        self.view.open_panel(self.view.walk_in)
        self.view.walk_in.begin_with(candidates)

    def _on_walk_in_chosen(self, participant_id: object) -> None:
        pid = int(participant_id)  # type: ignore[call-overload]
        if self.view.act(svc.add_walk_in, self.session_id, pid,
                     done=self.tr("Walk-in added and marked arrived.")):
            self.view.back_to_board()
            self.view.board.select_row(self.view.board_model.row_of(pid))
        else:
            self.view.walk_in.show_problem(self.controller.last_error)

    def open_details(self) -> None:
        if self.state is None:
            return
        choices = self.controller.read(svc.facilitator_choices)
        if choices is None:
            return
        lead = self.state.session.lead_facilitator_id
        names = {c.user_id: c.display_name for c in choices}
        names.setdefault(self.ws.actor.user_id, self.ws.actor.display_name)
        self.view.open_panel(self.view.details)
        self.view.details.begin(self.state.session, choices,
                           names.get(lead, self.tr("not set yet")) if lead else
                           self.tr("not set yet (whoever starts the block)"))

    def _on_details_save(self) -> None:
        if self.state is None:
            return
        session = self.state.session
        modality, location, co = self.view.details.values()
        lead = session.lead_facilitator_id
        changed = ((modality, location) != (session.modality, session.location)
                   or co != set(session.facilitator_ids) - {lead})
        if changed and not self.view.act(svc.update_session_info, self.session_id,
                                     modality=modality, location=location,
                                     co_facilitator_ids=sorted(co)):
            self.view.details.show_problem(self.controller.last_error)
            return
        self.view.strip.show_info(self.tr("Session info saved.") if changed
                             else self.tr("Nothing changed."))
        self.view.back_to_board()
