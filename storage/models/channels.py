"""Who is in which channel, as Slack last said: the membership cache behind the Home tab."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class ChannelMember(Base):
    """One person's membership of one channel, from conversations.members or a member_joined/left event.

    A person who left keeps a row with `present` false, so a roster read that began before they left
    cannot bring them back (`changed_at` says which news is newer).
    """

    __tablename__ = "channel_member"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id", "user_id"),
        Index("ix_channel_member_user", "workspace_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    present: Mapped[bool]
    changed_at: Mapped[datetime]


class ChannelRoster(Base):
    """When a channel's whole member list was last read from Slack (no row: never, so nobody is known to be in it)."""

    __tablename__ = "channel_roster"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    synced_at: Mapped[datetime]
