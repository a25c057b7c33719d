"""Benchmark: drain 10,000 queued messages into the Slack stand-in with its rate-limit emulation on.

.venv/bin/python -m bench.delivery [--db sqlite|postgresql|both] [--messages 10000] [--channels 20]
    [--channel-share 0.1] [--failures 200]

The messages are mostly DMs (three to each person) and a share of posts to a few busy channels, where Slack's
posting limit (a burst, then one a second per conversation) bites; `--failures` of the calls are answered 503
on top. The scheduler's `run_due` runs every 30 simulated seconds until the outbox is empty, in a process of its
own, so that its CPU time is pmbot's alone (the stand-in answers from this one). Reported: time to drain, the
floor Slack's limit sets on it, messages per second, pmbot's CPU time and SQL statements per message delivered
(beside the CPU time of a bare slack_sdk call, the floor under it), attempts refused (the stand-in's 429s and the
injected 503s), duplicates and lost messages (both must be 0).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench._harness import BOT_TOKEN, DATABASES, fresh_database, machine, progress, run_main, table
from bot.jobs import run_due
from bot.settings import load_settings
from bot.slack_client import make_client
from domain import outbox
from domain.outbox import Outgoing
from domain.workspaces import workspace_for
from sandbox.standin import FakeSlack
from storage.db import make_engine, session_factory, unit_of_work
from storage.migrate import upgrade

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TICK = timedelta(seconds=30)
BURST, PER_SECOND = 3, 1.0  # the stand-in's posting limit per conversation
BARE_CHANNEL = "C0BARE"


def plan(messages: int, channels: int, channel_share: float) -> list[Outgoing]:
    """The messages to queue: `channel_share` of them to `channels` busy channels, the rest DMs, three a person."""
    to_channels = int(messages * channel_share)
    out = []
    for n in range(messages):
        conversation = f"C{n % channels:07d}" if n < to_channels else f"U{(n - to_channels) // 3:07d}"
        payload = {"channel": conversation, "text": f"m{n}"}
        out.append(Outgoing(f"bench:{n}", "chat.postMessage", conversation, payload, START))
    return out


def floor_seconds(messages: list[Outgoing]) -> float:
    """The least time Slack's limit allows for the busiest conversation: a burst, then one a second."""
    busiest = max(Counter(m.channel for m in messages).values(), default=0)
    return max(0, busiest - BURST) / PER_SECOND


def drain(url: str, slack_url: str, expected: int) -> dict[str, Any]:
    """Run the scheduler's work every 30 simulated seconds until `expected` messages went; answer what it cost.

    Runs in a process of its own: the CPU time and SQL statements counted are pmbot's only.
    """
    engine = make_engine(url)
    statements = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def count(*_args: Any) -> None:
        statements[0] += 1

    try:
        factory = session_factory(engine)
        settings = load_settings({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack_url, "DATABASE_URL": url},
                                 dotenv=None)  # fmt: skip
        client = make_client(settings, patient=False)
        now, ticks, sent = START, 0, 0
        cpu_before, started = _cpu_seconds(), time.monotonic()
        while sent < expected and ticks < 2000:
            sent += run_due(factory, client, now=now).delivery.sent
            now, ticks = now + TICK, ticks + 1
        seconds, cpu = time.monotonic() - started, _cpu_seconds() - cpu_before
    finally:
        engine.dispose()
    return {"seconds": seconds, "ticks": ticks, "sent": sent, "cpu": cpu, "statements": statements[0]}


def bare_calls(slack_url: str, calls: int) -> float:
    """CPU milliseconds a bare slack_sdk chat.postMessage costs here, one after another: the floor under pmbot's
    cost per message (in a process of its own, like `drain`)."""
    settings = load_settings({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack_url}, dotenv=None)
    client = make_client(settings, patient=False)
    before = _cpu_seconds()
    for n in range(calls):
        client.api_call("chat.postMessage", json={"channel": BARE_CHANNEL, "text": f"bare {n}"})
    return 1000 * (_cpu_seconds() - before) / calls


