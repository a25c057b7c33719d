"""Benchmark: drain 10,000 queued messages into the Slack stand-in with its rate-limit emulation on.

.venv/bin/python -m bench.delivery [--db sqlite|postgresql|both] [--messages 10000] [--channels 20]
    [--channel-share 0.1] [--failures 200]

The messages are mostly DMs (three to each person) and a share of posts to a few busy channels, where Slack's
posting limit (a burst, then one a second per conversation) bites; `--failures` of the calls are answered 503
on top. The scheduler's `run_due` runs every 30 simulated seconds until the outbox is empty. Reported: time to
drain, messages per second, attempts refused (the stand-in's 429s and the injected 503s), duplicates and lost
messages (both must be 0).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._harness import BOT_TOKEN, DATABASES, fresh_database, machine, progress, run_main, table
from bot.jobs import run_due
from bot.settings import load_settings
from bot.slack_client import make_client
from bot.standin import FakeSlack
from domain import outbox
from domain.outbox import Outgoing
from domain.workspaces import workspace_for
from storage.db import make_engine, session_factory, unit_of_work
from storage.migrate import upgrade

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TICK = timedelta(seconds=30)


def plan(messages: int, channels: int, channel_share: float) -> list[Outgoing]:
    """The messages to queue: `channel_share` of them to `channels` busy channels, the rest DMs, three a person."""
    to_channels = int(messages * channel_share)
    out = []
    for n in range(messages):
        conversation = f"C{n % channels:07d}" if n < to_channels else f"U{(n - to_channels) // 3:07d}"
        payload = {"channel": conversation, "text": f"m{n}"}
        out.append(Outgoing(f"bench:{n}", "chat.postMessage", conversation, payload, START))
    return out


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
            fake.rate_limit(per_second=1.0, burst=3)
            if args.failures:
                fake.fail_next("chat.postMessage", status=503, times=args.failures)
            settings = load_settings({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake.url, "DATABASE_URL": url},
                                     dotenv=None)  # fmt: skip
            client = make_client(settings, patient=False)
            progress(f"{kind}: {len(messages):,} messages queued; draining")
            now, ticks, started, sent = START, 0, time.monotonic(), 0
            while sent < len(messages) and ticks < 2000:
                sent += run_due(factory, client, now=now).delivery.sent
                now, ticks = now + TICK, ticks + 1
            seconds = time.monotonic() - started
        finally:
            engine.dispose()
        calls = fake.calls_to("chat.postMessage")
    delivered = Counter(str(c.args.get("text")) for c in calls if c.status == 200)
    refused = Counter(c.status for c in calls if c.status != 200)
    expected = {str(m.payload["text"]) for m in messages}
    return {
        "messages": len(messages),
        "drain_seconds": seconds,
        "per_second": len(delivered) / seconds if seconds else 0.0,
        "ticks": ticks,
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
        row("delivery: messages per second", "per_second"),
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
