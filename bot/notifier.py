"""The sender: delivers due outbox messages through the Web API in batches and records the results.

Every post carries its outbox key in Slack's message metadata, so that a post in doubt (its sender died after
Slack may have taken it, before recording it) is looked for in its conversation before it is posted again.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from domain import outbox
from domain.clock import utcnow
from storage.db import unit_of_work
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

# Errors that sending again cannot fix: give up on the message (and log it) rather than retry forever.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "account_inactive",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "too_many_attachments",
        "cannot_dm_bot",
        "user_disabled",
        "invalid_arguments",
        "message_not_found",
        "cant_update_message",
        "restricted_action",
        "unknown_method",
        "not_authed",
        "invalid_auth",
        "token_revoked",
        "missing_scope",
    }
)


GIVE_UP_HINTS = {
    "channel_not_found": " (a private channel pmbot is not in, or a deleted one: /invite @pmbot there)",
    "not_in_channel": " (pmbot is not in the channel: /invite @pmbot there)",
    "is_archived": " (the channel is archived)",
    "msg_too_long": " (the text is over Slack's 40,000 characters)",
}

# Refusals about where or what pmbot posted, which the person who caused the message can act on.
REFUSALS_TO_TELL = frozenset({"channel_not_found", "not_in_channel", "is_archived", "msg_too_long"})


@dataclass(frozen=True)
class Refusal:
    """Slack refused a message for good: where it was going and why."""

    channel: str
    error: str
    key: tuple[int, str] = (0, "")  # the message's (workspace id, outbox key)


MARK_SENT_RETRIES = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)  # seconds: about half a minute in all
BATCH = 100  # messages claimed at once, each the first of its conversation
THREADS = 4  # calls to Slack in flight at once, never two to one conversation
RECORD_EVERY = 10  # a lane records its outcomes after this many messages
# A payload may refer to a message this outbox posted earlier, by key: ts_of updates it, thread_ts_of replies in its
# thread.
REFERENCES = (("ts_of", "ts"), ("thread_ts_of", "thread_ts"))
IN_THIS_BATCH = "reference_in_this_batch"

# The metadata every post carries (added at send time): what an in-doubt post is looked for by.
KEY_EVENT = "pmbot_outbox"
LOOKUP_TRIES = 3  # an in-doubt post whose lookup keeps failing is posted anyway once claimed this many times
LOOKUP_PAGE = 15  # messages a page: the most Slack serves apps outside its Marketplace
LOOKUP_PAGES = 5  # pages read back before giving up looking (the post is then made, with a warning)
LOOKUP_MARGIN = timedelta(minutes=5)  # this machine's clock and Slack's may differ a little
# Lookup refusals that asking again cannot fix: the post is made at once (it may be a duplicate; a warning says so).
LOOKUP_REFUSALS = frozenset(
    {"channel_not_found", "not_in_channel", "thread_not_found", "missing_scope", "not_allowed_token_type"}
)
# In doubt, these answers mean an earlier attempt already did what was asked.
ALREADY_DONE = {
    "reactions.add": "already_reacted",
    "reactions.remove": "no_reaction",
    "chat.delete": "message_not_found",
}


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    skipped: int = 0  # claimed but not tried: the pass was stopped, or its budget spent, first
    errors: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)  # the given-up messages a person could do something about

    def add(self, other: DeliveryReport) -> None:
        """Count another pass's outcomes into this one."""
        self.sent += other.sent
        self.failed += other.failed
        self.gave_up += other.gave_up
        self.skipped += other.skipped
        self.errors += other.errors
        self.refused += other.refused


def real_seconds() -> float:
    """A monotonic clock of the machine itself: pacing is about the real rate of calls to Slack, so it must not
    follow a simulated or frozen clock (freezegun patches time.monotonic, not clock_gettime)."""
    if hasattr(time, "clock_gettime"):
        return time.clock_gettime(time.CLOCK_MONOTONIC)
    return time.monotonic()  # pragma: no cover  (Windows)


def wall_seconds() -> float:
    """The machine's wall clock in epoch seconds, never frozen nor simulated: Slack's pace is kept in the database
    in it, so that senders on several machines (with synchronised clocks) share it."""
    if hasattr(time, "clock_gettime"):
        return time.clock_gettime(time.CLOCK_REALTIME)
    return time.time()  # pragma: no cover  (Windows)


