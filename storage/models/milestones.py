"""Milestones with a baseline and a forecast (every change kept), their links to other records, and dependencies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.workspace import Project
from storage.types import StrEnumType


class MilestoneStatus(StrEnum):
    """Where a milestone stands (stored as these strings; kept current by domain.milestones)."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    LATE = "late"
    DONE = "done"


class MilestoneEventKind(StrEnum):
    """What happened to a milestone, in its history."""

    CREATED = "created"
    MOVED = "moved"  # the forecast changed
    REBASELINED = "rebaselined"  # the baseline changed (an approved change request, or a lead)
    DONE = "done"
    REOPENED = "reopened"
    LINKED = "linked"
    DEPENDS = "depends"
    UNLINKED = "unlinked"
    UNDEPENDS = "undepends"  # a dependency taken off


class Milestone(Base):
    """A dated goal of a project: `M-UAT "UAT sign-off"`, due by its baseline, expected by its forecast.

    Both dates are moments in UTC (the end of the working day in the project's zone on the day given), so each
    reader sees them in their own zone like every other date.
    """

    __tablename__ = "milestone"
    __table_args__ = (
        UniqueConstraint("project_id", "code"),
        UniqueConstraint("workspace_id", "number"),
        Index("ix_milestone_project_status", "project_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    number: Mapped[int]
    code: Mapped[str] = mapped_column(String(16))  # what follows `M-` in its short id, unique in its project
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[str] = mapped_column(String(32))
    creator_id: Mapped[str] = mapped_column(String(32))
    baseline_at: Mapped[datetime]
    forecast_at: Mapped[datetime]
    status: Mapped[MilestoneStatus] = mapped_column(StrEnumType(MilestoneStatus), default=MilestoneStatus.ON_TRACK)
    status_why: Mapped[str] = mapped_column(Text, default="")  # the reason for at risk / late, as shown
    slips: Mapped[int] = mapped_column(default=0)  # how many times the forecast moved past the baseline
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    done_at: Mapped[datetime | None]

    project: Mapped[Project] = relationship()

    @property
    def ref(self) -> str:
        """The short id people type: M-UAT."""
        return f"M-{self.code}"


class MilestoneEvent(Base):
    """One change to a milestone, never changed once written: the old baseline and forecast stay here."""

    __tablename__ = "milestone_event"
    __table_args__ = (Index("ix_milestone_event_milestone", "milestone_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id", ondelete="CASCADE"))
    kind: Mapped[MilestoneEventKind] = mapped_column(StrEnumType(MilestoneEventKind))
    actor_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    baseline_at: Mapped[datetime]  # as it stood after the change
    forecast_at: Mapped[datetime]
    old_baseline_at: Mapped[datetime | None]
    old_forecast_at: Mapped[datetime | None]
    why: Mapped[str] = mapped_column(Text, default="")
    change_id: Mapped[int | None] = mapped_column(ForeignKey("change_request.id", ondelete="SET NULL"))


class MilestoneLink(Base):
    """A record that feeds a milestone: an action item it waits for, a risk against it, a decision behind it."""

    __tablename__ = "milestone_link"
    __table_args__ = (
        UniqueConstraint("milestone_id", "kind", "record_id"),
        Index("ix_milestone_link_record", "kind", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # "action", "risk" or "decision"
    record_id: Mapped[int]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(32))


class MilestoneDependency(Base):
    """`milestone` cannot finish before `upstream` (which may be in another project's channel)."""

    __tablename__ = "milestone_dependency"
    __table_args__ = (
        UniqueConstraint("milestone_id", "upstream_id"),
        Index("ix_milestone_dependency_upstream", "upstream_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id", ondelete="CASCADE"))
    upstream_id: Mapped[int] = mapped_column(ForeignKey("milestone.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(32))
