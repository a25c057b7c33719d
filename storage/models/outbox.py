"""The outbox: every message pmbot means to send, written with the state that caused it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class OutboxMessage(Base):
    """One Web API call to make once: the key says what, to whom and which occurrence."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        Index("ix_outbox_pending", "sent_at", "not_before"),
        Index("ix_outbox_conversation", "workspace_id", "channel", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    not_before: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    result_channel: Mapped[str | None] = mapped_column(String(64))
    result_ts: Mapped[str | None] = mapped_column(String(32))
    gave_up: Mapped[bool] = mapped_column(default=False)
    # Claimed while its previous claim was never recorded (the sender died, or hung past its lease): Slack may
    # have it already, so the sender looks for it before posting again.
    in_doubt: Mapped[bool] = mapped_column(default=False, server_default=false())


class SlackPace(Base):
    """Slack's pace for one conversation ("c:<channel>") or Web API method ("m:<method>") of a workspace, shared by
    every sender in every process: a GCRA's theoretical arrival time, in wall-clock epoch seconds."""

    __tablename__ = "slack_pace"
    # The paces still ahead of the wall clock, which a sender waiting for the next one reads.
    __table_args__ = (Index("ix_slack_pace_tat", "tat"),)

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    tat: Mapped[float] = mapped_column(Float)


# The messages still to send, oldest first and per conversation in order: what the sender's claim reads to find the
# first of each conversation, however much history the table keeps.
_UNSENT = OutboxMessage.sent_at.is_(None) & OutboxMessage.gave_up.is_(False)
Index("ix_outbox_unsent_id", OutboxMessage.id, sqlite_where=_UNSENT, postgresql_where=_UNSENT)
Index(
    "ix_outbox_unsent",
    OutboxMessage.workspace_id,
    OutboxMessage.channel,
    OutboxMessage.id,
    sqlite_where=_UNSENT,
    postgresql_where=_UNSENT,
)