ClientFor = Callable[[int], WebClient | None]  # the client that speaks for a workspace; None: no token (uninstalled)


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed message: delivered, failed, or not tried (neither)."""

    message: outbox.Claimed
    delivered: outbox.Delivered | None = None
    failure: outbox.Failure | None = None
    code: str = ""  # Slack's answer, for the report: its error code or the HTTP status
    from_slack: bool = False  # Slack (or the way to it) refused, rather than pmbot having nothing to send


class Sender:
    """Deliver queued messages in batches; safe to run in many threads and processes at once (claims are leased).

    `client` is one client for every workspace, or a function giving each workspace's own. Each batch is
    claimed in one statement, sent with up to `threads` calls in flight (one per conversation at most), and
    recorded in one statement per outcome. Slack's `pace` is kept in the database, so it holds across every
    sender (all must use the same one). An `owner` (a worker's name) prefixes its claim tokens, so that once
    it is known dead its claims can be released (`outbox.release_abandoned`).
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        client: WebClient | ClientFor,
        *,
        clock: Callable[[], datetime] = utcnow,
        batch: int = BATCH,
        threads: int = THREADS,
        pace: outbox.Pace = outbox.POSTING,
        owner: str = "",
    ) -> None:
        if len(owner) > 31:  # "<owner>.<32 hex digits>" must fit the 64 characters of a claim token
            raise ValueError(f"a sender's owner is at most 31 characters: {owner!r}")
        self.owner = owner
        self.factory = factory
        self.client_for: ClientFor = (lambda _workspace_id: client) if isinstance(client, WebClient) else client
        self.clock = clock
        self.batch, self.threads = batch, threads
        self.pace = pace

    def deliver_due(
        self,
        *,
        now: datetime,
        keys: Sequence[tuple[int, str]] = (),
        budget: float | None = None,
        wait: bool = True,
        stop: threading.Event | None = None,
    ) -> DeliveryReport:
        """Send every due message (or only those with `keys`), in order per conversation.

        Batches repeat while there is something to claim: a message queued behind one that has just gone
        is first in its conversation in the next batch. With a `budget` (seconds), stop starting new sends
        once it is spent; what is left stays queued for the scheduler. A conversation over its pace is
        waited for only when `wait` (never while a person waits for an HTTP answer). `stop` ends the pass early.
        """
        report = DeliveryReport()
        deadline = None if budget is None else real_seconds() + budget
        stop = stop or threading.Event()

        def over() -> bool:
            return stop.is_set() or (deadline is not None and real_seconds() > deadline)

        with ThreadPoolExecutor(max(1, self.threads - 1), thread_name_prefix="pmbot-send") as pool:
            while not over():
                if self._deliver_batch(pool, now=now, keys=keys, over=over, report=report):
                    continue
                pause = self._pause(now=now, keys=keys) if wait else None
                if pause is None or (deadline is not None and real_seconds() + pause > deadline):
                    break
                if stop.wait(pause):
                    break
        return report

    def next_pause(self, *, now: datetime) -> float | None:
        """Seconds until the first conversation (or method Slack paused) holding back a due message may have it;
        None when no due message waits for a pace."""
        return self._pause(now=now, keys=())

    def _pause(self, *, now: datetime, keys: Sequence[tuple[int, str]]) -> float | None:
        with unit_of_work(self.factory) as session:
            release = outbox.next_release(
                session, now=now, clock=self.clock(), wall=wall_seconds(), keys=keys, pace=self.pace
            )
        return None if release is None else max(0.0, release - wall_seconds())

    def _deliver_batch(
        self,
        pool: ThreadPoolExecutor,
        *,
        now: datetime,
        keys: Sequence[tuple[int, str]],
        over: Callable[[], bool],
        report: DeliveryReport,
    ) -> bool:
        """Claim, send and record one batch; return whether it got anywhere (a message sent, failed or given up)."""
        # One per claim: only this sender's attempt may complete or fail these messages.
        token = f"{self.owner}.{uuid.uuid4().hex}" if self.owner else uuid.uuid4().hex
        wall = wall_seconds()
        with unit_of_work(self.factory) as session:
            claimed = outbox.claim_due(
                session,
                now=now,
                clock=self.clock(),
                wall=wall,
                token=token,
                limit=self.batch,
                keys=keys,
                pace=self.pace,
            )
            claimed = outbox.within_tiers(session, claimed, wall=wall)  # the other methods' tiers, per workspace
            payloads = self._resolve(session, claimed)
        if not claimed:
            return False
        # After the claim's commit: a token lookup may read the database.
        clients = {workspace_id: self.client_for(workspace_id) for workspace_id in {m.workspace_id for m in claimed}}

        def attempt(message: outbox.Claimed) -> Outcome:
            return self._attempt(message, clients[message.workspace_id], payloads[message.id], over=over)

        def attempt_all(lane: Sequence[outbox.Claimed]) -> list[Outcome]:
            # Recorded every few messages: a process killed mid-batch leaves at most those few in doubt. Before each
            # later few, the claim is checked (and renewed): what was freed meanwhile is another sender's now.
            outcomes: list[Outcome] = []
            for first in range(0, len(lane), RECORD_EVERY):
                chunk = lane[first : first + RECORD_EVERY]
                mine = self._still_mine(token, chunk) if first else {message.id for message in chunk}
                done = [attempt(message) if message.id in mine else Outcome(message) for message in chunk]
                self._record(token, now=now, outcomes=done)
                outcomes += done
            return outcomes

        # A lane per thread rather than a task per message: the batch is spread evenly, with less handing over.
        lanes = [claimed[n :: self.threads] for n in range(min(self.threads, len(claimed)))]
        others = pool.map(attempt_all, lanes[1:])
        outcomes = attempt_all(lanes[0])  # the calling thread takes a lane too
        outcomes += [outcome for lane in others for outcome in lane]
        return self._report(outcomes, report)

    def _still_mine(self, token: str, chunk: Sequence[outbox.Claimed]) -> set[int]:
        with unit_of_work(self.factory) as session:
            return outbox.still_mine(session, token=token, ids=[m.id for m in chunk], clock=self.clock())

    @staticmethod
    def _resolve(session: Session, claimed: Sequence[outbox.Claimed]) -> dict[int, dict[str, Any] | str]:
        """Each message's payload with its references to messages this outbox posted earlier filled in; or why it
        cannot be sent yet. One query for all the references of a batch."""
        refs = {(m.workspace_id, str(m.payload[f])) for m in claimed for f, _ in REFERENCES if m.payload.get(f)}
        earlier = outbox.references(session, refs)
        in_batch = {(m.workspace_id, m.key) for m in claimed}
        return {m.id: _filled(m, earlier, in_batch) for m in claimed}

    def _attempt(
        self,
        message: outbox.Claimed,
        client: WebClient | None,
        payload: dict[str, Any] | str,
        *,
        over: Callable[[], bool],
    ) -> Outcome:
        """Send one claimed message (in a worker thread: no database here)."""
        if client is None:  # the workspace uninstalled pmbot or revoked its token: there is nobody to send as
            return Outcome(message, failure=outbox.Failure(message, "no_token", True))
        if payload == IN_THIS_BATCH:  # what it refers to is being sent now: it goes in the next batch
            return Outcome(message)
        if isinstance(payload, str):  # a reference that is missing, or not sent yet
            return Outcome(message, failure=outbox.Failure(message, payload, payload == "reference_missing"))
        if over():
            return Outcome(message)
        payload = _with_key(message, payload)
        if message.in_doubt and message.method == "chat.postMessage":
            found = _look_up(message, client, payload)
            if found is not None:
                return found
        try:
            response = client.api_call(message.method, json=payload)
        except SlackApiError as err:
            if message.in_doubt and err.response.get("error") == ALREADY_DONE.get(message.method):
                return Outcome(
                    message, delivered=outbox.Delivered(message, payload.get("channel"), None, wall_seconds())
                )
            return self._refused(message, err)
        except Exception as err:  # connection refused, timeout: transient
            # A post that timed out or lost its connection may have reached Slack: its next attempt looks first.
            doubt = message.method == "chat.postMessage" and not _refused_connection(err)
            return Outcome(message, failure=outbox.Failure(message, repr(err), False, in_doubt=doubt), from_slack=True)
        data: dict[str, Any] = response.data if isinstance(response.data, dict) else {}
        posted_in = str(data.get("channel") or payload.get("channel") or "") or None
        ts = str(data.get("ts") or data.get("message_ts") or "") or None
        return Outcome(message, delivered=outbox.Delivered(message, posted_in, ts, at=wall_seconds()))

    @staticmethod
    def _refused(message: outbox.Claimed, err: SlackApiError) -> Outcome:
        status = err.response.status_code
        code = str(err.response.get("error", "")) if isinstance(err.response.data, dict) else ""
        retry_after = _retry_after(err)
        permanent = status < 500 and status != 429 and code in PERMANENT_ERRORS
        doubt = message.in_doubt or (status >= 500 and message.method == "chat.postMessage")  # Slack may have it
        failure = outbox.Failure(
            message, f"{status} {code}".strip(), permanent, retry_after, at=wall_seconds(), in_doubt=doubt
        )
        return Outcome(message, failure=failure, code=code or str(status), from_slack=True)

    def _record(self, token: str, *, now: datetime, outcomes: Sequence[Outcome]) -> None:
        delivered = [o.delivered for o in outcomes if o.delivered is not None]
        failed = [o.failure for o in outcomes if o.failure is not None]
        untried = [o.message.id for o in outcomes if o.delivered is None and o.failure is None]
        # Slack has the delivered messages: keep trying to record them through a short database outage, or they
        # would be sent again once the lease runs out.
        for pause in (*MARK_SENT_RETRIES, None) if delivered else (None,):
            try:
                with unit_of_work(self.factory) as session:
                    outbox.record(
                        session,
                        token=token,
                        now=now,
                        delivered=delivered,
                        failed=failed,
                        untried=untried,
                        pace=self.pace,
                    )
                return
            except DBAPIError:
                if pause is None:
                    raise
                log.warning("could not record %d delivered outbox messages; retrying in %ss", len(delivered), pause)
                time.sleep(pause)

    @staticmethod
    def _report(outcomes: Sequence[Outcome], report: DeliveryReport) -> bool:
        """Count the outcomes into the report; return whether any message was tried."""
        tried = False
        for outcome in outcomes:
            failure, tried = outcome.failure, tried or outcome.delivered is not None or outcome.failure is not None
            if outcome.delivered is not None:
                report.sent += 1
            elif failure is None:
                report.skipped += 1
            elif failure.permanent:
                report.gave_up += 1
                if outcome.from_slack:
                    _log_given_up(outcome, report)
            elif outcome.from_slack:
                report.failed += 1
            if outcome.code:
                report.errors.append(outcome.code)
        return tried


