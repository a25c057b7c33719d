"""Slack's pace holds across senders that share nothing but the database, as `pmbot worker` processes on several
machines will: about one post a second per conversation after a burst, in order, and a 429's Retry-After holding
that conversation (or, for another method, that method in that workspace) back for every sender."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.notifier import Sender
from bot.settings import Settings
from bot.slack_client import make_client
from domain.outbox import Outgoing
from sandbox.standin import FakeSlack
from sandbox.standin.server import Call
from storage.db import make_engine, session_factory
from storage.models import OutboxMessage
from tests.test_outbox import NOW, _post, _queue

BURST, PER_SECOND = 3, 1.0  # Slack's posting limit per conversation, as the stand-in enforces it
LATER = NOW + timedelta(hours=1)  # simulated time past any message's own backoff: only the shared pace holds it


@pytest.fixture
def own_factories(engine: Engine) -> Iterator[list[sessionmaker[Session]]]:
    """Three connections to the test database, each with its own engine and pool: senders sharing no Python object."""
    url = engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url) for _ in range(3)]
    yield [session_factory(own) for own in engines]
    for own in engines:
        own.dispose()


def _sender(factory: sessionmaker[Session], settings: Settings) -> Sender:
    return Sender(factory, make_client(settings, patient=False), threads=2, batch=5)


def _taken(fake: FakeSlack, method: str = "chat.postMessage") -> list[Call]:
    return [c for c in fake.calls_to(method) if c.status == 200]


def _within_slacks_limit(times: list[float]) -> None:
    """No stretch of time holds more than the burst plus one a second (the burst need not be spent at once)."""
    for i, first in enumerate(times):
        for j in range(i + BURST, len(times)):
            sent = j - i + 1
            assert sent <= BURST + (times[j] - first) * PER_SECOND + 0.05, (i, j, times[j] - first)


def _deliver_together(senders: list[Sender]) -> None:
    """Each sender in a thread of its own, started together, passing until nothing is left unsent."""
    start = threading.Barrier(len(senders))

    def deliver(sender: Sender) -> None:
        start.wait()
        for _ in range(200):  # each pass waits out the pace; another sender may hold the last leases meanwhile
            sender.deliver_due(now=NOW, budget=30)
            if _unsent(sender.factory) == 0:
                return
            threading.Event().wait(0.05)

    threads = [threading.Thread(target=deliver, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def _unsent(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) or 0)


def test_three_senders_keep_one_conversations_pace_and_order(
    own_factories: list[sessionmaker[Session]], settings: Settings, fake_slack: FakeSlack
) -> None:
    """Three senders, each in its own thread with its own engine, deliver 16 posts queued to one conversation and a
    few to others: every post once, each conversation's in order, and the busy one never faster than Slack allows
    (the stand-in, enforcing that limit, refuses none)."""
    busy = [_post(f"busy-{n}", "C0BUSY") for n in range(16)]
    others = [_post(f"{c}-{n}", c) for n in range(3) for c in ("C0CALM", "U0DEV1", "U0DEV2")]
    _queue(own_factories[0], *busy, *others)
    fake_slack.rate_limit(per_second=PER_SECOND, burst=BURST)
    _deliver_together([_sender(factory, settings) for factory in own_factories])
    assert [] == [c for c in fake_slack.calls_to("chat.postMessage") if c.status != 200]
    taken = _taken(fake_slack)
    for conversation in ("C0BUSY", "C0CALM", "U0DEV1", "U0DEV2"):
        mine = [c for c in taken if c.args["channel"] == conversation]
        expected = [m.key for m in (*busy, *others) if m.channel == conversation]
        assert expected == [c.args["text"] for c in mine], conversation
        _within_slacks_limit([c.at for c in mine])
    busy_times = [c.at for c in taken if c.args["channel"] == "C0BUSY"]
    assert busy_times[-1] - busy_times[0] >= (len(busy) - BURST) / 0.9 - 0.1  # 0.9 a second after the burst


def test_a_429_seen_by_one_sender_pauses_the_conversation_for_another(
    own_factories: list[sessionmaker[Session]], settings: Settings, fake_slack: FakeSlack
) -> None:
    """Sender A is refused with Retry-After: 2 in C0PROJ; sender B, with the message due again by its own clock,
    posts elsewhere at once but nothing to C0PROJ until those two seconds have passed."""
    a, b = (_sender(f, settings) for f in own_factories[:2])
    _queue(own_factories[0], _post("first", "C0PROJ"))
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=2, times=1)
    assert 1 == a.deliver_due(now=NOW).failed
    [refused] = [c for c in fake_slack.calls_to("chat.postMessage") if c.status == 429]
    _queue(own_factories[0], _post("second", "C0PROJ"), _post("elsewhere", "C0OTHER"))
    assert 3 == b.deliver_due(now=LATER).sent
    taken = {str(c.args["text"]): c.at for c in _taken(fake_slack)}
    assert taken["elsewhere"] - refused.at < 2.0
    assert taken["first"] - refused.at >= 2.0
    assert taken["first"] < taken["second"]


def test_a_429_on_an_update_pauses_updates_in_the_workspace_for_another_sender(
    own_factories: list[sessionmaker[Session]], settings: Settings, fake_slack: FakeSlack
) -> None:
    """Sender A is refused a chat.update with Retry-After: 2; sender B sends no chat.update in that workspace (in any
    conversation) for those two seconds, while it still posts."""
    a, b = (_sender(f, settings) for f in own_factories[:2])
    _queue(own_factories[0], _post("orig-1", "C0PROJ"), _post("orig-2", "C0OTHER"))
    assert 2 == a.deliver_due(now=NOW).sent
    _queue(own_factories[0], _update("u1", "orig-1", "C0PROJ"))
    fake_slack.fail_next("chat.update", status=429, retry_after=2, times=1)
    assert 1 == a.deliver_due(now=NOW).failed
    [refused] = [c for c in fake_slack.calls_to("chat.update") if c.status == 429]
    _queue(own_factories[0], _update("u2", "orig-2", "C0OTHER"), _post("fresh", "C0THIRD"))
    assert 3 == b.deliver_due(now=LATER).sent
    [fresh] = [c for c in _taken(fake_slack) if c.args["text"] == "fresh"]
    updates = _taken(fake_slack, "chat.update")
    assert ["u1", "u2"] == sorted(str(c.args["text"]) for c in updates)
    assert fresh.at - refused.at < 2.0
    assert all(c.at - refused.at >= 2.0 for c in updates)


def _update(key: str, of: str, channel: str) -> Outgoing:
    return Outgoing(key, "chat.update", channel, {"ts_of": of, "text": key}, NOW)


def test_three_senders_keep_a_methods_tier_for_the_workspace(
    own_factories: list[sessionmaker[Session]], settings: Settings, fake_slack: FakeSlack
) -> None:
    """chat.update is Tier 3 (50 a minute per workspace, after a minute's burst). Three senders with their own engines
    update 55 messages in 55 conversations: the stand-in, holding every method to its tier, refuses none, so the
    last few wait for the tier's pace (about 1.3 s each) however many senders there are."""
    posts = [_post(f"orig-{n}", f"C0T{n:03d}") for n in range(55)]
    _queue(own_factories[0], *posts)
    assert 55 == _sender(own_factories[0], settings).deliver_due(now=NOW).sent
    _queue(own_factories[0], *(_update(f"u{n}", f"orig-{n}", f"C0T{n:03d}") for n in range(55)))
    fake_slack.enforce_tiers()
    _deliver_together([Sender(f, make_client(settings, patient=False), threads=4, batch=20) for f in own_factories])
    updates = fake_slack.calls_to("chat.update")
    assert [] == [c for c in updates if c.status == 429]
    taken = sorted(c.at for c in updates if c.status == 200)
    assert 55 == len(taken)
    assert taken[-1] - taken[0] >= (55 - 50) * 60 / 50 * 0.9 - 0.5  # the five over the burst came at the tier's pace


def test_housekeeping_forgets_paces_of_a_day_ago_and_keeps_the_rest(factory: sessionmaker[Session]) -> None:
    """A pace a day behind holds nothing back: housekeeping deletes it, and keeps a recent one and a 429's pause."""
    from handlers.schedule import housekeeping
    from storage.models import SlackPace

    workspace_id = _queue(factory, _post("any"))
    with factory() as session:
        for scope, tat in (("c:C0OLD", NOW - timedelta(days=2)), ("c:C0NEW", NOW), ("m:chat.update", LATER)):
            session.add(SlackPace(workspace_id=workspace_id, scope=scope, tat=tat.timestamp()))
        session.commit()
        housekeeping(session, NOW)
        session.commit()
        assert ["c:C0NEW", "m:chat.update"] == sorted(session.scalars(select(SlackPace.scope)))
