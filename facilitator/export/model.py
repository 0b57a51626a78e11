"""The plain document model the PDF renderers draw from.

Services fill these frozen dataclasses from the database; the renderers never query anything.
Nothing here knows ReportLab, so a service builds a document without importing it. Times are
timezone-aware datetimes; the renderer shows them in ``ClinicInfo.timezone`` (the clinic's zone),
whatever zone the service handed them in. Text is plain Unicode: no markup, any script.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

#: 42 CFR 2.32 short-form redisclosure notice (legally required wording; REFERENCE.md). Used when
#: a substance-use program's own notice setting is empty, so such an export never lacks one.
PART2_SHORT_NOTICE = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."

ProgramKind = Literal["sud", "mh"]
SignatureMeaning = Literal["author", "co-signer", "reviewer"]
NoteFormat = Literal["DAP", "BIRP", "SOAP", "GIRP"]


def _aware(value: datetime | None, what: str) -> None:
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")


@dataclass(frozen=True)
class ClinicInfo:
    name: str
    address: str
    timezone: ZoneInfo


@dataclass(frozen=True)
class ExportMeta:
    """Who exported, when, and why. ``exported_by`` is already formatted ("Dana Reyes, LCSW")."""

    exported_at: datetime
    exported_by: str
    purpose: str = "internal"

    def __post_init__(self) -> None:
        _aware(self.exported_at, "exported_at")


@dataclass(frozen=True)
class ParticipantInfo:
    legal_name: str
    preferred_name: str
    chart_id: str
    date_of_birth: date | None = None


@dataclass(frozen=True)
class ProgramInfo:
    """A program as exports need it. ``redisclosure_notice`` is the program's Part 2 setting;
    it is printed only when ``kind == "sud"`` (empty falls back to the short form)."""

    name: str
    kind: ProgramKind
    redisclosure_notice: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("sud", "mh"):
            raise ValueError(f"program kind must be 'sud' or 'mh', not {self.kind!r}")

    @property
    def notice(self) -> str:
        """The notice the export carries on its first page, or "" for a mental-health program."""
        if self.kind != "sud":
            return ""
        return self.redisclosure_notice.strip() or PART2_SHORT_NOTICE


@dataclass(frozen=True)
class SignatureInfo:
    signer: str
    credentials: str
    role: str
    meaning: SignatureMeaning
    signed_at: datetime
    sha256: str

    def __post_init__(self) -> None:
        _aware(self.signed_at, "signed_at")


@dataclass(frozen=True)
class AddendumDoc:
    written_at: datetime
    author: str
    reason: str
    text: str
    signatures: tuple[SignatureInfo, ...] = ()

    def __post_init__(self) -> None:
        _aware(self.written_at, "written_at")


@dataclass(frozen=True)
class ReviewInfo:
    status: str  # e.g. "approved", "returned", "pending"
    reviewer: str
    at: datetime | None = None
    comment: str = ""

    def __post_init__(self) -> None:
        _aware(self.at, "review time")


@dataclass(frozen=True)
class SectionDoc:
    title: str
    text: str


@dataclass(frozen=True)
class ScoreDoc:
    measure: str  # "PHQ-9"
    total: int | float
    band: str  # "moderate"


@dataclass(frozen=True)
class GoalDoc:
    goal: str
    rating: str = ""  # e.g. "progressing"
    comment: str = ""


@dataclass(frozen=True)
class SafetyFlagDoc:
    message: str
    follow_up: str = ""


@dataclass(frozen=True)
class NoteDoc:
    """One participant's progress note for one session, everything the chart copy shows."""

    participant: ParticipantInfo
    program: ProgramInfo
    level_of_care: str
    session_date: date
    planned_start: datetime | None
    planned_end: datetime | None
    actual_start: datetime | None
    actual_end: datetime | None
    arrival: datetime | None
    departure: datetime | None
    attendance_status: str
    minutes_of_service: int
    out_of_room_minutes: int
    service_code: str
    units: int | float
    units_explanation: str
    modality: str
    location: str
    facilitators: tuple[str, ...]
    note_format: NoteFormat
    group_sections: tuple[SectionDoc, ...] = ()
    individual_sections: tuple[SectionDoc, ...] = ()
    check_facts: tuple[tuple[str, str], ...] = ()
    scores: tuple[ScoreDoc, ...] = ()
    goals: tuple[GoalDoc, ...] = ()
    safety_flags: tuple[SafetyFlagDoc, ...] = ()
    signatures: tuple[SignatureInfo, ...] = ()
    late_entry_label: str | None = None
    addenda: tuple[AddendumDoc, ...] = ()
    review: ReviewInfo | None = None
    signed: bool = False
    group_name: str = ""

    def __post_init__(self) -> None:
        for what in ("planned_start", "planned_end", "actual_start", "actual_end", "arrival",
                     "departure"):
            _aware(getattr(self, what), what)


