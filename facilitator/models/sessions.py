"""One group block on one date: segments, attendance, out-of-room intervals, jots, responses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Tracked

SESSION_STATUSES = ("planned", "running", "ended", "not_held")
SEGMENT_KINDS = ("checkin", "module", "break", "process", "checkout", "other")
ATTENDANCE_STATUSES = (
    "expected",
    "present",
    "late",
    "left_early",
    "absent",
    "excused",
    "telehealth",
)


class GroupSession(Tracked, Base):
    __tablename__ = "group_sessions"
    __table_args__ = (Index("ix_group_sessions_group_date", "group_id", "session_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    session_date: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    planned_start: Mapped[datetime]
    planned_end: Mapped[datetime]
    actual_start: Mapped[datetime | None]
    actual_end: Mapped[datetime | None]
    modality: Mapped[str] = mapped_column(String(20), default="in_person")
    location: Mapped[str] = mapped_column(String(1000), default="")
    not_held_reason: Mapped[str] = mapped_column(Text, default="")
    lead_facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    segments: Mapped[list[Segment]] = relationship(
        order_by="Segment.position", cascade="all, delete-orphan"
    )


class SessionFacilitator(Base):
    __tablename__ = "session_facilitators"

    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class Segment(Tracked, Base):
    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(1000))
    planned_minutes: Mapped[int]
    actual_start: Mapped[datetime | None]
    actual_end: Mapped[datetime | None]
    skipped: Mapped[bool] = mapped_column(default=False)
    topic_text: Mapped[str] = mapped_column(Text, default="")  # free text until a topic is linked
    # The curriculum topic version delivered in this segment. Deliberately no foreign key yet: the
    # curriculum tables arrive in a later migration, which will add the constraint.
    topic_version_id: Mapped[int | None]


class Attendance(Tracked, Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="expected")
    arrived_at: Mapped[datetime | None]
    departed_at: Mapped[datetime | None]
    walk_in: Mapped[bool] = mapped_column(default=False)
    # Derived and cached at session end for reports; the live value is always recomputed.
    minutes: Mapped[int | None]

    out_of_room: Mapped[list[OutOfRoom]] = relationship(
        order_by="OutOfRoom.left_at", cascade="all, delete-orphan"
    )


class OutOfRoom(Tracked, Base):
    __tablename__ = "out_of_room"

    id: Mapped[int] = mapped_column(primary_key=True)
    attendance_id: Mapped[int] = mapped_column(ForeignKey("attendance.id"), index=True)
    left_at: Mapped[datetime]
    returned_at: Mapped[datetime | None]


class FormResponse(Tracked, Base):
    __tablename__ = "form_responses"
    __table_args__ = (Index("ix_form_responses_participant_form", "participant_id", "form_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("group_sessions.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    form_id: Mapped[str] = mapped_column(String(100))
    form_version: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict[str, Any]]
    total: Mapped[int | None]
    band: Mapped[str | None] = mapped_column(String(50))
    summary: Mapped[str] = mapped_column(Text, default="")


class SafetyFlag(Tracked, Base):
    __tablename__ = "safety_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("group_sessions.id"))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("form_responses.id"))
    code: Mapped[str] = mapped_column(String(50))
    severity: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime]
    addressed_at: Mapped[datetime | None]
    addressed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    follow_up: Mapped[str] = mapped_column(Text, default="")


class Jot(Tracked, Base):
    __tablename__ = "jots"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)


class ConsoleAction(Base):
    """The per-session log of console actions that ``undo_last`` reverts, newest first.

    ``payload`` holds the row changes needed to revert the action (inserted rows to delete, old
    column values to restore, deleted rows to re-insert). Undoing sets ``undone``; rows are never
    deleted, and both the action and its undo are also in the audit log.
    """

    __tablename__ = "console_actions"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id"))
    seq: Mapped[int]
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(50))
    label: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
    undone: Mapped[bool] = mapped_column(default=False)
