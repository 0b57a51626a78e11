"""Curriculum in the database: modules, topics with immutable versions, rotation plans, deliveries.

A topic's teachable text lives in ``TopicVersion`` rows that are never updated (a trigger in the
migration refuses it): editing a topic appends a new version, so a delivery keeps pointing at the
exact text that was taught that day. The current version of a topic is its highest ``id``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Tracked

SOURCES = ("shipped", "clinic")


class CurriculumModule(Tracked, Base):
    __tablename__ = "curriculum_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # the library's kebab-case id
    title: Mapped[str] = mapped_column(String(200))
    approach: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    core: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
    source: Mapped[str] = mapped_column(String(10))  # "shipped" or "clinic"
    retired: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)


class CurriculumTopic(Tracked, Base):
    """Identity of a topic; the mutable bits (module, order, retired) but no teachable text."""

    __tablename__ = "curriculum_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("curriculum_modules.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    retired: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)


class TopicVersion(Base):
    """The text of one version of a topic; immutable (no Tracked.updated_*: it is never updated)."""

    __tablename__ = "topic_versions"
    __table_args__ = (UniqueConstraint("topic_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("curriculum_topics.id"), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    duration_min: Mapped[int]
    objectives: Mapped[list[Any]] = mapped_column(default=list)
    key_points: Mapped[list[Any]] = mapped_column(default=list)
    activity: Mapped[str] = mapped_column(Text, default="")
    discussion_prompts: Mapped[list[Any]] = mapped_column(default=list)
    homework: Mapped[str] = mapped_column(Text, default="")
    handout: Mapped[str] = mapped_column(Text, default="")
    intervention_phrases: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RotationPlan(Tracked, Base):
    """A group's cycle: week ``(date - start_date).days // 7 % cycle_weeks`` of the rotation."""

    __tablename__ = "rotation_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), unique=True)
    cycle_weeks: Mapped[int] = mapped_column(default=4)
    start_date: Mapped[date]  # a Monday: the first day of cycle week 1


class RotationEntry(Base):
    """One cell of the plan: on cycle week ``week`` (0-based), ISO ``weekday``, module ``slot``."""

    __tablename__ = "rotation_entries"
    __table_args__ = (UniqueConstraint("plan_id", "week", "weekday", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("rotation_plans.id"), index=True)
    week: Mapped[int]
    weekday: Mapped[int]
    slot: Mapped[int]  # 0 = the block's first module segment, 1 = the second, ...
    topic_id: Mapped[int] = mapped_column(ForeignKey("curriculum_topics.id"))


class TopicDelivery(Tracked, Base):
    """The authoritative record that a topic version was taught in a session (and segment)."""

    __tablename__ = "topic_deliveries"
    __table_args__ = (Index("ix_topic_deliveries_session_topic", "session_id", "topic_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id"), index=True)
    # topic_id duplicates topic_versions.topic_id so coverage queries need no extra join.
    topic_id: Mapped[int] = mapped_column(ForeignKey("curriculum_topics.id"), index=True)
    topic_version_id: Mapped[int] = mapped_column(ForeignKey("topic_versions.id"))
    delivered_at: Mapped[datetime]
