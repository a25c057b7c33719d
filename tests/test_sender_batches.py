"""The batched sender: one statement claims the first message of many conversations, senders racing over one outbox
send each message once, and a conversation's messages keep their order however the batches fall."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.notifier import THREADS, Sender
from bot.settings import Settings
from bot.slack_client import make_client
from domain import outbox
from domain.outbox import HELD, Outgoing
from sandbox.standin import FakeSlack
from storage.db import unit_of_work
from storage.models import OutboxMessage
from tests.test_outbox import NOW, WALL, _post, _queue


def _unpaced() -> outbox.Pace:
    """A pace that never holds a conversation back: these tests are about order and claims, not Slack's pace."""
    return outbox.Pace(interval=0.001, burst=1000)


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements the engine runs inside the block, as sent to the database."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _delivered(fake_slack: FakeSlack) -> list[tuple[str, str]]:
    """(conversation, text) of every post Slack took, in the order it took them."""
    calls = fake_slack.calls_to("chat.postMessage")
    return [(c.args["channel"], c.args["text"]) for c in calls if c.status == 200]


def _in_order(delivered: list[tuple[str, str]], queued: list[Outgoing]) -> None:
    """Every queued post was delivered once, and each conversation got its posts in the order they were queued."""
    assert Counter(str(m.payload["text"]) for m in queued) == Counter(text for _, text in delivered)
    for conversation in {m.channel for m in queued}:
        expected = [m.payload["text"] for m in queued if m.channel == conversation]
        assert expected == [text for channel, text in delivered if channel == conversation], conversation


