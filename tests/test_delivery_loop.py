"""The process's one delivery loop: a tick queues and returns without waiting for Slack, and one conversation keeps
Slack's pace across everything the process sends (ticks and requests alike)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import scheduler
from bot.delivery import DeliveryLoop
from bot.notifier import Sender
from bot.settings import Settings
from bot.slack_client import make_client
from sandbox.standin import FakeSlack
from tests.test_outbox import _post, _queue


@pytest.fixture
def loop(factory: sessionmaker[Session], settings: Settings) -> Iterator[DeliveryLoop]:
    running = DeliveryLoop(Sender(factory, make_client(settings, patient=False)))
    yield running
    running.stop()


def _sent(fake: FakeSlack) -> list[tuple[str, float]]:
    """(text, when Slack took it) of every post Slack took, in order."""
    return [(str(c.args["text"]), c.at) for c in fake.calls_to("chat.postMessage") if c.status == 200]


def test_a_tick_queues_and_returns_while_slack_does_not_answer(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack, loop: DeliveryLoop
) -> None:
    """The scheduler's tick runs the producers and wakes the loop; it returns while the loop's call to Slack is
    still waiting, and the message goes once Slack answers."""
    _queue(factory, _post("queued before the tick"))
    client = make_client(settings, patient=False)
    tick = threading.Thread(target=scheduler.tick, args=(factory, client, loop))
    with fake_slack.hold():
        tick.start()
        tick.join(timeout=10)
        assert not tick.is_alive()  # the tick did not wait for Slack
        assert [] == _sent(fake_slack)
    assert loop.caught_up(timeout=10)
    assert ["queued before the tick"] == [text for text, _ in _sent(fake_slack)]


def test_one_conversation_keeps_its_pace_across_ticks(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack, loop: DeliveryLoop
) -> None:
    """Two ticks in quick succession share one pace per conversation: after a burst of three, about one message
    a second, in order; a pass never waits out the pace itself (caught up with the rest still queued)."""
    client = make_client(settings, patient=False)
    _queue(factory, *[_post(f"first-{n}", "C1") for n in range(3)])
    scheduler.tick(factory, client, loop)
    assert loop.caught_up(timeout=10)
    _queue(factory, *[_post(f"second-{n}", "C1") for n in range(3)], _post("elsewhere", "C2"))
    scheduler.tick(factory, client, loop)
    assert loop.caught_up(timeout=10)
    early = [text for text, _ in _sent(fake_slack)]
    assert {"first-0", "first-1", "first-2", "elsewhere"} <= set(early) and len(early) <= 5  # C2 is not held back
    assert loop.drain(timeout=20)
    in_c1 = [(text, at) for text, at in _sent(fake_slack) if text != "elsewhere"]
    assert [f"first-{n}" for n in range(3)] + [f"second-{n}" for n in range(3)] == [text for text, _ in in_c1]
    gaps = [later - earlier for (_, earlier), (_, later) in itertools.pairwise(in_c1[2:])]
    assert all(gap >= 0.9 for gap in gaps), gaps  # 0.9 a second after the burst, never faster


def test_a_stopped_loop_sends_nothing_more(
    factory: sessionmaker[Session], fake_slack: FakeSlack, loop: DeliveryLoop
) -> None:
    """Once stopped (a process shutting down), a wake starts nothing, and nothing reports it caught up: what is
    queued stays for the next process."""
    loop.stop()
    _queue(factory, _post("after the stop"))
    loop.wake()
    assert not loop.caught_up(timeout=1)
    assert not [t for t in threading.enumerate() if t.name == "pmbot-deliver" and t.is_alive()]
    assert [] == _sent(fake_slack)


def test_a_requests_messages_go_ahead_of_an_older_backlog(
    factory: sessionmaker[Session], fake_slack: FakeSlack, loop: DeliveryLoop
) -> None:
    """Woken with a request's keys, the loop sends those first, whatever older messages are due: the person who
    just acted sees the result, while the morning's prompts wait their turn."""
    workspace_id = _queue(factory, *[_post(f"older-{n}", f"C{n}") for n in range(150)])
    _queue(factory, _post("the request's card", "C-request"))
    loop.wake([(workspace_id, "the request's card")])
    assert loop.caught_up(timeout=30)
    assert "the request's card" == _sent(fake_slack)[0][0]
    assert 151 == len(_sent(fake_slack))
