"""Lessons learned: what happened and what we learned, tagged, found again from any project."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.workspace import Project


class Lesson(Base):
    """A lesson learned, L-3: what we learned, what happened, who recorded it, its tags and related records."""

    __tablename__ = "lesson"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_lesson_project_number", "project_id", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    number: Mapped[int]
    author_id: Mapped[str] = mapped_column(String(32))
    happened: Mapped[str] = mapped_column(Text, default="")
    learned: Mapped[str] = mapped_column(Text)
    links: Mapped[list[Any]] = mapped_column(JSON, default=list)  # short ids of related records: A-3, M-UAT, CR-2
    created_at: Mapped[datetime]

    project: Mapped[Project] = relationship()
    tag_rows: Mapped[list[LessonTag]] = relationship(
        cascade="all, delete-orphan", order_by="LessonTag.position", lazy="selectin"
    )

    @property
    def ref(self) -> str:
        """The short id people type: L-3."""
        return f"L-{self.number}"

    @property
    def tags(self) -> list[str]:
        """Its tags, in the order they were given."""
        return [row.tag for row in self.tag_rows]


class LessonTag(Base):
    """One tag of a lesson (a row each, so a tag is found exactly, on both engines)."""

    __tablename__ = "lesson_tag"
    __table_args__ = (Index("ix_lesson_tag_tag", "tag", "lesson_id"),)

    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
