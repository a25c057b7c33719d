"""The outbox service: queue a Web API call once per key; claim, complete or fail it.

A message is queued in the same transaction as the state that caused it, under a unique key
(what, to whom, which occurrence), so a re-run queues nothing new and a crash loses nothing.
Senders claim messages in batches, under a lease and a token, before calling Slack, so two senders never send
one twice; only the first unsent message of a conversation can be claimed, so each keeps its order.
Slack's pace is kept here too (`SlackPace`), so that it holds however many senders in however many processes
share the outbox: a message is claimed only once its conversation's pace allows it, and recording it as sent
moves that pace on in the same transaction.
A sender that dies mid-batch may leave messages Slack took but that were never recorded: claimed again, such a
message is "in doubt" (its previous claim left its token behind), and the sender looks for it at Slack before
posting it again. A dead sender's claims are released at once (`release_abandoned`) rather than after their lease.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Float,
    ScalarSelect,
    Select,
    String,
    Table,
    bindparam,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from storage.models import OutboxMessage, SlackPace
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
class Pace:
    """A GCRA (a token bucket kept as one number): a call every `interval` seconds, after a burst of `burst`."""

    interval: float
    burst: int

    @property
    def tolerance(self) -> float:
        """How far ahead of the wall clock a scope's theoretical arrival time may run and still let a call go."""
        return (self.burst - 1) * self.interval


# About one post a second per conversation after a burst of three, as Slack asks; 0.9/s leaves a margin for jitter.
POSTING = Pace(interval=1 / 0.9, burst=3)


def _tier(per_minute: int) -> Pace:
    return Pace(interval=60 / (per_minute * 0.9), burst=per_minute)


# Slack's published tiers, in calls a minute per workspace, of the other methods the outbox sends (a minute's calls
# at once, then the tier's pace; 0.9 of it, for jitter). chat.postMessage's limit is per conversation (POSTING).
TIERS: dict[str, Pace] = {
    "chat.update": _tier(50),
    "chat.delete": _tier(50),
    "chat.postEphemeral": _tier(100),
    "reactions.add": _tier(50),
    "reactions.remove": _tier(20),
}


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
    in_doubt: bool = False  # its previous claim was never recorded: Slack may have it already


@dataclass(frozen=True)
class Delivered:
    """A claimed message Slack took: where it was posted and its ts, which updates and replies refer to."""

    message: Claimed
    channel: str | None
    ts: str | None
    at: float  # wall-clock epoch seconds when Slack took it: its conversation's pace counts from here

    @property
    def id(self) -> int:
        return self.message.id


@dataclass(frozen=True)
class Failure:
    """A claimed message that did not go: retry it later (after `retry_after` seconds or a backoff), or give up."""

    message: Claimed
    error: str
    permanent: bool
    retry_after: float | None = None  # Slack's Retry-After (a 429): every sender holds back as long
    at: float | None = None  # wall-clock epoch seconds when Slack refused it
    in_doubt: bool = False  # it could not be told whether Slack has it: the next claim must look again


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


def _tat(prefix: str, name: InstrumentedAttribute[str]) -> ScalarSelect[float]:
    """The theoretical arrival time of a candidate's conversation ("c:") or method ("m:"): one primary-key probe.

    A correlated scalar subquery rather than NOT EXISTS, for the reason `_heads` gives.
    """
    scope = literal(prefix, String) + name
    return (
        select(SlackPace.tat)
        .where(SlackPace.workspace_id == OutboxMessage.workspace_id, SlackPace.scope == scope)
        .correlate(OutboxMessage)
        .scalar_subquery()
    )


def _conversation_tat() -> ScalarSelect[float]:
    return _tat("c:", OutboxMessage.channel)


def _method_tat() -> ScalarSelect[float]:
    return _tat("m:", OutboxMessage.method)


def _tolerance(name: InstrumentedAttribute[str], tiers: dict[str, Pace], prefix: str = "") -> ColumnElement[float]:
    """Each tiered method's tolerance, by the method's name (or its scope's, with `prefix`)."""
    return case({prefix + method: pace.tolerance for method, pace in tiers.items()}, value=name, else_=0.0)