def _retry_after(err: SlackApiError) -> float | None:
    """The seconds a 429 asks to wait (30 when it does not say); None for any other answer."""
    if err.response.status_code != 429:
        return None
    headers = {k.lower(): v for k, v in (err.response.headers or {}).items()}
    return float(headers.get("retry-after", 30))


def _refused_connection(err: BaseException) -> bool:
    """Whether a call failed before Slack could have read it (the connection was refused)."""
    while err is not None:
        if isinstance(err, ConnectionRefusedError):
            return True
        reason = getattr(err, "reason", None)
        err = reason if isinstance(reason, BaseException) else err.__cause__  # type: ignore[assignment]
    return False


def _filled(
    message: outbox.Claimed, earlier: dict[tuple[int, str], OutboxMessage], in_batch: set[tuple[int, str]]
) -> dict[str, Any] | str:
    payload = dict(message.payload)
    for ref_field, fills in REFERENCES:
        ref = payload.pop(ref_field, None)
        if ref is None:
            continue
        key = (message.workspace_id, str(ref))
        found = earlier.get(key)
        if found is None or found.gave_up:
            return "reference_missing"
        if found.result_ts is None:
            return IN_THIS_BATCH if key in in_batch else "reference_not_sent_yet"
        payload["channel"], payload[fills] = found.result_channel, found.result_ts
    return payload


