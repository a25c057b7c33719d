"""The sender: delivers due outbox messages through the Web API and records the result."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
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


MARK_SENT_RETRIES = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)  # seconds: about half a minute in all


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)  # the given-up messages a person could do something about


# Slack's special limit of about one message a second per conversation is chat.postMessage's; updates, reactions
# and the rest have per-minute tiers that a single team does not reach.
PACED_METHODS = frozenset({"chat.postMessage"})


def real_seconds() -> float:
    """A monotonic clock of the machine itself: pacing is about the real rate of calls to Slack, so it must not
    follow a simulated or frozen clock (freezegun patches time.monotonic, not clock_gettime)."""
    if hasattr(time, "clock_gettime"):
        return time.clock_gettime(time.CLOCK_MONOTONIC)
    return time.monotonic()  # pragma: no cover  (Windows)


class Pacer:
    """At most about one message a second per conversation, after a short burst, as Slack asks of chat.postMessage.

    A token bucket per conversation and sender.
    """

    def __init__(self, *, per_second: float = 0.9, burst: int = 3) -> None:  # a margin under 1/s for jitter
        self.per_second, self.burst = per_second, float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}  # conversation -> (tokens, when counted)
        self._lock = threading.Lock()

    def _tokens(self, channel: str, now: float) -> float:
        tokens, last = self._buckets.get(channel, (self.burst, now))
        return min(self.burst, tokens + (now - last) * self.per_second)

    def wait(self, channel: str) -> float:
        """Seconds before the next message to `channel` may go (0: now)."""
        with self._lock:
            tokens = self._tokens(channel, real_seconds())
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.per_second

    def take(self, channel: str) -> None:
        """Count a message to `channel`."""
        with self._lock:
            now = real_seconds()
            self._buckets[channel] = (self._tokens(channel, now) - 1.0, now)
            if len(self._buckets) > 100_000:  # forget conversations that are full again
                self._buckets = {k: v for k, v in self._buckets.items() if self._tokens(k, now) < self.burst}


ClientFor = Callable[[int], WebClient | None]  # the client that speaks for a workspace; None: no token (uninstalled)


class Sender:
    """Deliver queued messages; safe to run in many threads and processes at once (each claim is leased).

    `client` is one client for every workspace, or a function giving each workspace's own.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        client: WebClient | ClientFor,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.factory = factory
        self.client_for: ClientFor = (lambda _workspace_id: client) if isinstance(client, WebClient) else client
        self.clock = clock
        self.pacer = Pacer()  # shared by everything this sender delivers (the app keeps one for all requests)

    def deliver_due(
        self,
        *,
        now: datetime,
        keys: Sequence[tuple[int, str]] = (),
        limit: int = 1000,
        budget: float | None = None,
        wait: bool = True,
        stop: threading.Event | None = None,
    ) -> DeliveryReport:
        """Send every due message (or only those with `keys`), in order per conversation.

        Passes repeat while they make progress: a message queued behind one that has just gone
        becomes due in the next pass. With a `budget` (seconds), stop starting new sends once it is
        spent; what is left stays queued for the scheduler. A conversation over its pace is waited for
        only when `wait` (never while a person waits for an HTTP answer). `stop` ends the pass early.
        """
        report = DeliveryReport()
        stalled: set[str] = set()
        deadline = None if budget is None else real_seconds() + budget
        stop = stop or threading.Event()
        while True:
            progress = report.sent + report.gave_up
            with unit_of_work(self.factory) as session:
                due = outbox.due(session, now=now, clock=self.clock(), limit=limit, keys=keys)
            paced: dict[str, float] = {}  # conversations that must wait a moment, and how long
            for message_id, channel, method in due:
                if stop.is_set() or (deadline is not None and real_seconds() > deadline):
                    return report
                if channel in stalled or channel in paced:  # keep the order within a conversation
                    report.skipped += 1
                elif method in PACED_METHODS and (pause := self.pacer.wait(channel)) > 0:
                    paced[channel] = pause
                elif not self._deliver_one(message_id, channel, now=now, report=report):
                    stalled.add(channel)
            if not due:
                return report
            if report.sent + report.gave_up > progress:  # what was behind a sent message may be due now
                continue
            if not paced or not wait:
                return report
            pause = min(paced.values())  # only paced conversations are left: wait for the first to be free
            if deadline is not None and real_seconds() + pause > deadline:
                return report
            if stop.wait(pause):
                return report

    def _deliver_one(self, message_id: int, channel: str, *, now: datetime, report: DeliveryReport) -> bool:
        """Send one message; return False if its conversation must wait."""
        token = uuid.uuid4().hex  # one per claim: only this attempt may complete or fail it
        with unit_of_work(self.factory) as session:
            message = outbox.claim(session, message_id, token=token, clock=self.clock())
            if message is None:  # done, leased to another sender, or behind an earlier message
                report.skipped += 1
                return False
            method, payload, workspace_id = message.method, self._resolve(session, message), message.workspace_id
        client = self.client_for(workspace_id)  # after the claim's commit: a token lookup may read the database
        if client is None or isinstance(payload, str):
            # No client: the workspace uninstalled pmbot or revoked its token, so there is nobody to send as.
            error = "no_token" if client is None else str(payload)
            permanent = error in ("reference_missing", "no_token")
            self._record_failure(message_id, token, now=now, error=error, permanent=permanent, retry_after=None)
            if permanent:
                report.gave_up += 1
            return permanent
        try:
            if method in PACED_METHODS:
                self.pacer.take(channel)
            response = client.api_call(method, json=payload)
        except SlackApiError as err:
            return self._failed(message_id, token, channel, now=now, err=err, report=report)
        except Exception as err:  # connection refused, timeout: transient
            self._record_failure(message_id, token, now=now, error=repr(err), permanent=False, retry_after=None)
            report.failed += 1
            return False
        data: dict[str, Any] = response.data if isinstance(response.data, dict) else {}
        posted_in = str(data.get("channel") or payload.get("channel") or "") or None
        ts = str(data.get("ts") or data.get("message_ts") or "") or None
        for pause in (*MARK_SENT_RETRIES, None):
            # Slack has the message: keep trying to record it through a short database outage, or it would be
            # sent again once the lease runs out.
            try:
                with unit_of_work(self.factory) as session:
                    outbox.mark_sent(session, message_id, token=token, now=now, channel=posted_in, ts=ts)
                break
            except DBAPIError:
                if pause is None:
                    raise
                log.warning("could not record outbox message %s as sent; retrying in %ss", message_id, pause)
                time.sleep(pause)
        report.sent += 1
        return True

    def _resolve(self, session: Session, message: OutboxMessage) -> dict[str, Any] | str:
        """Fill in a reference to a message this outbox posted earlier; or say why it cannot be yet."""
        payload = dict(message.payload)
        # ts_of: update that message; thread_ts_of: reply in its thread.
        for ref_field, fills in (("ts_of", "ts"), ("thread_ts_of", "thread_ts")):
            ref = payload.pop(ref_field, None)
            if ref is None:
                continue
            earlier = outbox.find(session, workspace_id=message.workspace_id, key=str(ref))
            if earlier is None or earlier.gave_up:
                return "reference_missing"
            if earlier.result_ts is None:
                return "reference_not_sent_yet"
            payload["channel"], payload[fills] = earlier.result_channel, earlier.result_ts
        return payload

    def _failed(
        self, message_id: int, token: str, channel: str, *, now: datetime, err: SlackApiError, report: DeliveryReport
    ) -> bool:
        status = err.response.status_code
        code = str(err.response.get("error", "")) if isinstance(err.response.data, dict) else ""
        retry_after = None
        if status == 429:
            headers = {k.lower(): v for k, v in (err.response.headers or {}).items()}
            retry_after = float(headers.get("retry-after", 30))
        permanent = status < 500 and status != 429 and code in PERMANENT_ERRORS
        self._record_failure(
            message_id, token, now=now, error=f"{status} {code}".strip(), permanent=permanent, retry_after=retry_after
        )
        report.errors.append(code or str(status))
        if permanent:
            log.error("outbox message %s to %s given up: %s%s", message_id, channel, code, GIVE_UP_HINTS.get(code, ""))
            report.gave_up += 1
            if code in REFUSALS_TO_TELL:
                report.refused.append(Refusal(channel, code))
            return True
        report.failed += 1
        return False

    def _record_failure(
        self, message_id: int, token: str, *, now: datetime, error: str, permanent: bool, retry_after: float | None
    ) -> None:
        with unit_of_work(self.factory) as session:
            outbox.mark_failed(
                session,
                message_id,
                token=token,
                now=now,
                error=error,
                permanent=permanent,
                retry_after=retry_after,
            )


class Drainer:
    """Finishes in the background what a request could not deliver at once (a conversation over its pace).

    The request answers Slack without waiting; this thread waits out the pacing and sends, within a
    budget. What it cannot send either stays queued for the scheduler.
    """

    def __init__(self, sender: Sender, *, budget: float = 60.0) -> None:
        self.sender, self.budget = sender, budget
        self._pending: dict[tuple[int, str], datetime] = {}  # outbox key -> the "now" of the request that queued it
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def stop(self) -> None:
        """End the thread (what it has not sent stays queued for the scheduler)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def add(self, keys: Sequence[tuple[int, str]], *, now: datetime) -> None:
        """Deliver these outbox keys, due at `now`, as soon as their conversations allow."""
        with self._lock:
            self._pending.update(dict.fromkeys(keys, now))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="pmbot-drain", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                pending = dict(self._pending)
            if not pending or self._stop.is_set():
                continue
            try:
                now, keys = max(pending.values()), list(pending)
                self.sender.deliver_due(now=now, keys=keys, budget=self.budget, stop=self._stop)
            except Exception:
                log.exception("background delivery failed; the scheduler will retry")
            with self._lock:
                for key in pending:  # anything still unsent is the scheduler's now
                    self._pending.pop(key, None)