def _cpu_seconds() -> float:
    """User and system CPU time of this process, all its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(kind: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Queue the messages on a fresh database, drain them, and check what the stand-in received."""
    messages = plan(args.messages, args.channels, args.channel_share)
    with FakeSlack() as fake, fresh_database(kind, workdir) as url:
        for n in range(args.channels):
            fake.add_channel(f"C{n:07d}", name=f"busy-{n}", members=[])
        engine = make_engine(url)
        try:
            upgrade(engine)
            factory = session_factory(engine)
            with unit_of_work(factory) as session:
                workspace = workspace_for(session, team_id=fake.team_id, now=START)
                outbox.enqueue_many(session, [(workspace.id, m) for m in messages], now=START)
        finally:
            engine.dispose()
        fake.add_channel(BARE_CHANNEL, name="bare", members=[])
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            bare_ms = pool.apply(bare_calls, (fake.url, 1000))
            fake.rate_limit(per_second=PER_SECOND, burst=BURST)
            if args.failures:
                fake.fail_next("chat.postMessage", status=503, times=args.failures)
            progress(f"{kind}: {len(messages):,} messages queued; draining")
            drained = pool.apply(drain, (url, fake.url, len(messages)))
        calls = [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") != BARE_CHANNEL]
    delivered = Counter(str(c.args.get("text")) for c in calls if c.status == 200)
    refused = Counter(c.status for c in calls if c.status != 200)
    expected = {str(m.payload["text"]) for m in messages}
    seconds, sent = drained["seconds"], max(drained["sent"], 1)
    return {
        "messages": len(messages),
        "drain_seconds": seconds,
        "floor_seconds": floor_seconds(messages),
        "per_second": len(delivered) / seconds if seconds else 0.0,
        "cpu_ms_per_message": 1000 * drained["cpu"] / sent,
        "statements_per_message": drained["statements"] / sent,
        "bare_call_cpu_ms": bare_ms,
        "ticks": drained["ticks"],
        "refused_429": refused.get(429, 0),
        "refused_5xx": sum(n for status, n in refused.items() if status >= 500),
        "duplicates": sum(n - 1 for n in delivered.values() if n > 1),
        "lost": len(expected - delivered.keys()),
    }


def rows(results: dict[str, dict[str, Any]]) -> list[list[Any]]:
    """The delivery figures as table rows, a column per database."""

    def row(label: str, key: str) -> list[Any]:
        return [label, *(figures[key] for figures in results.values())]

    return [
        row("delivery: messages queued", "messages"),
        row("delivery: time to drain (s)", "drain_seconds"),
        row("delivery: least time Slack's limit allows (s)", "floor_seconds"),
        row("delivery: messages per second", "per_second"),
        row("delivery: pmbot CPU per message (ms)", "cpu_ms_per_message"),
        row("delivery: CPU of a bare slack_sdk call (ms)", "bare_call_cpu_ms"),
        row("delivery: SQL statements per message", "statements_per_message"),
        row("delivery: scheduler ticks (30 s apart)", "ticks"),
        row("delivery: 429 answers (rate limit)", "refused_429"),
        row("delivery: 5xx answers (injected)", "refused_5xx"),
        row("delivery: duplicates (must be 0)", "duplicates"),
        row("delivery: lost (must be 0)", "lost"),
    ]


def failures(results: dict[str, dict[str, Any]]) -> list[str]:
    return [
        f"{kind}: {figures['duplicates']} duplicates, {figures['lost']} lost"
        for kind, figures in results.items()
        if figures["duplicates"] or figures["lost"]
    ]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--channels", type=int, default=20, help="busy channels that get a share of the messages")
    parser.add_argument("--channel-share", type=float, default=0.1)
    parser.add_argument("--failures", type=int, default=200, help="calls answered 503 on top of the rate limit")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.delivery", description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=[*DATABASES, "both"], default="both")
    add_arguments(parser)
    args = parser.parse_args(argv)
    kinds = DATABASES if args.db == "both" else (args.db,)
    info = machine(kinds)
    with tempfile.TemporaryDirectory(prefix="pmbot-bench-") as tmp:
        results = {kind: measure(kind, Path(tmp), args) for kind in kinds}
    print(f"\nmachine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}\n")
    print(table(["figure", *results], rows(results)))
    for failure in failures(results):
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures(results) else 0


if __name__ == "__main__":
    run_main(main)