def _log_given_up(outcome: Outcome, report: DeliveryReport) -> None:
    message, code = outcome.message, outcome.code
    log.error("outbox message %s to %s given up: %s%s", message.id, message.channel, code, GIVE_UP_HINTS.get(code, ""))
    if code in REFUSALS_TO_TELL:
        report.refused.append(Refusal(message.channel, code, (message.workspace_id, message.key)))


def _with_key(message: outbox.Claimed, payload: dict[str, Any]) -> dict[str, Any]:
    """A post's payload carrying its outbox key in Slack's message metadata (a payload with its own is left alone)."""
    if message.method != "chat.postMessage" or "metadata" in payload:
        return payload
    return {**payload, "metadata": {"event_type": KEY_EVENT, "event_payload": {"key": message.key}}}


def _look_up(message: outbox.Claimed, client: WebClient, payload: dict[str, Any]) -> Outcome | None:
    """An in-doubt post: delivered if its conversation already has it; a failure still in doubt while Slack cannot be
    asked (a few times); None when it is to be posted."""
    if payload.get("metadata") != _with_key(message, {})["metadata"]:  # its own metadata: nothing to find it by
        log.warning("outbox message %s may have been posted already; posting it again", message.id)
        return None
    try:
        found = _find_posted(message, client, payload)
    except SlackApiError as err:
        status, code = err.response.status_code, str(err.response.get("error", "") or "")
        if (status < 500 and status != 429 and code in LOOKUP_REFUSALS) or message.attempts >= LOOKUP_TRIES + 1:
            log.warning(
                "could not look for outbox message %s (%s %s); posting it, perhaps twice", message.id, status, code
            )
            return None
        retry_after = _retry_after(err)
        # No `at`: a lookup's 429 holds back this message only, not its conversation's posts.
        failure = outbox.Failure(message, f"lookup: {status} {code}".strip(), False, retry_after, in_doubt=True)
        return Outcome(message, failure=failure, code=code or str(status), from_slack=True)
    except Exception as err:  # connection refused, timeout: transient
        if message.attempts >= LOOKUP_TRIES + 1:
            log.warning("could not look for outbox message %s (%r); posting it, perhaps twice", message.id, err)
            return None
        failure = outbox.Failure(message, f"lookup: {err!r}", False, in_doubt=True)
        return Outcome(message, failure=failure, from_slack=True)
    if found is None:
        return None
    channel, ts = found
    log.info("outbox message %s was posted already (ts %s): recorded, not posted again", message.id, ts)
    return Outcome(message, delivered=outbox.Delivered(message, channel, ts, at=wall_seconds()))


