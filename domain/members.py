"""Members: the Slack profile facts pmbot needs (name, time zone, locale), cached and refreshed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.errors import InvalidInput
from domain.text import escape
from storage.models import Member, Standup

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
    known_zone = member.zone_name if member is not None else ""
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
    member.zone_name = _zone(user.get("tz"), fallback=known_zone)
    if member.zone_name != known_zone:
        _ask_again_today(session, workspace_id=workspace_id, user_id=user_id)
    member.locale = str(user.get("locale") or member.locale or "en-US")[:16]
    member.is_bot = bool(user.get("is_bot"))
    member.is_admin = bool(user.get("is_admin") or user.get("is_owner"))
    member.deleted = bool(user.get("deleted"))
    member.fetched_at = now
    return member


def _ask_again_today(session: Session, *, workspace_id: int, user_id: str) -> None:
    """Their zone changed, or became known: the stand-ups they are in work today out afresh at the next tick, so they
    are asked at their own time today if it is still to come (a prompt queued already is never queued again)."""
    for standup in session.scalars(
        select(Standup).where(Standup.workspace_id == workspace_id, Standup.queued_through.is_not(None))
    ):
        if user_id in (standup.participants or []):
            standup.queued_through = None


def zone_of(member: Member | None, *, fallback: str) -> str:
    """Return the member's zone, or `fallback` (a project's zone) when Slack never gave one, else UTC."""
    return (member.zone_name if member is not None else "") or fallback or "UTC"


def require_can_own(member: Member, what: str, *, field: str | None = None) -> None:
    """Refuse a deactivated account or a bot the part `what` ("own action items"), saying which it is."""
    name = escape(member.name or member.user_id)
    if member.deleted:
        raise InvalidInput(f"@{name} is deactivated, so they can't {what}.", hint="Give it to someone active.",
                           field=field)  # fmt: skip
    if member.is_bot:
        raise InvalidInput(f"@{name} is a bot, so it can't {what}.", hint="Give it to a person.", field=field)


def zones_and_deactivated(
    session: Session, *, user_ids: Iterable[str], workspace_ids: Iterable[int] = ()
) -> tuple[dict[tuple[int, str], str], set[tuple[int, str]]]:
    """Return the known zone of each of these cached members by (workspace_id, user_id), and which are deactivated.

    A member whose zone Slack never gave is left out of the zones, so the reader falls back to its project's.
    """
    stmt = select(Member.workspace_id, Member.user_id, Member.zone_name, Member.deleted).where(
        Member.user_id.in_(set(user_ids))
    )
    if workspace_ids:
        stmt = stmt.where(Member.workspace_id.in_(set(workspace_ids)))
    zones: dict[tuple[int, str], str] = {}
    deactivated: set[tuple[int, str]] = set()
    for row in session.execute(stmt):
        if row.zone_name:
            zones[(row.workspace_id, row.user_id)] = row.zone_name
        if row.deleted:
            deactivated.add((row.workspace_id, row.user_id))
    return zones, deactivated


def _zone(name: object, *, fallback: str) -> str:
    # Slack omits tz for some accounts: keep what we had, else "" (unknown) so readers use the project's zone.
    if isinstance(name, str) and name:
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return fallback
