"""Change requests: a proposed change to scope, schedule, cost or resources, routed to approvers, kept with history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.workspace import Project
from storage.types import StrEnumType


class ChangeStatus(StrEnum):
    """Where a change request stands (stored as these strings)."""

    PENDING = "pending"  # waiting for an approver
    MORE_INFO = "more_info"  # an approver asked the requester for more
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ChangeCategory(StrEnum):
    """What a change request changes; each category can have its own approvers."""

    SCOPE = "scope"
    SCHEDULE = "schedule"
    COST = "cost"
    RESOURCE = "resource"


class ChangeEventKind(StrEnum):
    """What happened to a change request, in its history."""

    RAISED = "raised"
    APPROVED = "approved"
    REJECTED = "rejected"
    ASKED = "asked"  # an approver asked for more
    UPDATED = "updated"  # the requester answered or changed it: back to the approvers
    WITHDRAWN = "withdrawn"


class ChangeRequest(Base):
    """A change request, CR-3: what, why, its impact, the milestones it moves, and who decides."""

    __tablename__ = "change_request"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_change_request_project_status", "project_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[ChangeCategory] = mapped_column(StrEnumType(ChangeCategory))
    description: Mapped[str] = mapped_column(Text, default="")
    justification: Mapped[str] = mapped_column(Text, default="")
    impact_days: Mapped[int] = mapped_column(default=0)  # calendar days the affected milestones' baselines move
    impact_cost: Mapped[str] = mapped_column(Text, default="")
    milestone_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)  # the milestones it affects
    # each affected milestone's baseline when it was raised or last answered: {"milestone id": ISO moment}
    baselines: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[ChangeStatus] = mapped_column(StrEnumType(ChangeStatus), default=ChangeStatus.PENDING)
    requester_id: Mapped[str] = mapped_column(String(32))
    approver_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)  # who may decide, fixed when routed
    needed_by: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")  # the approver's last word: the reason, or the question
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id", ondelete="SET NULL"))
    revision: Mapped[int] = mapped_column(default=1)  # bumped each time it goes back to the approvers
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    project: Mapped[Project] = relationship()

    @property
    def ref(self) -> str:
        """The short id people type: CR-3."""
        return f"CR-{self.number}"


class ChangeEvent(Base):
    """One step of a change request's life, never changed once written."""

    __tablename__ = "change_event"
    __table_args__ = (Index("ix_change_event_change", "change_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("change_request.id", ondelete="CASCADE"))
    kind: Mapped[ChangeEventKind] = mapped_column(StrEnumType(ChangeEventKind))
    actor_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")
    # Set when the actor answered as the stand-in of this approver, who was away.
    for_user_id: Mapped[str | None] = mapped_column(String(32))