def _find_posted(message: outbox.Claimed, client: WebClient, payload: dict[str, Any]) -> tuple[str, str] | None:
    """Where and when (channel, ts) the bot posted this message, read back from its conversation (or its thread)
    by the key in its metadata; None if it is not there (or not among the last few pages: posting then may
    make a duplicate, and a warning says so)."""
    channel = str(payload.get("channel") or message.channel)
    if channel[:1] in ("U", "W"):  # a direct message is addressed by the person's id; its history is the DM's
        channel = str(client.conversations_open(users=channel)["channel"]["id"])
    # Posted after it was queued; `not_before` may have moved on since (a failed lookup's backoff moves it).
    oldest = f"{(message.created_at - LOOKUP_MARGIN).timestamp():.6f}"
    thread = payload.get("thread_ts")
    args: dict[str, Any] = {"channel": channel, "oldest": oldest, "inclusive": True, "limit": LOOKUP_PAGE}
    args["include_all_metadata"] = True
    cursor = ""
    for _ in range(LOOKUP_PAGES):
        page_args = {**args, **({"cursor": cursor} if cursor else {})}
        if thread:
            page = client.conversations_replies(ts=str(thread), **page_args)
        else:
            page = client.conversations_history(**page_args)
        for posted in page.get("messages") or []:
            if posted.get("bot_id") and posted.get("metadata") == payload["metadata"]:
                return channel, str(posted["ts"])
        cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            return None
    log.warning(
        "outbox message %s not found in %d pages of %s; posting it, perhaps twice", message.id, LOOKUP_PAGES, channel
    )
    return None
