"""The decision log: decisions with every revision kept, supersession linked both ways."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.workspace import Project
from storage.types import StrEnumType


class DecisionStatus(StrEnum):
    """Where a decision stands (stored as these strings, on the decision and on each revision)."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


# The full-text index is engine-specific (a GIN expression index on PostgreSQL, an FTS5 table on SQLite),
# made by the migration alone; the models-and-migrations check leaves these names out.
SEARCH_OBJECTS = frozenset(
    {
        "ix_decision_search",
        "search_vector",
        "decision_fts",
        "decision_fts_data",
        "decision_fts_idx",
        "decision_fts_docsize",
        "decision_fts_config",
        "decision_fts_content",
    }
)


class Decision(Base):
    """A decision; its current wording mirrors its latest revision (older ones stay in DecisionRevision)."""

    __tablename__ = "decision"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_decision_project_status", "project_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    number: Mapped[int]
    status: Mapped[DecisionStatus] = mapped_column(StrEnumType(DecisionStatus), default=DecisionStatus.APPROVED)
    statement: Mapped[str] = mapped_column(Text)
    context: Mapped[str] = mapped_column(Text, default="")
    options: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    creator_id: Mapped[str] = mapped_column(String(32))
    decided_by: Mapped[list[Any]] = mapped_column(JSON, default=list)
    approver_id: Mapped[str | None] = mapped_column(String(32))
    needed_by: Mapped[datetime | None]
    links: Mapped[list[Any]] = mapped_column(JSON, default=list)
    permalink: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    revision: Mapped[int] = mapped_column(default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id", ondelete="SET NULL"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id", ondelete="SET NULL"))

    project: Mapped[Project] = relationship()

    @property
    def ref(self) -> str:
        """The short id people type: D-9."""
        return f"D-{self.number}"


class DecisionRevision(Base):
    """One wording of a decision, never changed once written."""

    __tablename__ = "decision_revision"
    __table_args__ = (UniqueConstraint("decision_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id", ondelete="CASCADE"))
    number: Mapped[int]
    statement: Mapped[str] = mapped_column(Text)
    context: Mapped[str] = mapped_column(Text, default="")
    options: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[str] = mapped_column(String(32))
    # Set when the author acted as the delegate of this person, who was away (an approval given on their behalf).
    for_user_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    status: Mapped[DecisionStatus] = mapped_column(StrEnumType(DecisionStatus))
