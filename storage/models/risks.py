"""The RAID log: risks, issues, assumptions and dependencies, with their history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.workspace import Project
from storage.types import StrEnumType

KINDS = ("risk", "issue", "assumption", "dependency")
CATEGORIES = (
    "business",
    "IT environment",
    "scope",
    "technical",
    "architecture",
    "schedule",
    "resource",
    "vendor",
    "security and compliance",
)


class RiskStatus(StrEnum):
    """Where a RAID entry stands (stored as these strings)."""

    OPEN = "open"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Risk(Base):
    """One entry of a project's RAID log (kind says which)."""

    __tablename__ = "risk"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_risk_project_status", "project_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16), default="risk")
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(32))
    probability: Mapped[int] = mapped_column(default=3)
    impact: Mapped[int] = mapped_column(default=3)
    owner_id: Mapped[str | None] = mapped_column(String(32))
    creator_id: Mapped[str] = mapped_column(String(32))
    mitigation: Mapped[str] = mapped_column(Text, default="")
    contingency: Mapped[str] = mapped_column(Text, default="")
    review_at: Mapped[datetime | None]
    target_at: Mapped[datetime | None]  # issues: when it must be resolved
    opportunity: Mapped[bool] = mapped_column(default=False)
    status: Mapped[RiskStatus] = mapped_column(StrEnumType(RiskStatus), default=RiskStatus.OPEN)
    close_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    last_reviewed_at: Mapped[datetime | None]
    escalated_score: Mapped[int] = mapped_column(default=0)  # the score last escalated at (0: never)
    revision: Mapped[int] = mapped_column(default=0)

    project: Mapped[Project] = relationship()

    @property
    def ref(self) -> str:
        """The short id people type: R-4."""
        return f"R-{self.number}"

    @property
    def score(self) -> int:
        return self.probability * self.impact


class RiskEvent(Base):
    """One change to a RAID entry: who, when, what (old and new score included)."""

    __tablename__ = "risk_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
