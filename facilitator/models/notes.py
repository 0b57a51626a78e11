"""Progress notes: one note per participant per ended session, its revisions, signatures,
addenda, supervisor reviews, goal links, the shared group section, quick phrases and the
accounting of disclosures.

A note (``ProgressNote``) is the mutable header: which session and participant, its workflow
state. Its text lives in ``NoteRevision`` rows: the newest is the working draft until it is
signed; a signed revision never changes again (triggers in migration 0006 refuse UPDATE and
DELETE), and a note returned by a supervisor gets a new draft revision while the returned one
stays in the history. ``Signature``, ``Addendum`` and ``NoteReview`` rows are append-only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Tracked

NOTE_FORMATS = ("DAP", "BIRP", "SOAP", "GIRP")
NOTE_KINDS = ("session", "absence")
# draft: the newest revision is unsigned (new, or returned by a supervisor).
# awaiting_cosign: signed by an author whose licence needs supervision, waiting for co-signature.
# final: signed by a licensed author, or co-signed.
NOTE_STATES = ("draft", "awaiting_cosign", "final")
SIGNATURE_MEANINGS = ("author", "co-signer", "reviewer")
REVIEW_DECISIONS = ("cosigned", "returned", "reviewed", "addendum_requested")
GOAL_RATINGS = ("none", "some", "good", "met", "regressed")
UNIT_RULES = ("per_diem", "per_session", "per_15_min")


class ProgressNote(Tracked, Base):
    __tablename__ = "progress_notes"
    __table_args__ = (UniqueConstraint("session_id", "participant_id"),
                      Index("ix_progress_notes_state_author", "state", "author_id"),
                      # The review queue's newest signed notes without reading them all.
                      Index("ix_progress_notes_state_signed", "state", "signed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20), default="session")
    state: Mapped[str] = mapped_column(String(20), default="draft")
    # Set while a supervisor's "return" is unanswered: the comment shows in the author's queue.
    returned_comment: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime | None]  # the latest author signature (for queues and aging)
    final_at: Mapped[datetime | None]


class NoteRevision(Base):
    __tablename__ = "note_revisions"
    __table_args__ = (UniqueConstraint("note_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("progress_notes.id"), index=True)
    number: Mapped[int]
    format: Mapped[str] = mapped_column(String(10))
    # {"sections": {key: text}, "justifications": {check: text}} — the clinician's words.
    content: Mapped[dict[str, Any]]
    # Snapshot of the stated facts at signing (times, minutes, status, scores, units...).
    facts: Mapped[dict[str, Any] | None]
    late_entry: Mapped[str] = mapped_column(Text, default="")
    content_sha256: Mapped[str] = mapped_column(String(64), default="")
    # Bumped by every autosave: a sign or save based on an older value was made against text
    # that another window has changed since.
    edit_seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime | None]
    audited_at: Mapped[datetime | None]  # last "draft edited" audit event (coalesced)
    signed_at: Mapped[datetime | None]


class NoteGoalLink(Base):
    """A treatment-plan goal addressed in a revision, with today's progress rating."""

    __tablename__ = "note_goal_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("note_revisions.id"), index=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("treatment_goals.id"), index=True)
    rating: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")


class SessionGroupSection(Tracked, Base):
    """The group section shared by every note of a session (topics, interventions, process)."""

    __tablename__ = "session_group_sections"

    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id"), primary_key=True)
    interventions: Mapped[str] = mapped_column(Text, default="")
    process: Mapped[str] = mapped_column(Text, default="")


class Addendum(Base):
    """A dated, signed correction or addition under a signed note. Never changed."""

    __tablename__ = "note_addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("progress_notes.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))


class Signature(Base):
    """Who signed what, as what, when, and the SHA-256 of the canonical signed content."""

    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("note_revisions.id"), index=True)
    addendum_id: Mapped[int | None] = mapped_column(ForeignKey("note_addenda.id"), index=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signer_name: Mapped[str] = mapped_column(String(1000))
    credentials: Mapped[str] = mapped_column(String(100))  # at signing time
    role: Mapped[str] = mapped_column(String(20))  # at signing time
    meaning: Mapped[str] = mapped_column(String(20))
    signed_at: Mapped[datetime]
    content_sha256: Mapped[str] = mapped_column(String(64))


class NoteReview(Base):
    """A supervisor's decision about a signed revision: co-signed, returned, reviewed…"""

    __tablename__ = "note_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("progress_notes.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("note_revisions.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    decision: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")


class QuickPhrase(Tracked, Base):
    """Clinic-editable phrases per note section, with {name} and {they} style placeholders."""

    __tablename__ = "quick_phrases"

    id: Mapped[int] = mapped_column(primary_key=True)
    section: Mapped[str] = mapped_column(String(30))  # a section key, or "*" for any
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Disclosure(Base):
    """Accounting of disclosures: one row per participant per release outside the clinic."""

    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    at: Mapped[datetime]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recipient: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text)
    document_type: Mapped[str] = mapped_column(String(30))
    file_name: Mapped[str] = mapped_column(String(200))
