"""Workspaces, projects (channels that use pmbot) and members (cached Slack profiles)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, SQLColumnExpression, String, UniqueConstraint, false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base

DEFAULT_WORKING_DAYS = [0, 1, 2, 3, 4]  # Monday=0


class Workspace(Base):
    """A Slack workspace (team) that pmbot serves."""

    __tablename__ = "workspace"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime]
    # Set when Slack says the app was uninstalled (or its tokens revoked); the data goes after a grace period.
    uninstalled_at: Mapped[datetime | None]


class Project(Base):
    """A Slack channel that uses pmbot, with its settings."""

    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    workday_start_minute: Mapped[int] = mapped_column(default=9 * 60)
    workday_end_minute: Mapped[int] = mapped_column(default=17 * 60)
    working_days: Mapped[list[Any]] = mapped_column(JSON, default=lambda: list(DEFAULT_WORKING_DAYS))
    lead_user_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    escalation_channel_id: Mapped[str | None] = mapped_column(String(32))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    # What conversations.info last said: None until Slack has answered (the channel counts as private meanwhile);
    # a DM or a group DM is private too. The creator is "" where Slack names none.
    is_private: Mapped[bool | None]
    channel_creator: Mapped[str | None] = mapped_column(String(32))

    workspace: Mapped[Workspace] = relationship()


class Member(Base):
    """A Slack user as pmbot last saw them (from users.info with include_locale)."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255), default="")
    real_name: Mapped[str] = mapped_column(String(255), default="")
    # The IANA zone Slack gave, or "" when it gave none (Slack omits tz for some accounts); see `time_zone`.
    zone_name: Mapped[str] = mapped_column("time_zone", String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(16), default="en-US")
    is_bot: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    deleted: Mapped[bool] = mapped_column(default=False)
    # A guest (users.info is_restricted, or is_ultra_restricted for a single-channel guest): Slack shows them only
    # the channels they are in, public ones included, and so does pmbot (domain/visibility.py).
    is_guest: Mapped[bool] = mapped_column(default=False, server_default=false())
    fetched_at: Mapped[datetime]
    # Their Slack status as last seen (profile.status_text / status_emoji / status_expiration): "Vacation
    # :palm_tree:" counts as away (domain/away.py); it stops counting once it expires.
    status_text: Mapped[str] = mapped_column(String(100), default="")
    status_emoji: Mapped[str] = mapped_column(String(100), default="")
    status_expires_at: Mapped[datetime | None]

    @hybrid_property
    def time_zone(self) -> str:
        """The member's zone, UTC when Slack gave none (a reader with a project prefers the project's zone)."""
        return self.zone_name or "UTC"

    @time_zone.inplace.setter
    def _time_zone_setter(self, value: str) -> None:
        self.zone_name = value

    @time_zone.inplace.expression
    @classmethod
    def _time_zone_expression(cls) -> SQLColumnExpression[str]:
        return cls.zone_name