@dataclass(frozen=True)
class SegmentDoc:
    title: str
    kind: str  # "check-in", "module", "break", "process", "check-out"...
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    skipped: bool = False


@dataclass(frozen=True)
class SignInRow:
    participant: str  # display name as the sheet shows it
    arrival: datetime | None
    departure: datetime | None
    minutes: int
    status: str


@dataclass(frozen=True)
class SessionPacketDoc:
    clinic: ClinicInfo
    meta: ExportMeta
    group_name: str
    program: ProgramInfo
    session_date: date
    planned_start: datetime | None
    planned_end: datetime | None
    actual_start: datetime | None
    actual_end: datetime | None
    segments: tuple[SegmentDoc, ...] = ()
    topics: tuple[str, ...] = ()
    facilitators: tuple[str, ...] = ()
    sign_in: tuple[SignInRow, ...] = ()
    notes: tuple[NoteDoc, ...] = ()


@dataclass(frozen=True)
class NoteExportDoc:
    """A single note as its own export: the note plus the clinic and export facts."""

    clinic: ClinicInfo
    meta: ExportMeta
    note: NoteDoc


@dataclass(frozen=True)
class AttendanceRow:
    day: date
    group: str
    status: str
    minutes: int


@dataclass(frozen=True)
class WeeklyHoursRow:
    week_start: date
    minutes: int
    weekly_minimum: int  # minutes the program requires per week


@dataclass(frozen=True)
class TrendPoint:
    """One day's values; ``None`` means no data that day (a gap in the line, never a zero)."""

    day: date
    mood: float | None = None
    craving: float | None = None
    anxiety: float | None = None
    phq9_total: float | None = None
    gad7_total: float | None = None


@dataclass(frozen=True)
class ParticipantRecordDoc:
    clinic: ClinicInfo
    meta: ExportMeta
    participant: ParticipantInfo
    program: ProgramInfo
    date_from: date
    date_to: date
    notes: tuple[NoteDoc, ...] = ()
    attendance: tuple[AttendanceRow, ...] = ()
    weekly_hours: tuple[WeeklyHoursRow, ...] = ()
    trend: tuple[TrendPoint, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.date_to < self.date_from:
            raise ValueError("the date range ends before it starts")


@dataclass(frozen=True)
class DisclosureRow:
    when: datetime
    by: str
    recipient: str
    purpose: str
    document_type: str
    file_name: str

    def __post_init__(self) -> None:
        _aware(self.when, "disclosure time")


@dataclass(frozen=True)
class DisclosureLogDoc:
    clinic: ClinicInfo
    meta: ExportMeta
    participant: ParticipantInfo
    rows: tuple[DisclosureRow, ...] = ()
    program: ProgramInfo | None = None  # a Part 2 program's log carries its notice too


@dataclass(frozen=True)
class RenderResult:
    """A rendered PDF. ``replaced_characters`` lists (once each, in order of appearance) the
    characters no shipped font could draw; they were printed as a visible replacement mark."""

    pdf: bytes
    pages: int
    replaced_characters: tuple[str, ...] = ()
