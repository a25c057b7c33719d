"""The outbox service: queue a Web API call once per key; claim, complete or fail it.

A message is queued in the same transaction as the state that caused it, under a unique key
(what, to whom, which occurrence), so a re-run queues nothing new and a crash loses nothing.
Senders claim a message with a lease before calling Slack, so two senders never send one twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from storage.models import OutboxMessage
from storage.queries import insert_once

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


@cache
def _blocked() -> Any:
    """True for a message behind an earlier one to the same conversation that is in flight or being retried.

    Built once: constructing the aliased EXISTS took more time per claim than running it.
    """
    earlier = aliased(OutboxMessage)
    return exists().where(
        earlier.workspace_id == OutboxMessage.workspace_id,
        earlier.channel == OutboxMessage.channel,
        earlier.id < OutboxMessage.id,
        earlier.sent_at.is_(None),
        earlier.gave_up.is_(False),
        earlier.attempts > 0,
    )


def _unleased(clock: datetime) -> Any:
    return or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < clock)


def due(
    session: Session, *, now: datetime, clock: datetime, limit: int = 500, keys: Sequence[tuple[int, str]] = ()
) -> list[tuple[int, str, str]]:
    """Return (id, channel, method) of unsent messages due by `now` and not leased at `clock`, oldest first.

    `now` is the instant the work runs for (it may be given, as with `run-due --now`); `clock` is the
    real time, which leases are measured against. A message waits while an earlier one to the same
    conversation is in flight or being retried, so each conversation receives its messages in order.
    """
    stmt = (
        select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.method)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.gave_up.is_(False),
            OutboxMessage.not_before <= now,
            OutboxMessage.method != HELD,
            _unleased(clock),
            ~_blocked(),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if keys:
        stmt = stmt.where(OutboxMessage.key.in_({k for _, k in keys}))
    return [(row.id, row.channel, row.method) for row in session.execute(stmt)]


def claim(session: Session, message_id: int, *, token: str, clock: datetime) -> OutboxMessage | None:
    """Lease a message to one sender; None if it is done, leased, or behind an earlier one in its conversation."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.gave_up.is_(False),
            OutboxMessage.method != HELD,
            _unleased(clock),
            ~_blocked(),
        )
        .values(claim_token=token, claimed_until=clock + LEASE, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def mark_sent(
    session: Session, message_id: int, *, token: str, now: datetime, channel: str | None, ts: str | None
) -> None:
    """Record that the claimed message was delivered."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == token)
        .values(sent_at=now, claimed_until=None, result_channel=channel, result_ts=ts, last_error=None)
        .execution_options(synchronize_session=False)
    )


def mark_failed(
    session: Session,
    message_id: int,
    *,
    token: str,
    now: datetime,
    error: str,
    permanent: bool,
    retry_after: float | None = None,
) -> None:
    """Record a failed attempt of this sender's claim: retry later with backoff, or give up.

    One conditional UPDATE, so a sender whose lease has passed to another cannot touch the row.
    """
    row = session.execute(
        select(OutboxMessage.attempts, OutboxMessage.created_at, OutboxMessage.not_before).where(
            OutboxMessage.id == message_id, OutboxMessage.claim_token == token
        )
    ).first()
    if row is None:
        return
    backoff = (
        timedelta(seconds=retry_after)
        if retry_after
        else min(timedelta(seconds=15 * 2 ** min(row.attempts, 12)), MAX_BACKOFF)
    )
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == token)
        .values(
            last_error=error[:2000],
            claimed_until=None,
            claim_token=None,
            gave_up=permanent or now - row.created_at > GIVE_UP_AFTER,
            not_before=max(row.not_before, now + backoff),
        )
        .execution_options(synchronize_session=False)
    )


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


def cancel_pending(session: Session, *, workspace_id: int, key_prefix: str, kinds: Sequence[str]) -> int:
    """Drop unsent messages whose key is `key_prefix` + one of `kinds` + anything; return how many."""
    conditions = [OutboxMessage.key.startswith(f"{key_prefix}{kind}", autoescape=True) for kind in kinds]
    result = session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.workspace_id == workspace_id, OutboxMessage.sent_at.is_(None), or_(*conditions))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
