"""`pmbot worker`: real processes share the sending and the scheduled work through PostgreSQL.

Three workers deliver 2,000 messages in 50 conversations while one of them is killed with SIGKILL mid-batch: each
message reaches Slack once, in its conversation's order, never faster than Slack's pace for a conversation.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager as ContextManager
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import BACKLOG_LOOK
from bot.worker import owner
from domain import outbox
from domain.clock import utcnow
from domain.outbox import Outgoing
from domain.workspaces import workspace_for
from sandbox.standin import Call, FakeSlack
from storage.db import read_only, unit_of_work
from storage.models import OutboxMessage
from tests.actions_helpers import dm_texts
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_processes import _env, _free_port, _process

CONVERSATIONS = 50
PER_CONVERSATION = 40  # 2,000 messages in all
BURST, PER_SECOND = 3, 1.0  # Slack's pace for chat.postMessage in one conversation


def _postgresql_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("workers share the work through PostgreSQL; SQLite runs everything in-process")


@pytest.fixture
def clean_queue(engine: Engine) -> Iterator[None]:
    """The task engine's tables empty before and after (the suite's own cleanup knows only pmbot's tables)."""
    _postgresql_only(engine)

    def empty() -> None:
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE procrastinate_jobs, procrastinate_workers, procrastinate_periodic_defers, "
                              "procrastinate_events RESTART IDENTITY CASCADE"))  # fmt: skip

    empty()
    yield
    empty()


def _worker(env: dict[str, str], cwd: Path, log: Path, *args: str) -> ContextManager[subprocess.Popen[str]]:
    return _process(["worker", *args], env, cwd, log=log)


def _queue_messages(factory: sessionmaker[Session]) -> None:
    now = utcnow()
    with unit_of_work(factory) as session:
        workspace = workspace_for(session, team_id=FakeSlack.team_id, now=now)
        messages = [
            (workspace.id, _post(channel, n)) for n, channel in itertools.product(range(PER_CONVERSATION), _channels())
        ]
        assert len(messages) == outbox.enqueue_many(session, messages, now=now)


def _channels() -> list[str]:
    return [f"C0W{n:03d}" for n in range(CONVERSATIONS)]


def _post(channel: str, n: int) -> Outgoing:
    return Outgoing(f"w:{channel}:{n}", "chat.postMessage", channel, {"channel": channel, "text": f"{channel} {n}"},
                    utcnow() - timedelta(seconds=1))  # fmt: skip


