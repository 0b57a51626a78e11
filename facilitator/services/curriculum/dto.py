"""Frozen views and drafts the curriculum services return and accept (no ORM objects escape)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

SHIPPED, CLINIC = "shipped", "clinic"


@dataclass(frozen=True)
class ModuleView:
    key: str
    title: str
    approach: str
    description: str
    core: bool
    version: int
    source: str
    retired: bool
    topic_count: int = 0


@dataclass(frozen=True)
class TopicSummary:
    """One row of the library's topic list (current version)."""

    key: str
    title: str
    module_key: str
    module_title: str
    version: int
    duration_min: int
    source: str
    retired: bool


@dataclass(frozen=True)
class TopicView:
    """A topic's full text at one version: what the presenter view and the note can show."""

    key: str
    module_key: str
    module_title: str
    version_id: int
    version: int
    title: str
    duration_min: int
    objectives: tuple[str, ...]
    key_points: tuple[str, ...]
    activity: str
    discussion_prompts: tuple[str, ...]
    homework: str
    handout: str
    intervention_phrases: tuple[str, ...]
    source: str
    retired: bool
    is_current: bool = True


@dataclass(frozen=True)
class TopicDraft:
    """What a clinic types to add or edit a topic. List fields hold one item per entry."""

    title: str
    duration_min: int = 45
    objectives: tuple[str, ...] = ()
    key_points: tuple[str, ...] = ()
    activity: str = ""
    discussion_prompts: tuple[str, ...] = ()
    homework: str = ""
    handout: str = ""
    intervention_phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModuleDraft:
    title: str
    approach: str = "Clinic"
    description: str = ""
    core: bool = False


@dataclass(frozen=True)
class SyncReport:
    modules_added: int
    topics_added: int
    versions_added: int
    problems: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.modules_added or self.topics_added or self.versions_added)


# -- planning ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanEntry:
    """One plan cell: cycle week (0-based), ISO weekday, module slot, topic key."""

    week: int
    weekday: int
    slot: int
    topic_key: str


@dataclass(frozen=True)
class PlanCell:
    week: int
    weekday: int
    slot: int
    topic_key: str
    title: str
    retired: bool


@dataclass(frozen=True)
class PlanView:
    group_id: int
    group_name: str
    cycle_weeks: int
    start_date: date
    weekdays: tuple[int, ...]
    slots: int  # module segments per block, from the group's template
    cells: tuple[PlanCell, ...]
    exists: bool = True

    @property
    def retired_cells(self) -> tuple[PlanCell, ...]:
        return tuple(c for c in self.cells if c.retired)

    @property
    def unplaced_cells(self) -> tuple[PlanCell, ...]:
        """Entries in a module slot the block does not have: clinic sync gives a topic planned
        in one slot on two laptops apart the next slot free (``services.sync.cells``), and a
        block may have lost a module segment since. The grid cannot show them; saving the
        plan again leaves them out."""
        return tuple(c for c in self.cells if c.slot >= self.slots)


@dataclass(frozen=True)
class PlannedSlot:
    slot: int
    topic_key: str | None
    title: str
    retired: bool


@dataclass(frozen=True)
class CalendarDay:
    day: date
    weekday: int
    cycle_week: int  # 0-based
    slots: tuple[PlannedSlot, ...]


# -- delivery and coverage -----------------------------------------------------------------------
@dataclass(frozen=True)
class DeliveryView:
    id: int
    session_id: int
    segment_id: int | None
    topic_key: str
    topic_version_id: int
    version: int
    title: str
    delivered_at: datetime


@dataclass(frozen=True)
class AttendedTopic:
    topic_key: str
    title: str
    module_key: str
    first_date: date
    last_date: date
    times: int


@dataclass(frozen=True)
class ModuleCoverage:
    module_key: str
    title: str
    core: bool
    attended: int
    total: int
    required: int  # topics needed for the module to count as covered
    covered: bool


@dataclass(frozen=True)
class CoverageView:
    participant_id: int
    attended: tuple[AttendedTopic, ...]
    modules: tuple[ModuleCoverage, ...]
    not_yet_in_cycle: tuple[TopicSummary, ...]
    ready_for_step_down: bool
    missing_core: tuple[str, ...] = field(default_factory=tuple)  # titles of uncovered core modules


@dataclass(frozen=True)
class Suggestion:
    topic: TopicSummary
    not_had: int  # how many of today's participants have not had it
    participants: int
    planned: bool  # it is the plan's topic for this slot today
