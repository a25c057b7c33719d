"""Slack answering 429 or 5xx for minutes: afterwards every message is delivered, once, in order per conversation,
and never faster than Slack's posting limit (about one message a second per conversation, after a short burst)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from sandbox.standin import FakeSlack
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_outbox import _post, _queue

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
OUTAGE = timedelta(minutes=5)
CONVERSATIONS = ("C0PROJ", "C0OTHER", "U0DEV1")
PER_CONVERSATION = 6


@pytest.mark.parametrize("status", [429, 503])
def test_minutes_of_refusals_then_everything_once_in_order_and_paced(
    status: int, factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0OTHER", name="proj-other", members=["U0LEAD"])
    _queue(factory, *(_post(f"{c}-{n}", c) for n in range(PER_CONVERSATION) for c in CONVERSATIONS))
    at = [NOW]  # the scheduler's "now", which the outage follows
    # Retry-After is real time (every sender holds that conversation back that long), the outage simulated: a short
    # one keeps the test quick while each tick still meets it.
    fake_slack.fail_while(lambda: at[0] < NOW + OUTAGE, status=status, retry_after=1)
    fake_slack.rate_limit(per_second=1.0, burst=3)
    seen: list[tuple[datetime, Any]] = []
    fake_slack.listeners.append(lambda call: seen.append((at[0], call)))
    client = make_client(settings, patient=False)
    while at[0] <= NOW + timedelta(minutes=20):  # the scheduler ticking every 30 seconds
        run_due(factory, client, now=at[0])
        at[0] += timedelta(seconds=30)

    posts = [(tick, call) for tick, call in seen if call.method == "chat.postMessage"]
    during = [(tick, call) for tick, call in posts if tick < NOW + OUTAGE]
    after = [call for tick, call in posts if tick >= NOW + OUTAGE]
    assert during and all(call.status == status for _, call in during)
    for tick in {t for t, _ in during}:  # while refused, one attempt per conversation and tick at most
        tried = [call.args["channel"] for t, call in during if t == tick]
        assert len(tried) == len(set(tried))
    delivered = [call for call in after if call.status == 200]
    texts = [call.args["text"] for call in delivered]
    assert sorted(texts) == sorted(f"{c}-{n}" for n in range(PER_CONVERSATION) for c in CONVERSATIONS)  # once each
    for conversation in CONVERSATIONS:
        mine = [call for call in delivered if call.args["channel"] == conversation]
        assert [f"{conversation}-{n}" for n in range(PER_CONVERSATION)] == [c.args["text"] for c in mine]
        # Paced as Slack's bucket allows: no stretch of time holds more than the burst of three plus one a second.
        # (The burst need not be spent at once, so the last three may come sooner than three seconds after the third.)
        for i, first in enumerate(mine):
            for j in range(i + 3, len(mine)):
                sent = j - i + 1
                assert sent <= 3 + (mine[j].at - first.at) * 1.0 + 0.05, (conversation, i, j, mine[j].at - first.at)
    assert [] == [call for call in after if call.status == 429]


def test_a_burst_of_requests_is_answered_at_once_and_finished_in_the_background(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """Eight items created in one channel within a second or two: every answer comes at once, and every card is
    posted, paced, by `serve` itself (no scheduler runs here)."""
    fake_slack.rate_limit(per_second=1.0, burst=3)
    for n in range(8):
        started = time.monotonic()
        answer = slack.command("/action", f"burst item {n}", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        assert 200 == answer.status and time.monotonic() - started < 1.0
    cards = fake_slack.wait_for("chat.postMessage", count=8, timeout=15)
    assert [f"A-{n}" for n in range(1, 9)] == [c.args["text"].split()[0] for c in cards]
    assert all(c.status == 200 for c in cards)  # never over Slack's limit
