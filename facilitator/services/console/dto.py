"""What the live console services return: frozen dataclasses, never ORM objects.

Times are aware UTC datetimes (show them in ``ws.timezone``); durations are whole seconds so the
UI only formats them. Timers in ``ConsoleState`` are computed at ``ConsoleState.now`` from stored
wall-clock times, never from counting ticks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..errors import ServiceError

# Attendance statuses that mean "in the block" (minutes accrue while not out of the room).
ATTENDING = ("present", "late", "left_early", "telehealth")
# Statuses that mean "not coming": no minutes, not in the go-around.
NOT_ATTENDING = ("absent", "excused")
# Arriving more than this many minutes after the block started marks a participant late.
LATE_GRACE_MINUTES = 5


class ClockMovedBack(ServiceError):
    """The machine clock reads earlier than the last recorded console action.

    Raised before anything is written, so nothing is changed. The UI should show the message and
    ask the therapist to check the computer's date and time.
    """


@dataclass(frozen=True)
class SegmentView:
    id: int
    position: int
    kind: str  # checkin, module, break, process, checkout, other
    title: str
    planned_minutes: int
    actual_start: datetime | None
    actual_end: datetime | None
    skipped: bool
    topic_text: str
    # Link to a curriculum topic version (set by the curriculum work; no FK yet), or None.
    topic_version_id: int | None

    @property
    def running(self) -> bool:
        return self.actual_start is not None and self.actual_end is None

    @property
    def done(self) -> bool:
        return self.actual_end is not None

    @property
    def pending(self) -> bool:
        """Not started and not skipped: still to come."""
        return self.actual_start is None and not self.skipped


@dataclass(frozen=True)
class SessionView:
    id: int
    group_id: int
    group_name: str
    program_id: int
    session_date: date
    status: str  # planned, running, ended, not_held
    planned_start: datetime
    planned_end: datetime
    actual_start: datetime | None
    actual_end: datetime | None
    modality: str  # in_person, telehealth
    location: str
    not_held_reason: str
    lead_facilitator_id: int | None
    facilitator_ids: tuple[int, ...]  # everyone facilitating, lead included
    segments: tuple[SegmentView, ...]


@dataclass(frozen=True)
class TodayEntry:
    """One group meeting today (from its schedule) or an ad hoc session dated today, or a block
    of an earlier day still running (``earlier``: nobody ended it; ``ending.end_session``)."""

    group_id: int
    group_name: str
    planned_start: datetime
    planned_end: datetime
    session_id: int | None  # None: nothing planned yet (``open_today_session`` creates it)
    status: str  # "unplanned" when session_id is None, else the session status
    roster_size: int  # participants enrolled on today's date (an earlier block: its roster)
    earlier: bool = False


@dataclass(frozen=True)
class OutOfRoomView:
    id: int
    left_at: datetime
    returned_at: datetime | None  # None: still out


@dataclass(frozen=True)
class AttendanceView:
    """One participant's row/tile on the attendance board, with live minutes."""

    attendance_id: int
    participant_id: int
    chart_id: str
    short_name: str  # preferred name or legal name: what the therapist calls them
    display_name: str
    status: str  # expected, present, late, left_early, absent, excused, telehealth
    arrived_at: datetime | None
    departed_at: datetime | None
    walk_in: bool
    out_of_room: tuple[OutOfRoomView, ...]
    minutes_today: int
    daily_minimum: int
    week_minutes: int  # this ISO week (clinic time zone), today's live minutes included
    weekly_minimum: int
    checked_in: bool
    checked_out: bool
    open_flags: int  # high-severity flags not yet addressed

    @property
    def is_out(self) -> bool:
        """Stepped out and not back yet."""
        return any(o.returned_at is None for o in self.out_of_room)

    @property
    def is_here(self) -> bool:
        """Arrived, not departed, not out of the room."""
        return (self.arrived_at is not None and self.departed_at is None and not self.is_out
                and self.status in ATTENDING)

    @property
    def daily_met(self) -> bool:
        return self.minutes_today >= self.daily_minimum

    @property
    def weekly_met(self) -> bool:
        return self.week_minutes >= self.weekly_minimum


@dataclass(frozen=True)
class AllAbsent:
    """What "everyone absent" did: how many it marked now (not those absent already)."""

    marked: int
    attendance: list[AttendanceView]


