"""Benchmark `/action` round trips under load and `run-due` delivering many reminders; print a table of figures.

.venv/bin/python -m bench.actions [--db sqlite|postgresql|both] [--requests N] [--concurrency C] [--reminders N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench._harness import (
    DATABASES,
    SIGNING_SECRET,
    finish,
    fresh_database,
    machine,
    percentile,
    pmbot_serve,
    progress,
    run_main,
    table,
)
from bench._load import Request, Result, Target, answered, answers_posted, run_load, send
from bench._reminders import run_due_benchmark
from sandbox.standin import FakeSlack
from storage.db import make_engine, session_factory, unit_of_work
from storage.models import ActionItem, OutboxMessage

CHANNEL, CHANNEL_NAME = "C0BENCH", "proj-bench"
# Who types `/action`: five people in five time zones (and locales, which decide how "3/12" reads).
PEOPLE = {
    "U0LEAD": ("lead.berlin", "Europe/Berlin", "en-GB"),
    "U0DEV1": ("dev.la", "America/Los_Angeles", "en-US"),
    "U0DEV2": ("dev.kolkata", "Asia/Kolkata", "en-IN"),
    "U0DEV3": ("dev.kathmandu", "Asia/Kathmandu", "en-US"),
    "U0DEV4": ("dev.auckland", "Pacific/Auckland", "en-NZ"),
}
TEXTS = (
    "<@U0DEV2|dev.kolkata> send deck {i} by friday 5pm",
    "write report {i} in 3 days",
    "fix DNS {i} for the may release",
    "call vendor {i} tomorrow",
)
SERIAL_REQUESTS = 20


def requests(first: int, count: int) -> list[Request]:
    """`count` requests numbered from `first`, cycling through the people and the phrasings."""
    users = list(PEOPLE)
    return [Request(users[i % len(users)], TEXTS[i % len(TEXTS)].format(i=i)) for i in range(first, first + count)]


def latency_figures(results: Sequence[Result]) -> dict[str, float]:
    """p50/p90/p99/max in milliseconds."""
    ms = [r.seconds * 1000 for r in results]
    return {
        "p50_ms": percentile(ms, 50),
        "p90_ms": percentile(ms, 90),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms, default=0.0),
    }


def slash_benchmark(
    url: str, fake: FakeSlack, workdir: Path, n: int, concurrency: int, failures: list[str], label: str
) -> dict[str, Any]:
    """Time `/action` against a real `pmbot serve`: one cold request, a few serial ones, then `n` under load."""
    fake.reset()
    with pmbot_serve(url, fake.url, workdir) as base_url:
        target = Target(base_url, SIGNING_SECRET, CHANNEL, CHANNEL_NAME, fake.response_url_base)
        progress(f"{label}: pmbot serve is healthy at {base_url}")
        cold = send(target, requests(0, 1)[0])
        serial = [send(target, r) for r in requests(1, SERIAL_REQUESTS)]
        progress(f"{label}: cold request {cold.seconds * 1000:.0f} ms; sending {n:,} at concurrency {concurrency}")
        posts_before = len(fake.calls_to("chat.postMessage"))
        loaded = run_load(target, requests(1 + SERIAL_REQUESTS, n), concurrency=concurrency)
        wall = max(r.ended for r in loaded) - min(r.started for r in loaded)
        answers_in = answers_posted(fake, since=0, at_least=sum(1 for r in [cold, *serial, *loaded] if r.status == 200))
        posts = len(fake.calls_to("chat.postMessage")) - posts_before
    paired = answered([cold, *serial, *loaded], answers_in)
    cold, serial, loaded = (
        paired[0][0],
        [r for r, _ in paired[1 : 1 + len(serial)]],
        [r for r, _ in paired[1 + len(serial) :]],
    )
    answers = [seconds * 1000 for _, seconds in paired[1 + SERIAL_REQUESTS :] if seconds is not None]
    every = [cold, *serial, *loaded]
    bad = [r for r in every if r.status != 200]
    not_created = [r for r in every if r.status == 200 and not r.expected]
    if bad:
        failures.append(f"{label}: {len(bad)} requests got no 200 answer, e.g. {bad[0].status} {bad[0].error!r}")
    if not_created:
        failures.append(f"{label}: {len(not_created)} answers were not a creation, e.g. {not_created[0].error!r}")
    items, unsent = _stored(url)
    figures = {
        "cold_ms": cold.seconds * 1000,
        "serial_p50_ms": percentile([r.seconds * 1000 for r in serial], 50),
        "requests": len(loaded),
        "concurrency": concurrency,
        **latency_figures(loaded),
        "answer_p50_ms": percentile(answers, 50) if answers else 0.0,
        "answer_p99_ms": percentile(answers, 99) if answers else 0.0,
        "wall_seconds": wall,
        "requests_per_second": len(loaded) / wall if wall else 0.0,
        "non_200": len(bad),
        "not_created": len(not_created),
        "items_stored": items,
        "post_message_calls_during_load": posts,
        "outbox_unsent_after": unsent,
    }
    progress(
        f"{label}: load done in {wall:.1f}s, {figures['requests_per_second']:.1f} req/s, "
        f"p50 {figures['p50_ms']:.0f} ms, p99 {figures['p99_ms']:.0f} ms"
    )
    return figures


def _stored(url: str) -> tuple[int, int]:
    """How many items the app stored, and how many outbox messages it left for the scheduler."""
    engine = make_engine(url)
    try:
        with unit_of_work(session_factory(engine)) as session:
            items = session.scalar(select(func.count()).select_from(ActionItem)) or 0
            unsent = session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
            )
            return int(items), int(unsent or 0)
    finally:
        engine.dispose()


ROWS: list[tuple[str, str, str]] = [
    # (label, benchmark, figure)
    ("/action cold first request (ms)", "slash", "cold_ms"),
    (f"/action serial p50, {SERIAL_REQUESTS} requests (ms)", "slash", "serial_p50_ms"),
    ("/action load: requests", "slash", "requests"),
    ("/action load: concurrency", "slash", "concurrency"),
    ("/action load: acknowledged p50 (ms)", "slash", "p50_ms"),
    ("/action load: acknowledged p90 (ms)", "slash", "p90_ms"),
    ("/action load: acknowledged p99 (ms)", "slash", "p99_ms"),
    ("/action load: acknowledged max (ms)", "slash", "max_ms"),
    ("/action load: answered p50 (ms)", "slash", "answer_p50_ms"),
    ("/action load: answered p99 (ms)", "slash", "answer_p99_ms"),
    ("/action load: throughput (req/s)", "slash", "requests_per_second"),
    ("/action load: wall time (s)", "slash", "wall_seconds"),
    ("/action load: non-200 answers", "slash", "non_200"),
    ("/action load: answers not 'Created'", "slash", "not_created"),
    ("/action items stored (all phases)", "slash", "items_stored"),
    ("/action chat.postMessage during load", "slash", "post_message_calls_during_load"),
    ("/action outbox left unsent after load", "slash", "outbox_unsent_after"),
    ("run-due: due items (+ out-of-hours controls)", "reminders", "items"),
    ("run-due: insert items (s)", "reminders", "setup_seconds"),
    ("run-due 1st: total (s)", "first", "seconds"),
    ("run-due 1st: queue, all producers (s)", "first", "queue_seconds"),
    ("run-due 1st: queue, action reminders (s)", "first", "action_reminders_seconds"),
    ("run-due 1st: deliver (s)", "first", "deliver_seconds"),
    ("run-due 1st: queued", "first", "queued"),
    ("run-due 1st: sent", "first", "sent"),
    ("run-due 1st: messages/s", "first", "messages_per_second"),
    ("run-due 1st: chat.postMessage on fake", "first", "post_message_calls"),
    ("run-due 1st: delivered twice", "first", "reminders_delivered_twice"),
    ("run-due 2nd (same T): total (s)", "second", "seconds"),
    ("run-due 2nd (same T): queued", "second", "queued"),
    ("run-due 2nd (same T): sent", "second", "sent"),
]


def render(results: dict[str, Any], info: dict[str, Any]) -> str:
    """The final table: one row per figure, one column per database, under a line about the machine."""
    kinds = list(results)

    def figure(kind: str, bench: str, key: str) -> Any:
        data = results[kind]
        part = data.get("reminders", {}).get(bench) if bench in ("first", "second") else data.get(bench)
        value = (part or {}).get(key)
        if key == "items" and value is not None:
            return f"{value:,} (+{data['reminders']['control_items']})"
        return value

    rows = [[label, *(figure(k, bench, key) for k in kinds)] for label, bench, key in ROWS]
    head = (
        f"machine: {info['nproc']} CPUs ({info['cpu']}), Python {info['python']}, SQLite {info['sqlite']}, "
        f"PostgreSQL {info.get('postgresql', '-')}\nload average (1 min) at start {info['load_average_at_start']:.2f}, "
        f"at end {info['load_average_at_end']:.2f}"
    )
    return head + "\n\n" + table(["figure", *kinds], rows)


def stand_in_with_people() -> FakeSlack:
    """The Slack stand-in, started, with the benchmark's five people and their project channel."""
    fake = FakeSlack().start()
    for user_id, (name, tz, locale) in PEOPLE.items():
        fake.add_user(user_id, name=name, tz=tz, locale=locale)
    fake.add_channel(CHANNEL, name=CHANNEL_NAME, members=list(PEOPLE))
    return fake


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; print progress and the table; return 1 if a sanity check failed."""
    parser = argparse.ArgumentParser(prog="python -m bench.actions", description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=[*DATABASES, "both"], default="both")
    parser.add_argument("--requests", type=int, default=2000, help="requests under load (default 2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (default 16)")
    parser.add_argument("--reminders", type=int, default=10000, help="due reminders for run-due (default 10000)")
    args = parser.parse_args(argv)
    kinds = DATABASES if args.db == "both" else (args.db,)
    info = machine(kinds)
    failures: list[str] = []
    results: dict[str, Any] = {}
    started = time.monotonic()
    fake = stand_in_with_people()
    try:
        with tempfile.TemporaryDirectory(prefix="pmbot-bench-") as tmp:
            for kind in kinds:
                results[kind] = {}
                with fresh_database(kind, Path(tmp)) as url:
                    results[kind]["slash"] = slash_benchmark(
                        url, fake, Path(tmp), args.requests, args.concurrency, failures, kind
                    )
                with fresh_database(kind, Path(tmp)) as url:
                    results[kind]["reminders"] = run_due_benchmark(url, fake, args.reminders, failures, kind)
        if fake.server_errors:
            failures.append(f"the fake Slack failed {len(fake.server_errors)} times: {fake.server_errors[0]}")
    finally:
        fake.stop()
    info["total_seconds"] = time.monotonic() - started
    info["load_average_at_end"] = os.getloadavg()[0]
    print("\n" + render(results, info) + f"\n\ntotal run time: {info['total_seconds']:.0f}s", flush=True)
    return finish("actions", results, info, vars(args), failures)


if __name__ == "__main__":
    run_main(main)