def _registered(engine: Engine, count: int) -> str:
    """Wait until `count` workers beat; the owner name of the newest (how its claims on the outbox are marked)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            ids = list(conn.execute(text("SELECT id FROM procrastinate_workers ORDER BY id")).scalars())
        if len(ids) >= count:
            return owner(ids[-1])
        time.sleep(0.1)
    raise AssertionError(f"{count} workers never registered")


def _posted(fake: FakeSlack) -> list[Call]:
    """The posts Slack took (a refused call is recorded too, with its status)."""
    return [call for call in fake.calls_to("chat.postMessage") if call.status == 200]


def _sent(fake: FakeSlack) -> int:
    return len(_posted(fake))


def _claimed_by_owner(factory: sessionmaker[Session]) -> dict[str, int]:
    """The messages leased right now, by the claim token's owner (a worker's messages in flight)."""
    owner = func.split_part(OutboxMessage.claim_token, ".", 1).label("owner")
    with read_only(factory) as session:
        rows = session.execute(
            select(owner, func.count())
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.claimed_until > utcnow())
            .group_by(text("owner"))
        ).all()
    return {str(name): int(n) for name, n in rows}


def test_three_workers_one_killed_send_each_message_once_in_order_and_paced(
    engine: Engine, factory: sessionmaker[Session], fake_slack: FakeSlack, tmp_path: Path, clean_queue: None
) -> None:
    for channel in _channels():
        fake_slack.add_channel(channel, name=channel.lower(), members=["U0DEV1", "UBOT"])  # pmbot can read it
    fake_slack.rate_limit(per_second=PER_SECOND, burst=BURST)  # Slack answers 429 to a conversation over its pace
    fake_slack.slow(0.1, method="chat.postMessage")  # a claim stays in flight a while
    _queue_messages(factory)
    env = _env(engine, fake_slack, PMBOT_TICK_SECONDS="5")
    total = CONVERSATIONS * PER_CONVERSATION
    with ExitStack() as stack:
        workers: dict[str, subprocess.Popen[str]] = {}
        for n in range(3):  # one at a time, to know which worker id is which process
            proc = stack.enter_context(_worker(env, tmp_path, tmp_path / f"worker{n}.log", "--concurrency", "3"))
            workers[_registered(engine, len(workers) + 1)] = proc
        deadline = time.monotonic() + 120
        while _sent(fake_slack) < total // 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        victim = next(iter(workers))
        while not _claimed_by_owner(factory).get(victim) and time.monotonic() < deadline:
            time.sleep(0.01)
        in_flight = _claimed_by_owner(factory).get(victim, 0)
        workers[victim].send_signal(signal.SIGKILL)  # mid-batch: it holds claimed messages
        workers[victim].wait(timeout=10)
        while _sent(fake_slack) < total and time.monotonic() < deadline + 120:
            time.sleep(0.5)
        time.sleep(3)  # anything sent twice would come now
    logs = "\n".join((tmp_path / f"worker{n}.log").read_text(errors="replace")[-3000:] for n in range(3))
    assert in_flight, "the killed worker had no messages in flight"
    with read_only(factory) as session:  # its claims were freed for the others, which looked before posting again
        assert session.scalar(select(func.count()).where(OutboxMessage.in_doubt.is_(True)))
    posts = _posted(fake_slack)
    texts = [call.args["text"] for call in posts]
    assert total == len(set(texts)), f"{len(set(texts))} of {total} sent\n{logs}"
    assert total == len(texts), f"{len(texts) - len(set(texts))} sent twice\n{logs}"
    for channel in _channels():
        mine = [call for call in posts if call.args["channel"] == channel]
        assert [f"{channel} {n}" for n in range(PER_CONVERSATION)] == [call.args["text"] for call in mine]
        _assert_paced(channel, [call.at for call in mine])
    assert [] == [call for call in fake_slack.calls_to("chat.postMessage") if call.status == 429]


def _assert_paced(channel: str, times: list[float]) -> None:
    """No stretch of time holds more messages than the burst plus one a second (what Slack enforces)."""
    for i, j in itertools.combinations(range(len(times)), 2):
        span = times[j] - times[i]
        assert j - i + 1 <= BURST + PER_SECOND * span + 0.5, f"{channel}: {j - i + 1} messages in {span:.2f}s"


def test_a_worker_on_sqlite_says_scale_out_needs_postgresql(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update(SLACK_BOT_TOKEN="xoxb-test", DATABASE_URL=f"sqlite:///{tmp_path / 'pmbot.db'}")
    done = subprocess.run([sys.executable, "-m", "bot.cli", "worker"], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert 2 == done.returncode
    assert "needs PostgreSQL" in done.stderr or "through PostgreSQL" in done.stderr
    assert "pmbot serve" in done.stderr and "postgresql+psycopg://" in done.stderr


def test_a_worker_answers_healthz_and_status_shows_the_queue(
    engine: Engine, factory: sessionmaker[Session], fake_slack: FakeSlack, tmp_path: Path, clean_queue: None
) -> None:
    """A worker's /healthz says it is alive with the queue's state; `pmbot status` prints messages due and workers."""
    port = _free_port()
    env = _env(engine, fake_slack)
    with _worker(env, tmp_path, tmp_path / "worker.log", "--health-port", str(port)) as proc:
        deadline = time.monotonic() + 30
        body: dict[str, object] = {}
        while time.monotonic() < deadline and not body.get("workers"):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    assert 200 == response.status
                    body = json.loads(response.read())
            except OSError:
                time.sleep(0.3)
        assert body.get("ok") is True and body.get("role") == "worker", body
        assert 1 == body["workers"] and 0 == body["due_messages"]
        status = subprocess.run([sys.executable, "-m", "bot.cli", "status"], env=env, cwd=tmp_path,
                                capture_output=True, text=True, timeout=60)  # fmt: skip
        assert 0 == status.returncode, status.stderr
        shown = json.loads(status.stdout)
        assert 1 == shown["workers"] and 0 == shown["due_messages"] and shown["oldest_due_seconds"] is None
        assert proc.poll() is None


def test_a_worker_added_under_load_takes_a_share_within_a_minute(
    engine: Engine, factory: sessionmaker[Session], fake_slack: FakeSlack, tmp_path: Path, clean_queue: None
) -> None:
    """One worker drains a backlog of 600 messages in 20 conversations (at Slack's pace, about half a minute); a second
    started meanwhile sends some of them within a minute of its start."""
    channels = _channels()[:20]
    for channel in channels:
        fake_slack.add_channel(channel, name=channel.lower(), members=["U0DEV1", "UBOT"])
    fake_slack.rate_limit(per_second=PER_SECOND, burst=BURST)
    fake_slack.slow(0.05, method="chat.postMessage")
    now = utcnow()
    with unit_of_work(factory) as session:
        workspace = workspace_for(session, team_id=FakeSlack.team_id, now=now)
        queued = [(workspace.id, _post(c, n)) for n, c in itertools.product(range(30), channels)]
        outbox.enqueue_many(session, queued, now=now)
    env = _env(engine, fake_slack, PMBOT_TICK_SECONDS="5")
    with ExitStack() as stack:
        stack.enter_context(_worker(env, tmp_path, tmp_path / "first.log", "--concurrency", "2"))
        _registered(engine, 1)
        while _sent(fake_slack) < 60:
            time.sleep(0.1)
        added = time.monotonic()
        stack.enter_context(_worker(env, tmp_path, tmp_path / "second.log", "--concurrency", "2"))
        newcomer = _registered(engine, 2)
        took_part = None
        while took_part is None and time.monotonic() - added < 60:
            if _claimed_by_owner(factory).get(newcomer):  # the newcomer holds messages it is sending
                took_part = time.monotonic() - added
            time.sleep(0.05)
    assert took_part is not None, "the added worker sent nothing within a minute"
    assert _sent(fake_slack) > 60


def test_status_on_sqlite_shows_the_outbox_and_no_workers(tmp_path: Path) -> None:
    """`pmbot status` reads SQLite too: messages due, and no task engine (it had failed on an unset count)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'pmbot.db'}")
    migrate = subprocess.run([sys.executable, "-m", "bot.cli", "migrate"], env=env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=60)  # fmt: skip
    assert 0 == migrate.returncode, migrate.stderr
    status = subprocess.run([sys.executable, "-m", "bot.cli", "status"], env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert 0 == status.returncode, status.stderr
    assert {"due_messages": 0, "oldest_due_seconds": None, "jobs": {}, "workers": 0} == json.loads(status.stdout)


def test_serve_beside_live_workers_sends_its_requests_messages_and_leaves_the_rest_to_them(
    clean_queue: None, slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], engine: Engine
) -> None:
    """A person's command is answered by `serve` the moment it commits; what was queued before waits for the workers
    (a serve process killed mid-send would hold its claims until their lease ends: workers free each other's). When
    no worker beats any more, serve sends everything due again."""
    with unit_of_work(factory) as session:
        workspace = workspace_for(session, team_id=FakeSlack.team_id, now=utcnow())
        outbox.enqueue_many(session, [(workspace.id, _post(PROJECT_CHANNEL, 0))], now=utcnow())
    with engine.begin() as conn:  # what a worker's heartbeat leaves in the task engine's table
        conn.execute(text("INSERT INTO procrastinate_workers DEFAULT VALUES"))

    slack.command("/action", "<@U0DEV2> send the deck", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    assert any("send the deck" in t for t in dm_texts(fake_slack, "U0DEV2"))
    backlog = [m["text"] for m in fake_slack.messages(PROJECT_CHANNEL)]
    assert f"{PROJECT_CHANNEL} 0" not in backlog
    with read_only(factory) as session:
        left = session.scalar(select(OutboxMessage.sent_at).where(OutboxMessage.key == f"w:{PROJECT_CHANNEL}:0"))
    assert left is None

    with engine.begin() as conn:  # the workers stop
        conn.execute(text("DELETE FROM procrastinate_workers"))
    time.sleep(BACKLOG_LOOK)
    slack.command("/action", "<@U0DEV2> book the room", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    assert f"{PROJECT_CHANNEL} 0" in [m["text"] for m in fake_slack.messages(PROJECT_CHANNEL)]
