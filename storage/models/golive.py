"""Go-live runbooks: the plan, its steps with relative times, the go/no-go poll, the live timeline."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.workspace import Project
from storage.types import StrEnumType


class GoLiveStatus(StrEnum):
    """Where a go-live stands (stored as these strings)."""

    PLANNED = "planned"  # steps being prepared; the poll has not decided
    GO = "go"  # every approver said go
    NO_GO = "no_go"  # an approver said no-go, or someone did not answer by T-0
    LIVE = "live"  # the cutover is running: its timeline is in a thread
    DONE = "done"
    ABORTED = "aborted"


class StepStatus(StrEnum):
    """Where a step of a runbook stands."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class Vote(StrEnum):
    """An approver's answer to the go/no-go poll."""

    GO = "go"
    NO_GO = "no_go"


class GoLive(Base):
    """A go-live, G-2: its title, the T moment (entered as wall time in `zone`), approvers, status and steps."""

    __tablename__ = "golive"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_golive_status_at", "status", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]  # T, aware UTC
    zone: Mapped[str] = mapped_column(String(64))  # the zone T was typed in: day offsets keep its wall clock
    created_by: Mapped[str] = mapped_column(String(32))
    approver_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[GoLiveStatus] = mapped_column(StrEnumType(GoLiveStatus), default=GoLiveStatus.PLANNED)
    revision: Mapped[int] = mapped_column(default=0)  # bumped at each change the live message must show
    next_position: Mapped[int] = mapped_column(default=1)  # the number the next step gets: never one used before
    decided_at: Mapped[datetime | None]
    started_by: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(32))
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    project: Mapped[Project] = relationship()
    steps: Mapped[list[GoLiveStep]] = relationship(
        cascade="all, delete-orphan", order_by="GoLiveStep.position", lazy="selectin"
    )
    votes: Mapped[list[GoLiveVote]] = relationship(
        cascade="all, delete-orphan", order_by="GoLiveVote.id", lazy="selectin"
    )

    @property
    def ref(self) -> str:
        """The short id people type: G-2."""
        return f"G-{self.number}"


class GoLiveStep(Base):
    """One step of a runbook, numbered once (`step 3` stays step 3), at T plus its offset, with its owner."""

    __tablename__ = "golive_step"
    __table_args__ = (UniqueConstraint("golive_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    golive_id: Mapped[int] = mapped_column(ForeignKey("golive.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    offset_days: Mapped[int] = mapped_column(default=0)  # calendar days, at T's wall clock in the go-live's zone
    offset_minutes: Mapped[int] = mapped_column(default=0)  # then exact minutes
    owner_id: Mapped[str] = mapped_column(String(32))
    condition: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[StepStatus] = mapped_column(StrEnumType(StepStatus), default=StepStatus.PENDING)
    revision: Mapped[int] = mapped_column(default=0)  # bumped at each change of status
    by: Mapped[str | None] = mapped_column(String(32))
    changed_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    action_ref: Mapped[str | None] = mapped_column(String(16))  # the action item a failed step became


class GoLiveVote(Base):
    """An approver's answer to a go-live's go/no-go poll (one each; changed until the poll is decided)."""

    __tablename__ = "golive_vote"
    __table_args__ = (UniqueConstraint("golive_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    golive_id: Mapped[int] = mapped_column(ForeignKey("golive.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    vote: Mapped[Vote] = mapped_column(StrEnumType(Vote))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]
