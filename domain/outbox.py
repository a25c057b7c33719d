"""The outbox service: queue a Web API call once per key; claim, complete or fail it.

A message is queued in the same transaction as the state that caused it, under a unique key
(what, to whom, which occurrence), so a re-run queues nothing new and a crash loses nothing.
Senders claim messages in batches, under a lease and a token, before calling Slack, so two senders never send
one twice; only the first unsent message of a conversation can be claimed, so each keeps its order.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from storage.models import OutboxMessage
from storage.queries import insert_once
from storage.types import UTCDateTime

# Longer than any single Web API call can take (senders use a client without retries of its own).
LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=2)
# A note held for a message that gathers several (domain.escalations): queued like the rest, never sent itself.
HELD = "pmbot.held"


@dataclass(frozen=True)
class Outgoing:
    """A Web API call to make once."""

    key: str
    method: str
    channel: str
    payload: dict[str, Any]
    not_before: datetime


def enqueue(session: Session, *, workspace_id: int, message: Outgoing, now: datetime) -> bool:
    """Queue a message unless one with the same key exists; return whether it was new."""
    values = {
        "workspace_id": workspace_id,
        "key": message.key,
        "method": message.method,
        "channel": message.channel,
        "payload": message.payload,
        "not_before": message.not_before,
        "created_at": now,
        "attempts": 0,
        "gave_up": False,
    }
    new = insert_once(session, OutboxMessage, values, unique=["workspace_id", "key"])
    if new:
        session.info.setdefault("outbox_keys", []).append((workspace_id, message.key))
    return new


# Slack's posting limit of about one message a second applies to chat.postMessage, per conversation.
PACED_METHODS = frozenset({"chat.postMessage"})


@dataclass(frozen=True)
class Claimed:
    """A message leased to one sender: what to send, and what a failure needs to reschedule it."""

    id: int
    workspace_id: int
    key: str
    method: str
    channel: str
    payload: dict[str, Any]
    attempts: int  # counting this one
    created_at: datetime
    not_before: datetime


@dataclass(frozen=True)
class Delivered:
    """A claimed message Slack took: where it was posted and its ts, which updates and replies refer to."""

    id: int
    channel: str | None
    ts: str | None


@dataclass(frozen=True)
class Failure:
    """A claimed message that did not go: retry it later (after `retry_after` seconds or a backoff), or give up."""

    message: Claimed
    error: str
    permanent: bool
    retry_after: float | None = None


def _heads(now: datetime, clock: datetime, keys: Sequence[tuple[int, str]]) -> Select[Any]:
    """The ids of the messages that may go now: due, not leased at `clock`, and first in their conversation.

    First: no earlier message to the same conversation is due, in flight or being retried, so each
    conversation receives its messages in order. A message not due yet holds up nothing behind it.
    """
    earlier = aliased(OutboxMessage)
    # A correlated MIN, not NOT EXISTS: PostgreSQL may turn NOT EXISTS into a join, and into a quadratic one when
    # the table's statistics are stale (a burst just queued); MIN stays one index probe per candidate.
    first = (
        select(func.min(earlier.id))
        .where(
            earlier.workspace_id == OutboxMessage.workspace_id,
            earlier.channel == OutboxMessage.channel,
            earlier.sent_at.is_(None),
            earlier.gave_up.is_(False),
            earlier.method != HELD,
            or_(earlier.attempts > 0, earlier.not_before <= now),
        )
        .scalar_subquery()
    )
    stmt = select(OutboxMessage.id).where(
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.gave_up.is_(False),
        OutboxMessage.method != HELD,
        OutboxMessage.not_before <= now,
        _unleased(clock),
        OutboxMessage.id == first,
    )
    if keys:
        stmt = stmt.where(OutboxMessage.key.in_({k for _, k in keys}))
    return stmt


def _unleased(clock: datetime) -> ColumnElement[bool]:
    return or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < clock)


def claim_due(
    session: Session,
    *,
    now: datetime,
    clock: datetime,
    token: str,
    limit: int = 100,
    keys: Sequence[tuple[int, str]] = (),
    paced: Collection[str] = (),
) -> list[Claimed]:
    """Lease up to `limit` due messages to the sender holding `token`, oldest first, at most one per conversation.

    One UPDATE ... RETURNING. Only the first unsent message of a conversation is claimed, and a claimed one
    holds up the rest of its conversation until it is recorded, so two senders never send one message twice
    nor a conversation's messages out of order. `now` is the instant the work runs for; `clock` the real
    time, which leases are measured against. With `keys`, only those messages; posts to the `paced`
    conversations (over Slack's posting limit) are left for later.
    """
    heads = _heads(now, clock, keys)
    if paced:
        heads = heads.where(or_(OutboxMessage.channel.not_in(list(paced)), OutboxMessage.method.not_in(PACED_METHODS)))
    # SKIP LOCKED (PostgreSQL): a message another sender is claiming this instant is left to it, not waited for.
    heads = heads.order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
    stmt = (
        update(OutboxMessage)
        # Checked again on the row itself: on PostgreSQL a concurrent claim committed after this statement's
        # snapshot fails these, so the row is skipped rather than leased twice.
        .where(OutboxMessage.id.in_(heads.scalar_subquery()), OutboxMessage.sent_at.is_(None), _unleased(clock))
        .values(claim_token=token, claimed_until=clock + LEASE, attempts=OutboxMessage.attempts + 1)
        .returning(
            OutboxMessage.id,
            OutboxMessage.workspace_id,
            OutboxMessage.key,
            OutboxMessage.method,
            OutboxMessage.channel,
            OutboxMessage.payload,
            OutboxMessage.attempts,
            OutboxMessage.created_at,
            OutboxMessage.not_before,
        )
        .execution_options(synchronize_session=False)
    )
    claimed = [Claimed(*row) for row in session.execute(stmt)]
    return sorted(claimed, key=lambda message: message.id)  # RETURNING promises no order


def waiting_in(
    session: Session, *, now: datetime, clock: datetime, channels: Collection[str], keys: Sequence[tuple[int, str]] = ()
) -> set[str]:
    """Which of these conversations have a post that may go as soon as their pace allows."""
    if not channels:
        return set()
    ids = _heads(now, clock, keys).where(
        OutboxMessage.channel.in_(list(channels)), OutboxMessage.method.in_(PACED_METHODS)
    )
    return set(session.scalars(select(OutboxMessage.channel).where(OutboxMessage.id.in_(ids.scalar_subquery()))))


def references(session: Session, refs: Collection[tuple[int, str]]) -> dict[tuple[int, str], OutboxMessage]:
    """The messages queued under these (workspace_id, key) pairs, which updates and replies refer to."""
    if not refs:
        return {}
    workspaces, keys = {w for w, _ in refs}, {k for _, k in refs}
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.workspace_id.in_(workspaces), OutboxMessage.key.in_(keys))
    )
    return {(row.workspace_id, row.key): row for row in rows}


def record(
    session: Session,
    *,
    token: str,
    now: datetime,
    delivered: Sequence[Delivered] = (),
    failed: Sequence[Failure] = (),
    untried: Sequence[int] = (),
) -> None:
    """Record what became of a claim's messages: one statement each for the delivered, the failed, the untried.

    Every row is changed only while it is still leased under `token`, so a sender whose lease has passed
    to another cannot touch it. A failed message is retried after Retry-After or a growing backoff, or given
    up; an untried one (the sender was stopped first) is freed for the next sender as if never claimed.
    """
    table = cast(Table, OutboxMessage.__table__)  # Core: one executemany, a WHERE on each row's claim token
    mine = table.c.claim_token == token
    if delivered:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("m_id"), mine)
            .values(
                sent_at=now,
                claimed_until=None,
                result_channel=bindparam("m_channel"),
                result_ts=bindparam("m_ts"),
                last_error=None,
            ),
            [{"m_id": d.id, "m_channel": d.channel, "m_ts": d.ts} for d in delivered],
        )
    if failed:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("m_id"), mine)
            .values(
                last_error=bindparam("m_error"),
                claimed_until=None,
                claim_token=None,
                gave_up=bindparam("m_gave_up"),
                not_before=bindparam("m_not_before", type_=UTCDateTime()),
            ),
            [_failed_values(f, now) for f in failed],
        )
    if untried:
        session.execute(
            update(table)
            .where(table.c.id.in_(untried), mine)
            .values(claimed_until=None, claim_token=None, attempts=table.c.attempts - 1)
        )


def _failed_values(failure: Failure, now: datetime) -> dict[str, Any]:
    message = failure.message
    backoff = (
        timedelta(seconds=failure.retry_after)
        if failure.retry_after
        else min(timedelta(seconds=15 * 2 ** min(message.attempts, 12)), MAX_BACKOFF)
    )
    return {
        "m_id": message.id,
        "m_error": failure.error[:2000],
        "m_gave_up": failure.permanent or now - message.created_at > GIVE_UP_AFTER,
        "m_not_before": max(message.not_before, now + backoff),
    }


def find(session: Session, *, workspace_id: int, key: str) -> OutboxMessage | None:
    """Return the message queued under a key."""
    return session.scalar(
        select(OutboxMessage).where(OutboxMessage.workspace_id == workspace_id, OutboxMessage.key == key)
    )


def posts_under(session: Session, *, workspace_id: int, key_prefix: str) -> list[OutboxMessage]:
    """The messages posted (not updates) under keys starting with `key_prefix`, oldest first."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.workspace_id == workspace_id,
                OutboxMessage.key.startswith(key_prefix, autoescape=True),
                OutboxMessage.method == "chat.postMessage",
                OutboxMessage.gave_up.is_(False),
            )
            .order_by(OutboxMessage.id)
        )
    )


