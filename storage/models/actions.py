"""Action items and their history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.workspace import Project
from storage.types import StrEnumType


class ActionStatus(StrEnum):
    """Where an action item stands (stored as these strings)."""

    OPEN = "open"
    DONE = "done"
    DELETED = "deleted"
    WITHDRAWN = "withdrawn"


class SourceKind(StrEnum):
    """Where an action item came from, when not from its own command or form (stored as these strings)."""

    MEETING = "meeting"  # an ACTION: line in a meeting
    STANDUP = "standup"  # a stand-up blocker turned into an item
    RETRO = "retro"  # a retrospective's top item
    GOLIVE = "golive"  # a go-live runbook's step


class ActionItem(Base):
    """A commitment: someone owes something, maybe by a date."""

    __tablename__ = "action_item"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_action_item_open_due", "status", "due_at"),
        Index("ix_action_item_owner", "workspace_id", "owner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[str] = mapped_column(String(32))
    creator_id: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime | None]
    status: Mapped[ActionStatus] = mapped_column(StrEnumType(ActionStatus), default=ActionStatus.OPEN)
    permalink: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(32))
    snoozed_until: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(default=0)
    # Where it came from (a meeting, a stand-up blocker, a retro, a go-live): kind, that record's id, and its name
    # in words as it was then (a meeting's title), so that cards and `/action show` can say so without a join.
    source_kind: Mapped[SourceKind | None] = mapped_column(StrEnumType(SourceKind))
    source_id: Mapped[int | None]
    source_label: Mapped[str | None] = mapped_column(Text)
    # Bumped on every change that the posted confirmation shows, so each update is its own outbox message.
    revision: Mapped[int] = mapped_column(default=0)

    project: Mapped[Project] = relationship()

    @property
    def ref(self) -> str:
        """The short id people type: A-17."""
        return f"A-{self.number}"


class ActionEvent(Base):
    """One change to an action item: who, what, when."""

    __tablename__ = "action_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action_item.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Counter(Base):
    """Per-workspace sequences for short ids (A-17, R-4, D-9)."""

    __tablename__ = "counter"
    __table_args__ = (UniqueConstraint("workspace_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[int] = mapped_column(default=0)
