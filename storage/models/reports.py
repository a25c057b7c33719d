"""Status reports: the weekly stakeholder update pmbot drafts, a lead edits, and a lead sends (or skips)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.workspace import Project
from storage.types import StrEnumType


class ReportStatus(StrEnum):
    """Where a week's draft stands (stored as these strings)."""

    DRAFTED = "drafted"  # with the leads, waiting for Send or Skip
    SENT = "sent"  # posted to the stakeholder channel, as approved
    SKIPPED = "skipped"  # nothing was posted


class StatusReport(Base):
    """One project's stakeholder update for one week: the editable text, what it was drawn from, who decided."""

    __tablename__ = "status_report"
    __table_args__ = (UniqueConstraint("project_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10))  # the project's ISO week, "2026-W48"
    audience: Mapped[str] = mapped_column(String(16))  # executive | team
    summary: Mapped[str] = mapped_column(String(200))  # the one line the message leads with
    text: Mapped[str] = mapped_column(Text)  # the body, as drafted and then as edited
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the snapshot it was drawn from: status...
    status: Mapped[ReportStatus] = mapped_column(StrEnumType(ReportStatus), default=ReportStatus.DRAFTED)
    revision: Mapped[int] = mapped_column(default=1)  # bumped by each edit (the leads' DMs follow it)
    lead_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)  # who the draft went to
    edited_by: Mapped[str | None] = mapped_column(String(32))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(String(32))  # the stakeholder channel it was sent to
    sent_key: Mapped[str | None] = mapped_column(String(200))  # the outbox key of the message posted there
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    project: Mapped[Project] = relationship()

    @property
    def ref(self) -> str:
        return f"the status report for {self.week}"
