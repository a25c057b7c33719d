"""Members: the Slack profile facts pmbot needs (name, time zone, locale, guest or not), cached and refreshed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.calendar import is_zone
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


def is_full_member(session: Session, *, workspace_id: int, user_id: str) -> bool:
    """Return whether Slack said the person is a full member of the workspace, not a guest (who sees only the
    channels they are in); False for someone whose profile pmbot never read."""
    is_guest = session.scalar(
        select(Member.is_guest).where(Member.workspace_id == workspace_id, Member.user_id == user_id)
    )
    return is_guest is False


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
    member.is_guest = bool(user.get("is_restricted") or user.get("is_ultra_restricted"))
    member.status_text = str(profile.get("status_text") or "")[:100]
    member.status_emoji = str(profile.get("status_emoji") or "")[:100]
    member.status_expires_at = _expiry(profile.get("status_expiration"))
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


def name_in_text(people: Callable[[str], Member]) -> Callable[[str], str]:
    """How free text names a person it mentions, given the edge's `people` (which asks Slack for a profile not
    known): their name, else their id. Whatever stops the name from being found (someone Slack does not know, Slack
    not answering now) leaves the id: a name is never worth losing what was typed."""

    def name_of(user_id: str) -> str:
        try:
            return people(user_id).name or user_id
        except Exception:  # the edge's errors are its own (a Slack error, a timeout): this rule needs only "no name"
            return user_id

    return name_of


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


@dataclass(frozen=True)
class Known:
    """What pmbot has cached of some members, by (workspace_id, user_id)."""

    zones: dict[tuple[int, str], str]  # only the zones Slack gave: a reader falls back to its project's
    names: dict[tuple[int, str], str]
    deactivated: frozenset[tuple[int, str]]


def known(session: Session, *, user_ids: Iterable[str] | None = None, workspace_ids: Iterable[int] = ()) -> Known:
    """Return the zone, name and deactivation of these cached members (without `user_ids`, every member of
    `workspace_ids`) in one query: the one place pmbot reads them for many people at once."""
    stmt = select(Member.workspace_id, Member.user_id, Member.zone_name, Member.name, Member.deleted)
    if user_ids is not None:
        stmt = stmt.where(Member.user_id.in_(set(user_ids)))
    if workspace_ids:
        stmt = stmt.where(Member.workspace_id.in_(set(workspace_ids)))
    zones: dict[tuple[int, str], str] = {}
    names: dict[tuple[int, str], str] = {}
    deactivated: set[tuple[int, str]] = set()
    for row in session.execute(stmt):
        key = (row.workspace_id, row.user_id)
        names[key] = row.name
        if row.zone_name:
            zones[key] = row.zone_name
        if row.deleted:
            deactivated.add(key)
    return Known(zones, names, frozenset(deactivated))


def zones_in(session: Session, *, workspace_id: int) -> tuple[dict[str, str], set[str]]:
    """Return every member's known zone by user id, and the deactivated ones, in a workspace of any size.

    A row per (zone, deactivated) with its members' ids joined by spaces (never in a Slack id): ten thousand
    members are a few dozen rows, not a Python object each to build and for the garbage collector to walk.
    """
    zones: dict[str, str] = {}
    deactivated: set[str] = set()
    rows = session.execute(
        select(Member.zone_name, Member.deleted, func.aggregate_strings(Member.user_id, " "))
        .where(Member.workspace_id == workspace_id)
        .group_by(Member.zone_name, Member.deleted)
    )
    for tz, deleted, users in rows:
        if tz:
            zones.update(dict.fromkeys(users.split(" "), tz))
        if deleted:
            deactivated.update(users.split(" "))
    return zones, deactivated


def zones_and_deactivated(
    session: Session, *, user_ids: Iterable[str], workspace_ids: Iterable[int] = ()
) -> tuple[dict[tuple[int, str], str], set[tuple[int, str]]]:
    """Return the known zone of each of these cached members by (workspace_id, user_id), and which are deactivated.

    A member whose zone Slack never gave is left out of the zones, so the reader falls back to its project's.
    """
    found = known(session, user_ids=user_ids, workspace_ids=workspace_ids)
    return found.zones, set(found.deactivated)


def names(session: Session, *, workspace_id: int, user_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Return the cached name of each of these members by user id (every member of the workspace without `user_ids`)."""
    found = known(session, user_ids=user_ids, workspace_ids=[workspace_id])
    return {user: name for (_, user), name in found.names.items()}


def zones_by_workspace(session: Session, *, workspace_ids: Iterable[int]) -> dict[int, set[str]]:
    """Return the zones each workspace's members are in: every zone its stand-ups' participants can be in.

    One row per zone, whatever the number of members ("" for a member whose zone Slack never gave).
    """
    rows = session.execute(
        select(Member.workspace_id, Member.zone_name).where(Member.workspace_id.in_(set(workspace_ids))).distinct()
    )
    zones: dict[int, set[str]] = {}
    for row in rows:
        zones.setdefault(row.workspace_id, set()).add(row.zone_name)
    return zones


def _expiry(value: object) -> datetime | None:
    # Slack's status_expiration: a Unix time, 0 (or absent) when the status never expires.
    try:
        seconds = int(str(value or 0))
    except ValueError:
        return None
    return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None


def _zone(name: object, *, fallback: str) -> str:
    # Slack omits tz for some accounts: keep what we had, else "" (unknown) so readers use the project's zone.
    return name if isinstance(name, str) and name and is_zone(name) else fallback