def _within_pace(wall: float, pace: Pace, tiers: dict[str, Pace] = TIERS) -> list[ColumnElement[bool]]:
    """A post whose conversation's pace allows it at `wall`, a call to a method that Slack has not paused, and a
    call whose method's tier for the workspace has room."""
    return [
        or_(
            OutboxMessage.method.not_in(PACED_METHODS),
            func.coalesce(_conversation_tat(), 0.0) <= wall + pace.tolerance,
        ),
        func.coalesce(_method_tat(), 0.0) <= wall,
        or_(
            OutboxMessage.method.not_in(list(tiers)),
            func.coalesce(_tat("t:", OutboxMessage.method), 0.0) <= wall + _tolerance(OutboxMessage.method, tiers),
        ),
    ]


def within_tiers(
    session: Session, claimed: Sequence[Claimed], *, wall: float, tiers: dict[str, Pace] = TIERS
) -> list[Claimed]:
    """The claimed calls their methods' tiers let go at `wall`, counted for every sender at once; the others are
    freed untried, for a later claim. In the claim's transaction: each (workspace, tiered method) row is locked,
    read and moved on by as many calls as it lets go, in one order for every sender."""
    groups: dict[tuple[int, str], list[Claimed]] = {}
    for message in claimed:
        if message.method in tiers:
            groups.setdefault((message.workspace_id, message.method), []).append(message)
    over: list[int] = []
    for (workspace_id, method), found in sorted(groups.items()):
        pace, scope = tiers[method], "t:" + method
        insert_once(session, SlackPace, {"workspace_id": workspace_id, "scope": scope, "tat": wall},
                    unique=["workspace_id", "scope"])  # fmt: skip
        row = select(SlackPace.tat).where(SlackPace.workspace_id == workspace_id, SlackPace.scope == scope)
        start = max(float(session.scalar(row.with_for_update()) or wall), wall)
        room = math.floor((wall + pace.tolerance - start) / pace.interval) + 1
        allowed = max(0, min(len(found), room))
        session.execute(
            update(SlackPace)
            .where(SlackPace.workspace_id == workspace_id, SlackPace.scope == scope)
            .values(tat=start + allowed * pace.interval)
        )
        over += [message.id for message in found[allowed:]]
    if not over:
        return list(claimed)
    table = cast(Table, OutboxMessage.__table__)
    session.execute(
        update(table)
        .where(table.c.id.in_(over))
        .values(claimed_until=None, claim_token=_kept_if_in_doubt(table), attempts=table.c.attempts - 1)
    )
    freed = set(over)
    return [message for message in claimed if message.id not in freed]


def claim_due(
    session: Session,
    *,
    now: datetime,
    clock: datetime,
    token: str,
    limit: int = 100,
    wall: float,
    keys: Sequence[tuple[int, str]] = (),
    pace: Pace = POSTING,
) -> list[Claimed]:
    """Lease up to `limit` due messages to the sender holding `token`, oldest first, at most one per conversation.

    One UPDATE ... RETURNING. Only the first unsent message of a conversation is claimed, and a claimed one
    holds up the rest of its conversation until it is recorded, so two senders never send one message twice
    nor a conversation's messages out of order. `now` is the instant the work runs for; `clock` the real
    time, which leases are measured against; `wall` the wall clock in epoch seconds, which Slack's pace is
    kept in. Posts to a conversation over its `pace`, and calls to a method Slack paused, are left for
    later: since the previous post of a conversation is recorded (and its pace moved on) before the next
    can be claimed, this check holds for every sender at once. With `keys`, only those messages.
    """
    heads = _heads(now, clock, keys).where(*_within_pace(wall, pace))
    # SKIP LOCKED (PostgreSQL): a message another sender is claiming this instant is left to it, not waited for.
    heads = heads.order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
    # Materialised once: as a plain IN subquery PostgreSQL may, with stale statistics, run it again for every unsent
    # row (a nested-loop semi join), which is quadratic and, each run locking afresh, leases more than `limit`.
    chosen = heads.cte("heads").prefix_with("MATERIALIZED")
    stmt = (
        update(OutboxMessage)
        # Checked again on the row itself: on PostgreSQL a concurrent claim committed after this statement's
        # snapshot fails these, so the row is skipped rather than leased twice.
        .where(OutboxMessage.id.in_(select(chosen.c.id)), OutboxMessage.sent_at.is_(None), _unleased(clock))
        .values(
            claim_token=token,
            claimed_until=clock + LEASE,
            attempts=OutboxMessage.attempts + 1,
            # SET sees the row as it was: a token left behind is a claim never recorded (a recorded failure, or an
            # untried message, clears it), whether its sender died or its lease ran out.
            in_doubt=OutboxMessage.claim_token.is_not(None),
        )
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
            OutboxMessage.in_doubt,
        )
        .execution_options(synchronize_session=False)
    )
    claimed = [Claimed(*row) for row in session.execute(stmt)]
    return sorted(claimed, key=lambda message: message.id)  # RETURNING promises no order


