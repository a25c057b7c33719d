"""Async stand-ups: the configuration, each answer, time away, holidays and blockers."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.workspace import Project
from storage.types import StrEnumType

DEFAULT_QUESTIONS = [
    "What did you do since your last update?",
    "What will you do next?",
    "Anything blocking you?",
]


class Standup(Base):
    """A project's stand-up: who is asked what, on which days, at what local time, and when the summary goes out."""

    __tablename__ = "standup"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), unique=True)
    questions: Mapped[list[Any]] = mapped_column(JSON, default=lambda: list(DEFAULT_QUESTIONS))
    days: Mapped[list[Any]] = mapped_column(JSON, default=lambda: [0, 1, 2, 3, 4])
    prompt_minute: Mapped[int] = mapped_column(default=9 * 60 + 30)  # in each participant's own zone
    participants: Mapped[list[Any]] = mapped_column(JSON, default=list)
    summary_mode: Mapped[str] = mapped_column(String(16), default="after_last")  # fixed | after_last
    summary_minute: Mapped[int] = mapped_column(default=17 * 60)  # fixed: in the project's zone
    summary_after_hours: Mapped[int] = mapped_column(default=3)  # after_last: hours after the last prompt
    reminder_minutes: Mapped[int] = mapped_column(default=60)
    mention_missing: Mapped[bool] = mapped_column(default=False)
    paused: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    # The tick instant through which its messages are queued; None: work the current days out afresh.
    queued_through: Mapped[datetime | None]

    project: Mapped[Project] = relationship()


class StandupAnswer(Base):
    """One person's answer (or skip) for one stand-up day."""

    __tablename__ = "standup_answer"
    __table_args__ = (UniqueConstraint("standup_id", "day", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    standup_id: Mapped[int] = mapped_column(ForeignKey("standup.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    user_id: Mapped[str] = mapped_column(String(32))
    answers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    skipped: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime]
    late: Mapped[bool] = mapped_column(default=False)  # arrived after that day's summary


class Away(Base):
    """A person away (leave, travel): not prompted, reminded or counted as missing."""

    __tablename__ = "away"
    __table_args__ = (Index("ix_away_member", "workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]


class Holiday(Base):
    """A project holiday: nobody is asked."""

    __tablename__ = "holiday"
    __table_args__ = (UniqueConstraint("project_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)


class BlockerStatus(StrEnum):
    """Where a blocker stands (stored as these strings)."""

    OPEN = "open"
    RESOLVED = "resolved"


class Blocker(Base):
    """Something blocking a person, raised in a stand-up, tracked until resolved."""

    __tablename__ = "blocker"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("standup_answer.id", ondelete="SET NULL"))
    owner_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[BlockerStatus] = mapped_column(StrEnumType(BlockerStatus), default=BlockerStatus.OPEN)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(32))