def sent_times(session: Session, *, workspace_id: int, keys: Sequence[str]) -> dict[str, datetime]:
    """When each of these keys' messages was delivered (keys not queued or not sent yet are left out)."""
    found: dict[str, datetime] = {}
    for chunk in _chunks(keys):
        rows = session.execute(
            select(OutboxMessage.key, OutboxMessage.sent_at).where(
                OutboxMessage.workspace_id == workspace_id,
                OutboxMessage.key.in_(chunk),
                OutboxMessage.sent_at.is_not(None),
            )
        )
        found.update((row.key, row.sent_at) for row in rows if row.sent_at is not None)
    return found


def _chunks(keys: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    """`keys` in slices small enough for one IN list."""
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def enqueue_many(session: Session, messages: Sequence[tuple[int, Outgoing]], *, now: datetime) -> int:
    """Queue many (workspace_id, message) pairs, skipping keys already queued; return how many were new.

    Scheduled work re-derives the same messages every tick, so most keys exist: one query finds them,
    and only the rest are inserted.
    """
    if not messages:
        return 0
    existing: set[tuple[int, str]] = set()
    keys = [m.key for _, m in messages]
    workspaces = {workspace_id for workspace_id, _ in messages}
    for chunk in _chunks(keys):
        # workspace_id first: the (workspace_id, key) unique index answers this without a scan.
        rows = session.execute(
            select(OutboxMessage.workspace_id, OutboxMessage.key).where(
                OutboxMessage.workspace_id.in_(workspaces), OutboxMessage.key.in_(chunk)
            )
        )
        existing.update((row.workspace_id, row.key) for row in rows)
    return sum(
        enqueue(session, workspace_id=workspace_id, message=message, now=now)
        for workspace_id, message in messages
        if (workspace_id, message.key) not in existing
    )


def cancel_pending(session: Session, *, workspace_id: int, prefixes: Sequence[str]) -> int:
    """Drop unsent messages whose key starts with one of `prefixes`; return how many."""
    if not prefixes:
        return 0
    conditions = [OutboxMessage.key.startswith(prefix, autoescape=True) for prefix in prefixes]
    result = session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.workspace_id == workspace_id, OutboxMessage.sent_at.is_(None), or_(*conditions))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
