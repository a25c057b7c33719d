"""A sender killed mid-batch loses nothing and sends nothing twice: its claims are released as soon as it is known
dead, and a post Slack may already have is looked for by the key in its metadata before it is posted again."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.notifier import KEY_EVENT, LOOKUP_TRIES, Sender, wall_seconds
from bot.settings import Settings
from bot.slack_client import make_client
from domain import outbox
from domain.outbox import Outgoing
from sandbox.standin import FakeSlack
from storage.db import unit_of_work
from tests.test_outbox import NOW, WALL, _post, _queue

TEAM = "C0TEAM"  # a channel pmbot is in: it may read its history (a public one it is not in answers not_in_channel)
PACE = outbox.Pace(interval=0.001, burst=1000)  # these tests are about claims and lookups, not Slack's pace


@pytest.fixture(autouse=True)
def _team(fake_slack: FakeSlack) -> None:
    fake_slack.add_channel(TEAM, name="team", members=["U0DEV1", fake_slack.bot_user_id])


def _client(settings: Settings) -> WebClient:
    return make_client(settings, patient=False)  # as senders' clients: no retries of their own


def _sender(factory: sessionmaker[Session], client: WebClient, **kwargs: Any) -> Sender:
    # The real clock is days past NOW: the sender's must not be, or the dead sender's lease would have run out anyway.
    return Sender(factory, client, clock=lambda: NOW, pace=PACE, owner="w1", **kwargs)


def _die(
    factory: sessionmaker[Session], client: WebClient | None, workspace_id: int, key: str, **fill: str
) -> str | None:
    """Claim one message as worker 7 does and, with a client, post it as the Sender would; never record it.

    Answer the ts Slack gave the post (None when it never reached Slack)."""
    with unit_of_work(factory) as session:
        token = f"w7.{uuid.uuid4().hex}"
        claimed = outbox.claim_due(
            session, now=NOW, clock=NOW, wall=wall_seconds(), token=token, keys=[(workspace_id, key)], pace=PACE
        )
    assert [key] == [m.key for m in claimed]
    if client is None:
        return None
    payload = {k: v for k, v in claimed[0].payload.items() if not k.endswith("_of")}
    payload |= {**fill, "metadata": {"event_type": KEY_EVENT, "event_payload": {"key": key}}}
    return str(client.api_call("chat.postMessage", json=payload)["ts"])


def _release(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as session:
        return outbox.release_abandoned(session, live=set())


def _row(factory: sessionmaker[Session], workspace_id: int, key: str) -> tuple[bool, str | None, str | None]:
    with factory() as session:
        row = outbox.find(session, workspace_id=workspace_id, key=key)
        assert row is not None
        return row.sent_at is not None, row.result_channel, row.result_ts


def _texts(fake: FakeSlack, channel: str) -> list[str]:
    return [m["text"] for m in fake.messages(channel)]


def test_a_post_slack_took_before_its_sender_died_is_recorded_not_sent_again(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """Released at once, the dead sender's post is found in its channel and recorded with its ts; the channel's
    next messages follow it in order."""
    client = _client(settings)
    workspace_id = _queue(factory, _post("a", TEAM), _post("b", TEAM), _post("c", TEAM))
    ts = _die(factory, client, workspace_id, "a")
    assert 1 == _release(factory)
    report = _sender(factory, client).deliver_due(now=NOW, wait=False)
    assert ["a", "b", "c"] == _texts(fake_slack, TEAM)
    assert (True, TEAM, ts) == _row(factory, workspace_id, "a")
    assert 3 == report.sent
    lookup = fake_slack.calls_to("conversations.history")[0].args
    assert (TEAM, "1", "1") == (lookup["channel"], lookup["include_all_metadata"], lookup["inclusive"])


def test_a_direct_message_slack_took_is_found_in_the_dm(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """A post addressed to a person's id is looked for in the DM that conversations.open names."""
    client = _client(settings)
    workspace_id = _queue(factory, _post("dm-1", "U0DEV1"), _post("dm-2", "U0DEV1"))
    ts = _die(factory, client, workspace_id, "dm-1")
    _release(factory)
    _sender(factory, client).deliver_due(now=NOW, wait=False)
    assert ["dm-1", "dm-2"] == _texts(fake_slack, "U0DEV1")
    assert (True, "DU0DEV1", ts) == _row(factory, workspace_id, "dm-1")
    assert ["U0DEV1"] == [c.args["users"] for c in fake_slack.calls_to("conversations.open")]


