"""Programs, groups, participants and enrollments (rolling admission)."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, Time, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Tracked

PROGRAM_KINDS = ("sud", "mh")
MODALITIES = ("in_person", "telehealth")
PARTICIPANT_STATUSES = ("active", "on_hold", "discharged")
PART2_SHORT_NOTICE = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."


class Program(Tracked, Base):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(10))  # "sud" (a 42 CFR Part 2 program) or "mh"
    level_of_care: Mapped[str] = mapped_column(String(50), default="ASAM 2.1")
    daily_minimum_minutes: Mapped[int] = mapped_column(default=180)
    weekly_minimum_minutes: Mapped[int] = mapped_column(default=540)
    break_counts_as_service: Mapped[bool] = mapped_column(default=False)
    billing_code: Mapped[str] = mapped_column(String(20), default="")
    note_deadline_hours: Mapped[int] = mapped_column(default=72)
    redisclosure_notice: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Progress notes: the default format, how units derive from minutes, and whether absent
    # participants get a short absence note.
    note_format: Mapped[str] = mapped_column(String(10), default="DAP", server_default="DAP")
    unit_rule: Mapped[str] = mapped_column(String(20), default="per_diem",
                                           server_default="per_diem")
    absence_notes: Mapped[bool] = mapped_column(default=True, server_default=true())


class Group(Tracked, Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(1000))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    weekdays: Mapped[str] = mapped_column(String(20))  # ISO weekdays "1,3,5" (Mon, Wed, Fri)
    block_start: Mapped[time] = mapped_column(Time)
    block_end: Mapped[time] = mapped_column(Time)
    capacity: Mapped[int] = mapped_column(default=12)
    modality: Mapped[str] = mapped_column(String(20), default="in_person")
    location: Mapped[str] = mapped_column(String(1000), default="")
    # Default block template: [{"kind": "checkin", "title": "Check-in", "minutes": 30}, ...]
    template: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)

    program: Mapped[Program] = relationship(lazy="joined")


class GroupFacilitator(Base):
    __tablename__ = "group_facilitators"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class Participant(Tracked, Base):
    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    chart_id: Mapped[str] = mapped_column(String(64), unique=True)
    legal_name: Mapped[str] = mapped_column(String(1000))
    preferred_name: Mapped[str] = mapped_column(String(1000), default="")
    pronouns: Mapped[str] = mapped_column(String(50), default="")
    date_of_birth: Mapped[date | None]
    admission_date: Mapped[date]
    discharge_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="active")
    level_of_care: Mapped[str] = mapped_column(String(50), default="ASAM 2.1")
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"))


class TreatmentGoal(Tracked, Base):
    __tablename__ = "treatment_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, met, dropped


class DrugTest(Tracked, Base):
    __tablename__ = "drug_tests"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    collected_on: Mapped[date]
    result: Mapped[str] = mapped_column(String(20))  # negative, positive, dilute, refused, ...
    substances: Mapped[str] = mapped_column(String(1000), default="")


class Enrollment(Tracked, Base):
    __tablename__ = "enrollments"
    __table_args__ = (Index("ix_enrollments_group_dates", "group_id", "start_date", "end_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    start_date: Mapped[date]
    end_date: Mapped[date | None]