@dataclass(frozen=True)
class FlagView:
    id: int
    participant_id: int
    session_id: int | None
    response_id: int | None
    code: str  # e.g. phq9-item9, safety-positive, facilitator
    severity: str  # "high" stays open on the tile until addressed; "moderate" is informational
    message: str
    raised_at: datetime
    addressed_at: datetime | None
    follow_up: str

    @property
    def open(self) -> bool:
        return self.severity == "high" and self.addressed_at is None


@dataclass(frozen=True)
class ResponseView:
    id: int
    session_id: int | None
    participant_id: int
    form_id: str
    form_version: str
    answers: dict[str, Any]
    total: int | None
    band: str | None
    summary: str
    at: datetime
    flags: tuple[FlagView, ...]


@dataclass(frozen=True)
class GoAroundEntry:
    participant_id: int
    short_name: str
    status: str
    answered: bool  # already has a response to the form asked about


@dataclass(frozen=True)
class JotView:
    id: int
    session_id: int
    participant_id: int | None
    at: datetime
    text: str


@dataclass(frozen=True)
class ActionView:
    """One entry of the per-session action log (what Ctrl+Z would revert)."""

    seq: int
    kind: str  # e.g. attendance.present, segment.next, jot.added
    label: str  # short human text, no PHI: "Mark arrival", "Start next segment"
    at: datetime
    undone: bool


@dataclass(frozen=True)
class ConsoleState:
    """Everything the console shows, computed at ``now`` in a few queries.

    Durations are seconds. ``segment_remaining_s`` is never negative; an overrun shows in
    ``overrun_s`` (> 0) instead. ``clock_problem`` is a human message when the machine clock reads
    earlier than the last stored action; everything is then computed at that last stored instant
    (``now`` says which), so timers never run backwards or go negative.
    """

    session: SessionView
    now: datetime
    current_segment: SegmentView | None
    next_segment: SegmentView | None
    segment_elapsed_s: int
    segment_remaining_s: int
    overrun_s: int
    session_elapsed_s: int
    session_remaining_s: int  # until the planned end, never negative
    on_break: bool
    attendance: tuple[AttendanceView, ...]
    open_flags: tuple[FlagView, ...]
    last_action: ActionView | None  # the action undo would revert, or None
    clock_problem: str | None

    @property
    def overrun(self) -> bool:
        return self.overrun_s > 0


@dataclass(frozen=True)
class EndRow:
    participant_id: int
    short_name: str
    status: str
    arrived_at: datetime | None
    departed_at: datetime | None
    minutes: int
    daily_minimum: int
    daily_met: bool
    checked_in: bool
    checked_out: bool
    open_flags: int
    week_minutes: int = 0  # this ISO week, this block included
    weekly_minimum: int = 0

    @property
    def weekly_met(self) -> bool:
        return self.week_minutes >= self.weekly_minimum


@dataclass(frozen=True)
class EndSummary:
    session: SessionView
    rows: tuple[EndRow, ...]
    unfinished: tuple[str, ...]  # human lines: missing check-outs, open flags, unmarked people


@dataclass(frozen=True)
class WeekMinutes:
    participant_id: int
    week_start: date  # Monday of the ISO week
    minutes: int
    weekly_minimum: int

    @property
    def met(self) -> bool:
        return self.minutes >= self.weekly_minimum


@dataclass(frozen=True)
class WalkInCandidate:
    """Someone who may be added to a running block as a walk-in (see ``walk_in_candidates``)."""

    participant_id: int
    chart_id: str
    short_name: str
    display_name: str
    in_this_group: bool  # enrolled in this group that day, just not on the list yet
    group_name: str  # the group whose enrollment covers the date (this group first)


@dataclass(frozen=True)
class FacilitatorChoice:
    """An active therapist or supervisor who can co-facilitate a block."""

    user_id: int
    display_name: str
    credentials: str
    role: str


@dataclass(frozen=True)
class TopicChoice:
    """One row of the console's topic picker: the plan's topic, a suggestion or a library hit."""

    topic_key: str
    title: str
    module_title: str
    kind: str  # planned, suggested, library
    not_had: int | None  # of today's participants, how many have not had it (suggestions only)
    participants: int | None