def test_a_thread_reply_slack_took_is_found_in_its_thread(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """A reply is looked for among its thread's replies, which the channel's history does not show."""
    client = _client(settings)
    workspace_id = _queue(factory, _post("top", TEAM))
    _sender(factory, client).deliver_due(now=NOW, wait=False)
    _, _, parent_ts = _row(factory, workspace_id, "top")
    reply = Outgoing("reply", "chat.postMessage", TEAM, {"channel": TEAM, "text": "reply", "thread_ts_of": "top"}, NOW)
    _queue(factory, reply, _post("after", TEAM))
    ts = _die(factory, client, workspace_id, "reply", thread_ts=str(parent_ts))
    _release(factory)
    _sender(factory, client).deliver_due(now=NOW, wait=False)
    assert ["top", "reply", "after"] == _texts(fake_slack, TEAM)
    assert (True, TEAM, ts) == _row(factory, workspace_id, "reply")
    assert [parent_ts] == [c.args["ts"] for c in fake_slack.calls_to("conversations.replies")]


def test_a_post_that_never_reached_slack_is_sent_once(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """A dead sender's claim that Slack never saw is looked for, not found, and posted once."""
    client = _client(settings)
    workspace_id = _queue(factory, _post("lost", TEAM))
    _die(factory, None, workspace_id, "lost")
    _release(factory)
    _sender(factory, client).deliver_due(now=NOW, wait=False)
    assert ["lost"] == _texts(fake_slack, TEAM)
    assert 1 == len(fake_slack.calls_to("conversations.history"))
    assert (True, TEAM) == _row(factory, workspace_id, "lost")[:2]


def test_a_live_owners_claims_are_not_released(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """Only the claims of owners not alive are released; a live worker's stay leased to it."""
    client = _client(settings)
    workspace_id = _queue(factory, _post("mine", TEAM), _post("theirs", "C0OTHER"))
    _die(factory, None, workspace_id, "mine")
    with unit_of_work(factory) as session:
        dead = f"w8.{uuid.uuid4().hex}"
        outbox.claim_due(session, now=NOW, clock=NOW, wall=WALL, token=dead, keys=[(workspace_id, "theirs")])
    with unit_of_work(factory) as session:
        assert 1 == outbox.release_abandoned(session, live={"w7", "w1"})
    report = _sender(factory, client).deliver_due(now=NOW, wait=False)
    assert (1, [], ["theirs"]) == (report.sent, _texts(fake_slack, TEAM), _texts(fake_slack, "C0OTHER"))


def test_a_failed_lookup_is_retried_and_the_post_is_sent_once(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """Slack failing to answer the lookup leaves the post in doubt, retried later; then it is found, not reposted."""
    client = _client(settings)
    workspace_id = _queue(factory, _post("a", TEAM))
    ts = _die(factory, client, workspace_id, "a")
    _release(factory)
    fake_slack.fail_next("conversations.history", status=503)
    first = _sender(factory, client).deliver_due(now=NOW, wait=False)
    assert (0, 1, ["a"]) == (first.sent, first.failed, _texts(fake_slack, TEAM))
    later = NOW + timedelta(minutes=10)
    Sender(factory, client, clock=lambda: later, pace=PACE).deliver_due(now=later, wait=False)
    assert ["a"] == _texts(fake_slack, TEAM)
    assert (True, TEAM, ts) == _row(factory, workspace_id, "a")


def test_a_lookup_that_keeps_failing_gives_way_to_one_post(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """When Slack cannot be asked after a few tries, the post is made (once) rather than held for ever."""
    client = _client(settings)
    workspace_id = _queue(factory, _post("lost", TEAM))
    _die(factory, None, workspace_id, "lost")
    _release(factory)
    fake_slack.fail_next("conversations.history", status=503, times=100)
    for tick in range(LOOKUP_TRIES + 1):
        at = NOW + timedelta(hours=tick)
        Sender(factory, client, clock=lambda at=at: at, pace=PACE).deliver_due(now=at, wait=False)
    assert ["lost"] == _texts(fake_slack, TEAM)
    assert LOOKUP_TRIES == len(fake_slack.calls_to("conversations.history"))
    assert _row(factory, workspace_id, "lost")[0]


def test_a_sender_taken_for_dead_keeps_its_hands_off_what_was_freed(factory: sessionmaker[Session]) -> None:
    """A sender checks its claim before each few sends: once its messages were freed (it was taken for dead), they
    are no longer its own, and another sender's claim of them is not touched; a live claim is renewed."""
    _queue(factory, _post("kept", TEAM), _post("freed", "C0OTHER"))
    with unit_of_work(factory) as session:
        slow = f"w7.{uuid.uuid4().hex}"
        claimed = outbox.claim_due(session, now=NOW, clock=NOW, wall=WALL, token=slow, pace=PACE)
    ids = {m.key: m.id for m in claimed}
    with unit_of_work(factory) as session:
        assert {ids["kept"], ids["freed"]} == outbox.still_mine(session, token=slow, ids=list(ids.values()), clock=NOW)
        assert 2 == outbox.release_abandoned(session, live=set())
        assert set() == outbox.still_mine(session, token=slow, ids=list(ids.values()), clock=NOW)
    with unit_of_work(factory) as session:
        other = f"w9.{uuid.uuid4().hex}"
        again = outbox.claim_due(session, now=NOW, clock=NOW, wall=WALL, token=other, pace=PACE)
        assert {"kept", "freed"} == {m.key for m in again} and all(m.in_doubt for m in again)
        assert set() == outbox.still_mine(session, token=slow, ids=list(ids.values()), clock=NOW)