def test_one_statement_claims_the_first_message_of_many_conversations(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    """A single UPDATE ... RETURNING (its candidates chosen in a WITH) leases the first due message of every
    conversation and nothing behind them; a message not due yet holds up nothing, and a held note is never claimed."""
    queued = [_post(f"{c}-{n}", c) for n in range(3) for c in ("C1", "C2", "C3", "C4", "C5", "U1")]
    later = _post("Z-later", "CZ", at=NOW + timedelta(hours=1))
    held = Outgoing("note", HELD, "CH", {"channel": "CH", "text": "held"}, NOW)
    _queue(factory, *queued, later, _post("Z-now", "CZ"), held)
    with unit_of_work(factory) as session:
        session.connection()  # the transaction is begun before counting
        with _statements(engine) as statements:
            claimed = outbox.claim_due(session, now=NOW, clock=NOW, wall=WALL, token="t1")
    assert 1 == len(statements) and statements[0].lstrip().upper().startswith(("UPDATE", "WITH HEADS AS"))
    assert ["C1-0", "C2-0", "C3-0", "C4-0", "C5-0", "U1-0", "Z-now"] == [m.key for m in claimed]
    with factory() as session:
        leased = session.scalars(select(OutboxMessage.key).where(OutboxMessage.claim_token == "t1")).all()
        assert sorted(m.key for m in claimed) == sorted(leased)
    with unit_of_work(factory) as session:  # the rest wait behind their conversation's claimed first message
        assert [] == outbox.claim_due(session, now=NOW, clock=NOW, wall=WALL, token="t2")


def test_a_pass_over_many_conversations_takes_a_handful_of_statements(
    engine: Engine, factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """Twenty conversations' messages are claimed together and recorded a lane at a time (every RECORD_EVERY
    messages): the statements do not grow with the number of messages."""
    queued = [_post(f"m{n}", f"C{n}") for n in range(20)]
    _queue(factory, *queued)
    sender = Sender(factory, make_client(settings), pace=_unpaced())
    with _statements(engine) as statements:
        report = sender.deliver_due(now=NOW, wait=False)
    assert 20 == report.sent
    # the claim; per lane of under RECORD_EVERY messages, a record and the move of its conversations' pace; the
    # claim that finds nothing; SQLite's BEGINs (one a transaction)
    assert len(statements) <= (1 + 2 * THREADS + 1) + (1 + THREADS + 1), statements
    _in_order(_delivered(fake_slack), queued)


def test_order_within_a_conversation_holds_across_batches(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """With batches of two, a conversation's five messages go in five batches, in order; one that fails holds up
    the rest of its conversation (and only its) until it is retried."""
    queued = [_post(f"{c}-{n}", c) for n in range(5) for c in ("C0PROJ", "C0OTHER", "U0DEV1")]
    _queue(factory, *queued)
    fake_slack.fail_next("chat.postMessage", status=503, times=1)  # the first message of C0PROJ
    sender = Sender(factory, make_client(settings, patient=False), batch=2, threads=2, pace=_unpaced())
    first = sender.deliver_due(now=NOW)
    assert (10, 1) == (first.sent, first.failed)  # C0OTHER and U0DEV1 went; C0PROJ waits for its first
    assert 5 == sender.deliver_due(now=NOW + timedelta(hours=1)).sent
    _in_order(_delivered(fake_slack), queued)


def test_two_senders_racing_never_send_a_message_twice(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """Two senders claiming small batches from one outbox at the same time (on PostgreSQL, truly concurrent
    transactions) send each of 300 messages exactly once, each conversation's in order, 503s and all."""
    queued = [_post(f"m{n}", f"C{n % 30}") for n in range(300)]
    _queue(factory, *queued)
    fake_slack.fail_next("chat.postMessage", status=503, times=5)
    client = make_client(settings, patient=False)
    senders = [Sender(factory, client, batch=7, threads=3, pace=_unpaced()) for _ in range(2)]
    for now in (NOW, NOW + timedelta(hours=1)):  # the second round retries what the 503s refused
        start = threading.Barrier(len(senders))

        def deliver(sender: Sender, at: Any = now, start: threading.Barrier = start) -> None:
            start.wait()
            sender.deliver_due(now=at)

        threads = [threading.Thread(target=deliver, args=(s,)) for s in senders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    _in_order(_delivered(fake_slack), queued)
    with factory() as session:
        assert 300 == len(session.scalars(select(OutboxMessage.id).where(OutboxMessage.sent_at.is_not(None))).all())


def test_a_stopped_pass_leaves_nothing_leased(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack
) -> None:
    """Stopped in the middle of a batch, the sender frees what it claimed and did not try, as if never claimed;
    the next pass sends it."""
    queued = [_post(f"m{n}", f"C{n}") for n in range(5)]
    _queue(factory, *queued)
    stop = threading.Event()
    fake_slack.listeners.append(lambda call: stop.set())
    sender = Sender(factory, make_client(settings), threads=1, pace=_unpaced())
    report = sender.deliver_due(now=NOW, stop=stop)
    assert (1, 4) == (report.sent, report.skipped)
    with factory() as session:
        rows = session.execute(
            select(OutboxMessage.claim_token, OutboxMessage.claimed_until, OutboxMessage.attempts).where(
                OutboxMessage.sent_at.is_(None)
            )
        ).all()
        assert [(None, None, 0)] * 4 == [tuple(row) for row in rows]
    fake_slack.listeners.clear()
    assert 4 == sender.deliver_due(now=NOW).sent
    _in_order(_delivered(fake_slack), queued)


def _claim_and_deliver(factory: sessionmaker[Session], *, wall: float, token: str) -> list[str]:
    """Claim what may go at `wall` and record it as taken by Slack then; return the keys."""
    with unit_of_work(factory) as session:
        claimed = outbox.claim_due(session, now=NOW, clock=NOW, wall=wall, token=token)
        delivered = [outbox.Delivered(m, m.channel, "1.0", at=wall) for m in claimed]
        outbox.record(session, token=token, now=NOW, delivered=delivered)
    return [m.key for m in claimed]


def test_a_conversation_over_its_pace_is_left_out_of_the_claim(factory: sessionmaker[Session]) -> None:
    """After a burst of three posts a conversation's next post is not claimed until a second later (the pace kept in
    the database, whoever sent them); an update there is claimed at once (it is not paced)."""
    update = Outgoing("u", "chat.update", "C0BUSY", {"channel": "C0BUSY", "ts": "1.0", "text": "v2"}, NOW)
    busy = [_post(f"busy-{n}", "C0BUSY") for n in range(4)]
    _queue(factory, *busy[:3], update, busy[3], _post("calm", "C0CALM"))
    assert ["busy-0", "calm"] == _claim_and_deliver(factory, wall=WALL, token="t0")
    assert ["busy-1"] == _claim_and_deliver(factory, wall=WALL, token="t1")
    assert ["busy-2"] == _claim_and_deliver(factory, wall=WALL, token="t2")
    assert ["u"] == _claim_and_deliver(factory, wall=WALL, token="t3")
    with unit_of_work(factory) as session:
        release = outbox.next_release(session, now=NOW, clock=NOW, wall=WALL)
    assert release is not None and abs(WALL + outbox.POSTING.interval - release) < 1e-3
    assert [] == _claim_and_deliver(factory, wall=release - 0.01, token="t4")
    assert ["busy-3"] == _claim_and_deliver(factory, wall=release, token="t5")
