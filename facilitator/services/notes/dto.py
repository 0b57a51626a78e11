"""What the notes services return: frozen dataclasses, never ORM objects.

Times are aware UTC datetimes; ``facts`` dicts are canonical (datetimes as ``...Z`` strings,
see ``canonical.py``) because they are exactly what a signature covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .checks import CloneFinding, NameFinding
from .formats import SectionSpec


@dataclass(frozen=True)
class QueueEntry:
    """One ended session whose notes the signed-in facilitator still owes."""

    session_id: int
    group_name: str
    session_date: date
    planned_start: datetime
    deadline: datetime
    needed: int  # participants who need a note (attended, or absent with absence notes on)
    drafted: int
    signed: int  # signed by the author (awaiting co-signature or final)
    returned: int

    @property
    def owed(self) -> int:
        return self.needed - self.signed


@dataclass(frozen=True)
class NoteRow:
    """A participant of a session and where their note stands."""

    participant_id: int
    short_name: str
    display_name: str
    chart_id: str
    attendance_status: str
    kind: str  # "session" or "absence"
    note_id: int | None
    state: str  # "none", "draft", "awaiting_cosign", "final"
    returned_comment: str
    late: bool


@dataclass(frozen=True)
class SessionNotes:
    session_id: int
    group_name: str
    session_date: date
    status: str
    deadline: datetime | None
    can_write: bool  # the signed-in user may write and sign these notes
    rows: tuple[NoteRow, ...]


@dataclass(frozen=True)
class GoalEntry:
    """A goal as the editor shows it, with what this revision says about it."""

    goal_id: int
    text: str
    status: str  # open, met, dropped; "" for a goal as a signed revision states it
    addressed: bool
    rating: str
    comment: str


@dataclass(frozen=True)
class SignatureView:
    signer: str
    credentials: str
    role: str
    meaning: str
    signed_at: datetime
    sha256: str


@dataclass(frozen=True)
class RevisionView:
    number: int
    signed_at: datetime | None
    signatures: tuple[SignatureView, ...]
    sections: dict[str, str]
    returned_comment: str  # the supervisor's comment when this revision was returned
    # The number its signature covers, where clinic sync numbered it otherwise (two revisions
    # of one note signed on two laptops apart, ``services.sync.numbering``); None elsewhere.
    signed_as: int | None = None


@dataclass(frozen=True)
class AddendumView:
    id: int
    author: str
    written_at: datetime
    reason: str
    text: str
    signatures: tuple[SignatureView, ...]


@dataclass(frozen=True)
class ReviewView:
    reviewer: str
    at: datetime
    decision: str
    comment: str


@dataclass(frozen=True)
class FlagItem:
    id: int
    message: str
    open: bool
    follow_up: str


@dataclass(frozen=True)
class NoteView:
    """Everything the note editor shows: the draft (or the signed text), facts, history."""

    note_id: int
    session_id: int
    participant_id: int
    kind: str
    state: str
    format: str
    revision_id: int
    revision_number: int
    edit_seq: int
    editable: bool  # a draft the signed-in user may write
    short_name: str
    display_name: str
    pronouns: str
    chart_id: str
    group_name: str
    session_date: date
    sections_spec: tuple[SectionSpec, ...]
    sections: dict[str, str]
    group_sections: dict[str, str]
    justifications: dict[str, str]
    goals: tuple[GoalEntry, ...]
    facts: dict[str, Any]
    jots: tuple[tuple[datetime, str], ...]
    flags: tuple[FlagItem, ...]
    returned_comment: str
    late_entry: str  # the label it carries (signed) or would carry if signed now (draft)
    history: tuple[RevisionView, ...]  # every revision, oldest first
    addenda: tuple[AddendumView, ...]
    reviews: tuple[ReviewView, ...]
    author: str


@dataclass(frozen=True)
class SignCheck:
    """What stands between a draft and its signature. ``problems`` block; findings need an
    edit or a justification (then they stop blocking)."""

    problems: tuple[str, ...]
    clones: tuple[CloneFinding, ...]
    names: tuple[NameFinding, ...]
    clone_justified: bool
    names_justified: bool

    @property
    def ok(self) -> bool:
        return (not self.problems and (not self.clones or self.clone_justified)
                and (not self.names or self.names_justified))

    def messages(self) -> list[str]:
        out = list(self.problems)
        if self.clones and not self.clone_justified:
            worst = max(self.clones, key=lambda c: c.similarity)
            out.append(f"The individualized text is {worst.similarity:.0%} alike "
                       f"{worst.against}: make it individual, or give a reason.")
        if self.names and not self.names_justified:
            names = ", ".join(sorted({f.name for f in self.names}))
            out.append(f"The note names another group member ({names}): use \"a peer\", "
                       "or give a reason.")
        return out


@dataclass(frozen=True)
class SignResult:
    note_id: int
    signed: bool
    message: str  # why not, or what happened ("Signed; waiting for co-signature.")


@dataclass(frozen=True)
class ReviewRow:
    note_id: int
    session_id: int
    participant_id: int
    short_name: str
    group_name: str
    session_date: date
    author: str
    author_id: int
    state: str
    signed_at: datetime | None
    age_days: float  # since signing (or since the session ended, for unsigned drafts)
    aging: bool  # awaiting co-signature > 2 days, or unsigned past the deadline


@dataclass(frozen=True)
class NoteCounts:
    """The signed-in user's own counts for the Today page."""

    owed: int
    drafted: int
    overdue: int
    returned: int
    awaiting_my_cosign: int
    aging_cosign: int


@dataclass(frozen=True)
class TimelineEntry:
    """One session in a participant's timeline (newest first)."""

    session_id: int
    session_date: date
    group_name: str
    attendance_status: str
    minutes: int
    note_id: int | None
    note_state: str
    scores: tuple[tuple[str, int | None, str | None], ...]  # (measure, total, band)
    mood: float | None
    craving: float | None
    anxiety: float | None
    flags: tuple[FlagItem, ...]


@dataclass(frozen=True)
class SignatureProblem:
    signature_id: int
    note_id: int
    what: str  # a sentence without PHI
