"""The outbox: queued once per key, delivered once, in order per conversation, never lost."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.notifier import Sender
from bot.settings import Settings
from bot.slack_client import make_client
from domain import outbox
from domain.outbox import Outgoing
from domain.workspaces import workspace_for
from sandbox.standin import FakeSlack
from storage.db import unit_of_work
from storage.models import OutboxMessage

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
WALL = NOW.timestamp()  # the wall clock Slack's pace is kept in, where a test needs no real one


def _queue(factory: sessionmaker[Session], *messages: Outgoing) -> int:
    with unit_of_work(factory) as session:
        workspace = workspace_for(session, team_id="T0001", now=NOW)
        for message in messages:
            outbox.enqueue(session, workspace_id=workspace.id, message=message, now=NOW)
        return workspace.id


def _post(key: str, channel: str = "C0PROJ", *, at: datetime = NOW, text: str | None = None) -> Outgoing:
    payload = {"channel": channel, "text": text or key}
    return Outgoing(key=key, method="chat.postMessage", channel=channel, payload=payload, not_before=at)


def test_enqueue_twice_with_one_key_queues_once(factory: sessionmaker[Session]) -> None:
    """A second message with the same key is ignored, and enqueue says so."""
    with unit_of_work(factory) as session:
        workspace = workspace_for(session, team_id="T0001", now=NOW)
        assert outbox.enqueue(session, workspace_id=workspace.id, message=_post("k1"), now=NOW)
        assert not outbox.enqueue(session, workspace_id=workspace.id, message=_post("k1", text="other"), now=NOW)
    with factory() as session:
        assert ["k1"] == list(session.scalars(select(OutboxMessage.key)))


def test_run_due_twice_at_one_instant_sends_once(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """Running the due work twice for the same instant delivers each message exactly once."""
    _queue(factory, _post("a"), _post("b", "U0DEV1"))
    client = make_client(settings)
    first = run_due(factory, client, now=NOW)
    second = run_due(factory, client, now=NOW)
    assert (2, 0) == (first.delivery.sent, second.delivery.sent)
    assert 2 == len(fake_slack.calls_to("chat.postMessage"))


def test_messages_wait_for_their_time(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """A message is not sent before its not_before instant, and is sent at it."""
    _queue(factory, _post("later", at=NOW + timedelta(hours=1)))
    client = make_client(settings)
    assert 0 == run_due(factory, client, now=NOW).delivery.sent
    assert 1 == run_due(factory, client, now=NOW + timedelta(hours=1)).delivery.sent
    assert ["later"] == [c.args["text"] for c in fake_slack.calls_to("chat.postMessage")]


def test_downtime_loses_nothing(factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack) -> None:
    """Messages due while nothing ran go out, once, when the work runs again days later."""
    _queue(factory, _post("m1", at=NOW), _post("m2", at=NOW + timedelta(hours=3)))
    report = run_due(factory, make_client(settings), now=NOW + timedelta(days=2))
    assert 2 == report.delivery.sent
    assert ["m1", "m2"] == [c.args["text"] for c in fake_slack.calls_to("chat.postMessage")]


def test_rate_limit_keeps_the_message_and_order(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """After Slack answers 429 past the client's patience, the message waits Retry-After; later ones to the
    same conversation wait behind it, and everything goes out once, in order."""
    _queue(factory, _post("first"), _post("second"), _post("elsewhere", "C0OTHER"))
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=2, times=1)
    # One thread: "first" is surely the call Slack refuses (with more, "elsewhere" may come first).
    sender = Sender(factory, make_client(settings, patient=False), threads=1)
    report = sender.deliver_due(now=NOW)
    assert (1, 1) == (report.sent, report.failed)  # "elsewhere" went; "first" failed; "second" waited
    assert 0 == sender.deliver_due(now=NOW + timedelta(seconds=1)).sent  # Retry-After not yet over
    # Due again, and sent once the two real seconds of its conversation's pause have passed too.
    assert 2 == sender.deliver_due(now=NOW + timedelta(seconds=3)).sent
    delivered = [c.args["text"] for c in fake_slack.calls_to("chat.postMessage") if c.status == 200]
    assert ["elsewhere", "first", "second"] == delivered


def test_server_errors_are_retried_until_delivered(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """A 5xx from Slack leaves the message queued with backoff; it is delivered once later."""
    _queue(factory, _post("x"))
    fake_slack.fail_next("chat.postMessage", status=503, times=1)
    sender = Sender(factory, make_client(settings, patient=False))
    assert 1 == sender.deliver_due(now=NOW).failed
    assert 1 == sender.deliver_due(now=NOW + timedelta(minutes=5)).sent
    assert 1 == len([c for c in fake_slack.calls_to("chat.postMessage") if c.status == 200])


def test_permanent_errors_give_up(factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack) -> None:
    """An error that sending again cannot fix (channel_not_found) is recorded and not retried."""
    _queue(factory, _post("gone"))
    fake_slack.fail_next("chat.postMessage", status=200, error="channel_not_found")
    sender = Sender(factory, make_client(settings))
    assert 1 == sender.deliver_due(now=NOW).gave_up
    assert 0 == sender.deliver_due(now=NOW + timedelta(days=1)).sent
    with factory() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert (True, None) == (message.gave_up, message.sent_at)
        assert "channel_not_found" in (message.last_error or "")


def test_a_crashed_sender_lease_expires_and_the_message_goes_once(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """A message claimed by a sender that died is sent by another once the lease has run out, and only once."""
    _queue(factory, _post("orphan"))
    with unit_of_work(factory) as session:
        assert 1 == len(outbox.claim_due(session, now=NOW, clock=NOW, wall=WALL, token="dead-sender"))
    client = make_client(settings)
    during = Sender(factory, client, clock=lambda: NOW + timedelta(seconds=30))
    after = Sender(factory, client, clock=lambda: NOW + outbox.LEASE + timedelta(seconds=1))
    assert 0 == during.deliver_due(now=NOW).sent  # still leased to the dead sender
    assert 1 == after.deliver_due(now=NOW).sent
    assert 0 == after.deliver_due(now=NOW).sent
    assert 1 == len(fake_slack.calls_to("chat.postMessage"))


def test_a_late_sender_cannot_undo_anothers_claim(factory: sessionmaker[Session]) -> None:
    """Once a lease has passed to a second sender, nothing the first sender records changes the message."""
    _queue(factory, _post("contested"))
    with unit_of_work(factory) as session:
        [first] = outbox.claim_due(session, now=NOW, clock=NOW, wall=WALL, token="first")
    with unit_of_work(factory) as session:
        later = NOW + outbox.LEASE + timedelta(seconds=1)
        assert [first.id] == [m.id for m in outbox.claim_due(session, now=NOW, clock=later, wall=WALL, token="second")]
    with unit_of_work(factory) as session:
        outbox.record(session, token="first", now=NOW, failed=[outbox.Failure(first, "late", permanent=True)])
        outbox.record(session, token="first", now=NOW, delivered=[outbox.Delivered(first, "C0PROJ", "1.0", at=WALL)])
    with factory() as session:
        message = session.get(OutboxMessage, first.id)
        assert message is not None
        assert ("second", False, None, None) == (
            message.claim_token,
            message.gave_up,
            message.last_error,
            message.sent_at,
        )


def test_an_update_waits_for_the_message_it_updates(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """An update whose original has not gone yet is retried later, not given up."""
    original = _post("orig2", "C0SLOW")
    update = Outgoing(
        key="u2", method="chat.update", channel="C0FAST", payload={"ts_of": "orig2", "text": "v2"}, not_before=NOW
    )
    _queue(factory, original, update)
    fake_slack.fail_next("chat.postMessage", status=503)
    sender = Sender(factory, make_client(settings, patient=False))
    sender.deliver_due(now=NOW)
    with factory() as session:
        pending = session.scalars(select(OutboxMessage).where(OutboxMessage.key == "u2")).one()
        assert (False, None) == (pending.gave_up, pending.sent_at)
    assert 2 == sender.deliver_due(now=NOW + timedelta(hours=1)).sent
    assert "v2" == fake_slack.messages("C0SLOW")[0]["text"]


def test_concurrent_senders_never_send_twice(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """Four senders racing over the same 40 messages deliver each exactly once."""
    _queue(factory, *[_post(f"m{i}", f"C{i % 7}") for i in range(40)])
    senders = [Sender(factory, make_client(settings)) for _ in range(4)]
    threads = [threading.Thread(target=s.deliver_due, kwargs={"now": NOW}) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = sorted(c.args["text"] for c in fake_slack.calls_to("chat.postMessage"))
    assert sorted(f"m{i}" for i in range(40)) == texts


def test_an_update_targets_the_message_the_outbox_posted(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """A chat.update queued with `ts_of` is sent to the channel and ts that Slack gave the original."""
    update = Outgoing(
        key="u",
        method="chat.update",
        channel="C0PROJ",
        payload={"ts_of": "orig", "text": "edited"},
        not_before=NOW,
    )
    _queue(factory, _post("orig"), update)
    run_due(factory, make_client(settings), now=NOW)
    [posted] = fake_slack.messages("C0PROJ")
    assert "edited" == posted["text"]
