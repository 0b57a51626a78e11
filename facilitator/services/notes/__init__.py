"""Progress notes, Qt-free: the golden thread from check-in to chart.

One note per participant per ended session (an absence note for those absent, when the program
asks for them). The facts it states are prefilled from what the console stored; the clinician
writes the individualized narrative; signing (password re-entered) freezes the text and a
snapshot of the facts under a SHA-256; supervisors co-sign, return or review; corrections are
signed addenda. Queries use read-only units of work; each intent is one transaction.
"""

from .canonical import content_hash
from .checks import CLONE_THRESHOLD, CloneFinding, NameFinding
from .drafts import open_note, save_draft, session_notes
from .dto import (
    AddendumView,
    FlagItem,
    GoalEntry,
    NoteCounts,
    NoteRow,
    NoteView,
    QueueEntry,
    ReviewRow,
    ReviewView,
    RevisionView,
    SessionNotes,
    SignatureProblem,
    SignatureView,
    SignCheck,
    SignResult,
    TimelineEntry,
)
from .formats import FORMATS, GROUP, SectionSpec, sections_for
from .goals import GOAL_STATUSES, GoalThreadEntry, goal_thread, update_goal
from .phrases import PhraseView, add_phrase, expand, list_phrases, remove_phrase
from .review import my_counts, notes_queue, return_note, review_note, review_queue
from .signing import add_addendum, check_note, cosign_notes, sign_notes, verify_signatures
from .timeline import participant_timeline
from .units import units_for

__all__ = [
    "CLONE_THRESHOLD", "FORMATS", "GOAL_STATUSES", "GROUP", "AddendumView", "CloneFinding",
    "FlagItem", "GoalEntry", "GoalThreadEntry", "NameFinding", "NoteCounts", "NoteRow",
    "NoteView", "PhraseView", "QueueEntry", "ReviewRow", "ReviewView", "RevisionView",
    "SectionSpec", "SessionNotes", "SignCheck", "SignResult", "SignatureProblem",
    "SignatureView", "TimelineEntry", "add_addendum", "add_phrase", "check_note",
    "content_hash", "cosign_notes", "expand", "goal_thread", "list_phrases", "my_counts",
    "notes_queue", "open_note", "participant_timeline",
    "remove_phrase", "return_note", "review_note", "review_queue", "save_draft",
    "sections_for", "session_notes", "sign_notes", "units_for", "update_goal",
    "verify_signatures",
]
