"""Delegation while away: whom a person's approvals and escalations go to, and what happened while they were away."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Delegation(Base):
    """A person's named delegate: who gets their approvals and escalations while they are away."""

    __tablename__ = "delegation"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    delegate_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class AwayLog(Base):
    """One thing that happened to a person while away (a reminder held, an approval sent to their delegate, a new
    item given to them), told in their summary on return; `summarized_at` is set once that summary is queued."""

    __tablename__ = "away_log"
    __table_args__ = (Index("ix_away_log_open", "workspace_id", "user_id", "summarized_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))  # away | held | routed | acted | assigned
    ref: Mapped[str] = mapped_column(String(32), default="")  # the record's short id (A-3, D-2), if any
    text: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[str | None] = mapped_column(String(32))  # who received or acted in their stead
    summarized_at: Mapped[datetime | None]
