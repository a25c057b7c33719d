"""The membership cache: who is in which channel, as Slack said in conversations.members and in events.

domain.visibility reads it to decide who may see a private channel's records, and a public one's for a guest
(who sees only the channels they are in). Events keep the cache current; a roster older than ROSTER_FRESH (or
never read) is read again, away from any request.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import ChannelMember, ChannelRoster
from storage.queries import insert_once

# Events keep rosters current; reading them again now and then mends what an outage made pmbot miss.
ROSTER_FRESH = timedelta(hours=6)


def channels_of(session: Session, *, workspace_id: int, user_id: str, channel_ids: Collection[str]) -> set[str]:
    """Return which of `channel_ids` Slack has said the person is in."""
    if not channel_ids:
        return set()
    rows = session.scalars(
        select(ChannelMember.channel_id).where(
            ChannelMember.workspace_id == workspace_id,
            ChannelMember.user_id == user_id,
            ChannelMember.present.is_(True),
        )
    )
    return set(rows) & set(channel_ids)


def to_read(session: Session, *, workspace_id: int, channel_ids: Collection[str], now: datetime) -> list[str]:
    """Return the channels among `channel_ids` whose roster was never read or is older than ROSTER_FRESH."""
    fresh = set(
        session.scalars(
            select(ChannelRoster.channel_id).where(
                ChannelRoster.workspace_id == workspace_id,
                ChannelRoster.synced_at > now - ROSTER_FRESH,
            )
        )
    )
    return [c for c in channel_ids if c not in fresh]


def was_read(session: Session, *, workspace_id: int, channel_id: str) -> bool:
    """Return whether the channel's whole roster has ever been read from Slack."""
    return _roster(session, workspace_id=workspace_id, channel_id=channel_id) is not None


def record(session: Session, *, workspace_id: int, channel_id: str, user_id: str, present: bool, now: datetime) -> None:
    """Record that a person joined (`present`) or left a channel at `now` (a member_joined/left event)."""
    values = {"workspace_id": workspace_id, "channel_id": channel_id, "user_id": user_id}
    if not insert_once(session, ChannelMember, {**values, "present": present, "changed_at": now}, unique=list(values)):
        session.execute(
            update(ChannelMember)
            .where(*(getattr(ChannelMember, k) == v for k, v in values.items()))
            .values(present=present, changed_at=now)
            .execution_options(synchronize_session=False)
        )


def forget_roster(session: Session, *, workspace_id: int, channel_id: str) -> None:
    """Mark a channel's roster as to be read again (pmbot itself joined: it may read more than before)."""
    roster = _roster(session, workspace_id=workspace_id, channel_id=channel_id)
    if roster is not None:
        session.delete(roster)


def replace_roster(
    session: Session, *, workspace_id: int, channel_id: str, members: Iterable[str], asked_at: datetime
) -> None:
    """Store a channel's whole member list as read from Slack at `asked_at`.

    An event recorded since `asked_at` is newer than the list and wins over it.
    """
    members = set(members)
    rows = {
        row.user_id: row
        for row in session.scalars(
            select(ChannelMember).where(
                ChannelMember.workspace_id == workspace_id, ChannelMember.channel_id == channel_id
            )
        )
    }
    for user_id, row in rows.items():
        if row.changed_at < asked_at and row.present != (user_id in members):
            row.present, row.changed_at = user_id in members, asked_at
    for user_id in sorted(members - set(rows)):
        values = {"workspace_id": workspace_id, "channel_id": channel_id, "user_id": user_id}
        insert_once(session, ChannelMember, {**values, "present": True, "changed_at": asked_at}, unique=list(values))
    roster = _roster(session, workspace_id=workspace_id, channel_id=channel_id)
    if roster is None:
        values = {"workspace_id": workspace_id, "channel_id": channel_id, "synced_at": asked_at}
        if insert_once(session, ChannelRoster, values, unique=["workspace_id", "channel_id"]):
            return
        roster = _roster(session, workspace_id=workspace_id, channel_id=channel_id)
        assert roster is not None
    roster.synced_at = max(roster.synced_at, asked_at)


def _roster(session: Session, *, workspace_id: int, channel_id: str) -> ChannelRoster | None:
    return session.scalar(
        select(ChannelRoster).where(ChannelRoster.workspace_id == workspace_id, ChannelRoster.channel_id == channel_id)
    )
