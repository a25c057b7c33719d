"""Meetings: one open meeting per channel, its notes and captured items, and recurring series."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.workspace import Project


class MeetingSeries(Base):
    """A recurring meeting: its agenda is posted an hour before each occurrence."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    weekday: Mapped[int]
    minute: Mapped[int]  # local time in the project's zone
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]

    project: Mapped[Project] = relationship()


class Meeting(Base):
    """A meeting held in a channel, from start to end, and its minutes."""

    __tablename__ = "meeting"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_meeting_open", "project_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_series.id", ondelete="SET NULL"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[str] = mapped_column(Text, default="")
    started_by: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    attendees: Mapped[list[Any]] = mapped_column(JSON, default=list)
    invited: Mapped[list[Any]] = mapped_column(JSON, default=list)
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"user", "text", "at"}]
    captured: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"kind", "ref"}]

    project: Mapped[Project] = relationship()

    @property
    def ref(self) -> str:
        return f"M-{self.number}"