def still_mine(session: Session, *, token: str, ids: Sequence[int], clock: datetime) -> set[int]:
    """Of these claimed messages, those still leased under `token` (their lease renewed): a sender sends only these,
    so a message freed meanwhile (its sender taken for dead) is never sent by two."""
    if not ids:
        return set()
    stmt = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(list(ids)),
            OutboxMessage.claim_token == token,
            OutboxMessage.claimed_until.is_not(None),
            OutboxMessage.sent_at.is_(None),
        )
        .values(claimed_until=clock + LEASE)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return set(session.scalars(stmt))


def release_abandoned(session: Session, *, live: Collection[str], prefix: str = "w") -> int:
    """End the leases of unsent messages claimed by owners (tokens "<owner>.<hex>", owners starting with `prefix`)
    that are not in `live`, so that any sender may claim them at once; return how many.

    The claim token is kept: the next claim sees it and knows the message is in doubt (Slack may have taken it).
    """
    token = OutboxMessage.claim_token
    stmt = (
        update(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.gave_up.is_(False),
            OutboxMessage.claimed_until.is_not(None),
            token.startswith(prefix, autoescape=True),
            token.contains(".", autoescape=True),
            *[~token.startswith(owner + ".", autoescape=True) for owner in sorted(set(live))],
        )
        .values(claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def next_release(
    session: Session,
    *,
    now: datetime,
    clock: datetime,
    wall: float,
    keys: Sequence[tuple[int, str]] = (),
    pace: Pace = POSTING,
) -> float | None:
    """The wall time at which the first due message held back by a pace (its conversation's, or its method's
    pause) may go; None when no due message waits for a pace.

    Read from the paces still ahead of `wall` (few, and found by an index), each asking whether its
    conversation or method has a due first message: the cost follows the conversations held back, not the
    backlog. A message held by both may be answered with the earlier of the two; a look then finds the other.
    """
    held = aliased(SlackPace)
    heads = _heads(now, clock, keys).where(OutboxMessage.workspace_id == held.workspace_id)
    conversation = (
        select(func.min(held.tat - pace.tolerance))
        .where(held.tat > wall + pace.tolerance, held.scope.startswith("c:"))
        .where(
            heads.where(
                OutboxMessage.channel == func.substr(held.scope, 3), OutboxMessage.method.in_(PACED_METHODS)
            ).exists()
        )
    )
    method = (
        select(func.min(held.tat))
        .where(held.tat > wall, held.scope.startswith("m:"))
        .where(heads.where(literal("m:", String) + OutboxMessage.method == held.scope).exists())
    )
    tolerance = _tolerance(held.scope, TIERS, "t:")
    tier = (
        select(func.min(held.tat - tolerance))
        .where(held.tat > wall + tolerance, held.scope.startswith("t:"))
        .where(heads.where(literal("t:", String) + OutboxMessage.method == held.scope).exists())
    )
    found = session.execute(
        select(conversation.scalar_subquery(), method.scalar_subquery(), tier.scalar_subquery())
    ).one()
    releases = [float(release) for release in found if release is not None]
    return min(releases, default=None)


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
    pace: Pace = POSTING,
) -> None:
    """Record what became of a claim's messages: one statement each for the delivered, the failed, the untried,
    and one for Slack's pace (the posts delivered, the 429s' Retry-After).

    Every row is changed only while it is still leased under `token`, so a sender whose lease has passed
    to another cannot touch it. A failed message is retried after Retry-After or a growing backoff, or given
    up; an untried one (the sender was stopped first) is freed for the next sender as if never claimed. A failure
    still in doubt keeps its token, so that its next claim is in doubt too.
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
    moves = _pace_moves(delivered, failed, pace)
    if moves:
        _move_pace(session, moves)
    if failed:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("m_id"), mine)
            .values(
                last_error=bindparam("m_error"),
                claimed_until=None,
                claim_token=bindparam("m_token"),
                gave_up=bindparam("m_gave_up"),
                not_before=bindparam("m_not_before", type_=UTCDateTime()),
            ),
            [{**_failed_values(f, now), "m_token": token if f.in_doubt else None} for f in failed],
        )
    if untried:
        session.execute(
            update(table)
            .where(table.c.id.in_(untried), mine)
            .values(claimed_until=None, claim_token=_kept_if_in_doubt(table), attempts=table.c.attempts - 1)
        )


def _kept_if_in_doubt(table: Table) -> ColumnElement[Any]:
    """A message freed untried keeps a token if it was in doubt, so that its next claim still looks before posting."""
    return case((table.c.in_doubt.is_(True), table.c.claim_token), else_=None)


Move = tuple[float, float]  # a scope's tat becomes max(tat + add, floor); a new scope's is the floor


def _pace_moves(delivered: Sequence[Delivered], failed: Sequence[Failure], pace: Pace) -> dict[tuple[int, str], Move]:
    """How each (workspace, scope)'s theoretical arrival time moves: a post Slack took at s, max(tat, s) + interval;
    a 429 with Retry-After r seen at w holds the conversation (or, for another method, the method) until w + r."""
    moves: dict[tuple[int, str], Move] = {}

    def move(key: tuple[int, str], add: float, floor: float) -> None:
        before_add, before_floor = moves.get(key, (0.0, -math.inf))
        moves[key] = (before_add + add, max(before_floor + add, floor))  # one move after the other

    for sent in delivered:
        message = sent.message
        if message.method in PACED_METHODS:
            move((message.workspace_id, "c:" + message.channel), pace.interval, sent.at + pace.interval)
    for failure in failed:
        message = failure.message
        if failure.retry_after is None or failure.at is None:
            continue
        until = failure.at + failure.retry_after
        if message.method in PACED_METHODS:
            move((message.workspace_id, "c:" + message.channel), 0.0, until + pace.tolerance)
        else:
            move((message.workspace_id, "m:" + message.method), 0.0, until)
    return moves


def _move_pace(session: Session, moves: dict[tuple[int, str], Move]) -> None:
    """Upsert every scope's move in one executemany (ON CONFLICT DO UPDATE on both engines)."""
    table = cast(Table, SlackPace.__table__)
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = postgresql.insert if postgres else sqlite.insert
    stmt = insert(table).values(
        workspace_id=bindparam("p_workspace"), scope=bindparam("p_scope"), tat=bindparam("p_floor", type_=Float())
    )
    greatest = func.greatest if postgres else func.max  # SQLite's max() of several arguments is the greater
    moved = greatest(table.c.tat + bindparam("p_add", type_=Float()), stmt.excluded.tat)
    session.execute(
        stmt.on_conflict_do_update(index_elements=[table.c.workspace_id, table.c.scope], set_={"tat": moved}),
        [
            {"p_workspace": workspace_id, "p_scope": scope, "p_floor": floor, "p_add": add}
            for (workspace_id, scope), (add, floor) in sorted(moves.items())  # one lock order for every sender
        ],
    )


def forget_old_pace(session: Session, *, now: datetime) -> int:
    """Delete paces a day behind `now`: a theoretical arrival time that far in the past holds nothing back, as if
    the row were not there; return how many."""
    stale = SlackPace.tat < (now - timedelta(days=1)).timestamp()
    return int(session.execute(delete(SlackPace).where(stale)).rowcount)  # type: ignore[attr-defined]


def forget_pace(session: Session, *, workspace_id: int, channel: str) -> int:
    """Drop what is kept of a conversation's pace (a direct message's is named by the person's id); return how many."""
    result = session.execute(
        delete(SlackPace).where(SlackPace.workspace_id == workspace_id, SlackPace.scope == "c:" + channel)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


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
