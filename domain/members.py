"""Members: the Slack profile facts pmbot needs (name, time zone, locale), cached and refreshed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Member

STALE_AFTER = timedelta(hours=24)


def find(session: Session, *, workspace_id: int, user_id: str) -> Member | None:
    """Return the cached member, if pmbot has seen them."""
    return session.scalar(select(Member).where(Member.workspace_id == workspace_id, Member.user_id == user_id))


def is_stale(member: Member | None, *, now: datetime) -> bool:
    """Return whether the cached profile is missing or old enough to fetch again."""
    return member is None or now - member.fetched_at > STALE_AFTER


def upsert_from_profile(session: Session, *, workspace_id: int, user: dict[str, Any], now: datetime) -> Member:
    """Store a `users.info` user object (as Slack sends it) as a member."""
    user_id = str(user["id"])
    member = find(session, workspace_id=workspace_id, user_id=user_id)
    if member is None:
        try:
            with session.begin_nested():
                member = Member(workspace_id=workspace_id, user_id=user_id, fetched_at=now)
                session.add(member)
        except IntegrityError:  # a concurrent request stored them first
            member = find(session, workspace_id=workspace_id, user_id=user_id)
            assert member is not None
    profile = user.get("profile") or {}
    member.name = str(profile.get("display_name") or user.get("name") or user_id)[:255]
    member.real_name = str(user.get("real_name") or profile.get("real_name") or member.name)[:255]
    member.time_zone = _zone(user.get("tz"), fallback=member.time_zone or "UTC")
    member.locale = str(user.get("locale") or member.locale or "en-US")[:16]
    member.is_bot = bool(user.get("is_bot"))
    member.is_admin = bool(user.get("is_admin") or user.get("is_owner"))
    member.deleted = bool(user.get("deleted"))
    member.fetched_at = now
    return member


def _zone(name: object, *, fallback: str) -> str:
    # Slack omits tz for some accounts; keep what we had rather than guessing.
    if isinstance(name, str) and name:
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return fallback
