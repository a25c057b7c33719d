"""The real `pmbot` processes: serve answers Slack, run-due is idempotent, one scheduler is active at a time."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.scheduler import LeaderLock
from bot.slack_client import make_client
from domain.outbox import Outgoing
from sandbox.standin import FakeSlack
from tests.conftest import BOT_TOKEN, PROJECT_CHANNEL, SIGNING_SECRET, make_settings
from tests.slack_requests import SlackSender
from tests.test_outbox import NOW, _post, _queue


def _env(engine: Engine, fake: FakeSlack, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT"))}
    return {
        **base,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        **extra,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _process(
    args: list[str], env: dict[str, str], cwd: Path, *, log: Path | None = None
) -> Iterator[subprocess.Popen[str]]:
    """`pmbot <args>` running, its output piped (or written to `log`); stopped with SIGTERM (then killed) at the end."""
    out = log.open("w") if log is not None else None
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=cwd,
        stdout=out or subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdout, out):
            if stream is not None:
                stream.close()


def _wait_for_line(proc: subprocess.Popen[str], needle: str, timeout: float = 30) -> str:
    """Read the process's output until it contains `needle`."""
    assert proc.stdout is not None
    fd, seen = proc.stdout.fileno(), b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            seen += chunk
            if needle.encode() in seen:
                return seen.decode(errors="replace")
    raise AssertionError(f"never saw {needle!r}; output was:\n{seen.decode(errors='replace')}")


def test_serve_answers_signed_requests_and_health(engine: Engine, fake_slack: FakeSlack, tmp_path: Path) -> None:
    """`pmbot serve` migrates, listens on PORT, answers /healthz and a signed `/pm help`, and stops on SIGTERM."""
    port = _free_port()
    with _process(["serve"], _env(engine, fake_slack, PORT=str(port)), tmp_path) as proc:
        sender = SlackSender(f"http://127.0.0.1:{port}", SIGNING_SECRET, answers=fake_slack.answer_at,
                             response_url_base=fake_slack.response_url_base)  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if sender.get("/healthz").status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        response = sender.command("/pm", "help", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
        assert 200 == response.status
        assert "ephemeral" == response.json()["response_type"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) in (0, -signal.SIGTERM)


def test_run_due_twice_for_one_instant_sends_once(
    engine: Engine, factory: sessionmaker[Session], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """`pmbot run-due --now T` delivers what is due at T; running it again for T sends nothing."""
    _queue(factory, _post("due", at=NOW), _post("not yet", at=NOW + timedelta(minutes=1)))
    env = _env(engine, fake_slack)
    args = [sys.executable, "-m", "bot.cli", "run-due", "--now", "2026-11-23T17:00:00Z"]
    first = subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    second = subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (0, 0) == (first.returncode, second.returncode), first.stderr + second.stderr
    assert "sent 1" in first.stdout and "sent 0" in second.stdout
    assert ["due"] == [c.args["text"] for c in fake_slack.calls_to("chat.postMessage")]


def test_leader_lock_is_exclusive_on_postgresql(engine: Engine) -> None:
    """On PostgreSQL a second scheduler cannot take the lock until the first lets go; SQLite always grants it."""
    first, second = LeaderLock(engine), LeaderLock(engine)
    try:
        assert first.try_acquire()
        if engine.dialect.name != "postgresql":
            assert second.try_acquire()
            return
        assert first.still_held()
        assert not second.try_acquire()
        first.release()
        assert second.try_acquire()
    finally:
        first.release()
        second.release()


def test_standby_scheduler_takes_over_when_the_active_one_dies(
    engine: Engine, factory: sessionmaker[Session], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """Two `pmbot scheduler` processes on PostgreSQL: one is active; killed, the other takes over within a minute,
    and every scheduled message goes out exactly once across the two."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs a single scheduler process by design")
    from domain.clock import utcnow

    def message(name: str, channel: str, due: timedelta) -> Outgoing:
        payload = {"channel": channel, "text": name}
        return Outgoing(
            key=name, method="chat.postMessage", channel=channel, payload=payload, not_before=utcnow() + due
        )

    channels = ("C0PROJ", "U0DEV1", "U0DEV2")
    env = _env(engine, fake_slack, PMBOT_TICK_SECONDS="1")
    with _process(["scheduler"], env, tmp_path) as active:
        _wait_for_line(active, "this process is the active scheduler")
        with _process(["scheduler"], env, tmp_path) as standby:
            _wait_for_line(standby, "another scheduler is active")
            _queue(factory, *(message(f"before-{n}", channels[n % 3], timedelta(0)) for n in range(9)))
            fake_slack.wait_for("chat.postMessage", count=9, timeout=15)
            # Due in a few seconds, so the active scheduler dies holding them queued, not half-sent.
            _queue(factory, *(message(f"after-{n}", channels[n % 3], timedelta(seconds=3)) for n in range(9)))
            active.kill()
            killed = time.monotonic()
            active.wait()
            _wait_for_line(standby, "this process is the active scheduler", timeout=60)
            assert time.monotonic() - killed < 60
            fake_slack.wait_for("chat.postMessage", count=18, timeout=30)
            time.sleep(2)  # a second send, if there were one, would come on the next ticks
    sent = [c.args["text"] for c in fake_slack.calls_to("chat.postMessage") if c.status == 200]
    assert sorted(sent) == sorted([f"before-{n}" for n in range(9)] + [f"after-{n}" for n in range(9)])


def test_scheduler_stops_promptly_with_a_backlog_and_nothing_is_sent_twice(
    engine: Engine, factory: sessionmaker[Session], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """A SIGTERM while a paced backlog drains (posts to one channel, about one a second) ends the scheduler within
    seconds; the next run delivers the rest, and no message goes twice."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs a single scheduler process by design")  # the same code, one process either way
    from domain.clock import utcnow

    _queue(factory, *(_post(f"backlog-{n}", at=utcnow()) for n in range(12)))
    with _process(["scheduler"], _env(engine, fake_slack, PMBOT_TICK_SECONDS="30"), tmp_path) as proc:
        fake_slack.wait_for("chat.postMessage", count=4, timeout=30)
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        assert proc.wait(timeout=20) in (0, -signal.SIGTERM)
        assert time.monotonic() - started < 5
    first = [c.args["text"] for c in fake_slack.calls_to("chat.postMessage") if c.status == 200]
    assert 4 <= len(first) < 12
    run_due(factory, make_client(make_settings(engine, fake_slack)), now=utcnow())
    sent = [c.args["text"] for c in fake_slack.calls_to("chat.postMessage") if c.status == 200]
    assert sorted(sent) == sorted(f"backlog-{n}" for n in range(12))
