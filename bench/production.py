"""Benchmark pmbot as production runs it: round trips beside a bare Bolt app, memory, and a delivery drain.

.venv/bin/python -m bench.production [--db sqlite|postgresql|both] [--requests N] [--concurrency C]
    [--scheduler-seconds S] [--tick-seconds T] [--messages 10000] [--channels 20] [--channel-share 0.1]
    [--failures 200]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import delivery
from bench import production_runs as runs
from bench._harness import (
    DATABASES,
    PMBOT_SERVE,
    Served,
    finish,
    fresh_database,
    machine,
    progress,
    run_main,
    serve_env,
    serving,
    table,
)
from bench.actions import stand_in_with_people
from bot import web
from sandbox.standin import FakeSlack

# The bare app gets as many waitress threads as `pmbot serve` has.
SERVE_THREADS = int(str(web.WAITRESS["threads"]))
BARE_APP = ("-m", "bench._bare_app", "--threads", str(SERVE_THREADS))
IDLE_SCHEDULER_SECONDS = 5.0
NO_RATIO = ("wrong_secret_status", "unexpected")  # figures compared as they are, not divided

Key = tuple[str, ...]  # where a figure is in one database's results: ("pmbot", "/risk", "p99_ms")
Row = tuple[str, Key, Key | None]  # label, pmbot's figure, the bare app's figure (None: no counterpart)
Section = tuple[str, list[Row]]  # a heading and its rows


def side_by_side(label: str, *key: str) -> Row:
    """A figure both apps have."""
    return label, ("pmbot", *key), ("bare", *key)


def pmbot_only(label: str, *key: str) -> Row:
    """A figure of pmbot's alone, under one database's results."""
    return label, key, None


def round_trip_section(args: argparse.Namespace) -> Section:
    """Latency, throughput and cost per request of each command, pmbot beside the bare app."""
    rows = [
        side_by_side("start-up to healthy (s)", "startup_seconds"),
        side_by_side("wrong signing secret: HTTP status", "wrong_secret_status"),
    ]
    for name in (command.name for command in runs.COMMANDS):
        rows += [
            side_by_side(f"{name}: acknowledged p50 (ms)", name, "p50_ms"),
            side_by_side(f"{name}: acknowledged p99 (ms)", name, "p99_ms"),
            side_by_side(f"{name}: answered p50 (ms)", name, "answer_p50_ms"),
            side_by_side(f"{name}: answered p99 (ms)", name, "answer_p99_ms"),
            side_by_side(f"{name}: throughput (req/s)", name, "requests_per_second"),
            side_by_side(f"{name}: serve CPU per request (ms)", name, "cpu_ms_per_request"),
            side_by_side(f"{name}: Slack API calls per request", name, "slack_calls_per_request"),
            side_by_side(f"{name}: answers not as expected", name, "unexpected"),
        ]
    return f"round trip on loopback, {args.requests:,} per command, {args.concurrency} in flight", rows


def memory_section(args: argparse.Namespace) -> Section:
    """The served apps' memory, and the scheduler's: idle, then over the database the load filled."""
    loaded = f"scheduler, loaded database, {args.scheduler_seconds:.0f}s:"
    rows = [
        side_by_side("serve RSS idle, after start-up (MiB)", "idle", "vmrss_mib"),
        side_by_side("serve RSS after the load (MiB)", "loaded", "vmrss_mib"),
        side_by_side("serve peak RSS, VmHWM (MiB)", "loaded", "vmhwm_mib"),
        side_by_side("serve OS threads", "loaded", "threads"),
        pmbot_only(f"scheduler, new database, {IDLE_SCHEDULER_SECONDS:.0f}s: RSS (MiB)", "idle", "rss_end_mib"),
        pmbot_only(f"{loaded} first RSS (MiB)", "loaded", "rss_first_mib"),
        pmbot_only(f"{loaded} max RSS (MiB)", "loaded", "rss_max_mib"),
        pmbot_only(f"{loaded} RSS at end (MiB)", "loaded", "rss_end_mib"),
        pmbot_only(f"{loaded} VmHWM (MiB)", "loaded", "hwm_mib"),
        pmbot_only(f"{loaded} chat.postMessage", "loaded", "post_message_calls"),
        pmbot_only(f"{loaded} SIGTERM to exit (s)", "loaded", "stop_seconds"),
        pmbot_only(f"{loaded} killed after {runs.STOP_GRACE:.0f}s", "loaded", "killed"),
        pmbot_only(f"{loaded} outbox messages in all", "loaded", "outbox_messages"),
        pmbot_only(f"{loaded} outbox unsent before", "loaded", "outbox_unsent_before"),
        pmbot_only(f"{loaded} outbox unsent after", "loaded", "outbox_unsent_after"),
    ]
    return f"memory (/proc/<pid>/status); the scheduler with PMBOT_TICK_SECONDS={args.tick_seconds}", rows


def sections(args: argparse.Namespace) -> list[Section]:
    """The table's sections, in order."""
    return [
        round_trip_section(args),
        memory_section(args),
        delivery_section(args),
    ]


def delivery_section(args: argparse.Namespace) -> Section:
    """bench.delivery's drain of queued messages through the stand-in's rate limit (pmbot alone)."""
    rows = [
        pmbot_only("time to drain (s)", "delivery", "drain_seconds"),
        pmbot_only("messages per second", "delivery", "per_second"),
        pmbot_only("scheduler ticks, 30 s apart", "delivery", "ticks"),
        pmbot_only("429 answers (rate limit)", "delivery", "refused_429"),
        pmbot_only("5xx answers (injected)", "delivery", "refused_5xx"),
        pmbot_only("duplicates (must be 0)", "delivery", "duplicates"),
        pmbot_only("lost (must be 0)", "delivery", "lost"),
    ]
    share = f"{args.channel_share:.0%} to {args.channels} busy channels, the rest DMs"
    return f"delivery: {args.messages:,} queued messages ({share}), {args.failures} answered 503", rows


def bench_database(kind: str, args: argparse.Namespace, fake: FakeSlack, workdir: Path) -> dict[str, Any]:
    """`pmbot serve` and the bare app side by side, then `pmbot scheduler`, on a fresh database of `kind`."""
    load = {"requests": args.requests, "concurrency": args.concurrency}
    with fresh_database(kind, workdir) as url:
        env = serve_env(url, fake.url)
        fake.reset()
        with (
            serving(f"{kind}: bare Bolt app", BARE_APP, env, workdir) as bare,
            serving(f"{kind}: pmbot serve", PMBOT_SERVE, env, workdir) as pmbot,
        ):
            apps = {"bare": bare, "pmbot": pmbot}
            figures: dict[str, Any] = {name: served_figures(served) for name, served in apps.items()}
            progress(f"{kind}: both apps idle; pmbot scheduler for {IDLE_SCHEDULER_SECONDS:.0f}s, nothing to do")
            figures["idle"] = runs.scheduler_run(
                url, fake, workdir, seconds=IDLE_SCHEDULER_SECONDS, tick=args.tick_seconds
            )
            figures["pmbot"]["standup_answers"] = runs.set_up_standup(pmbot, fake, url)
            progress(f"{kind}: {args.requests:,} requests per command and app, {args.concurrency} in flight")
            for command in runs.COMMANDS:  # the two apps in turn, close in time on a machine others may use
                for name, served in apps.items():
                    figures[name][command.name] = runs.load_command(served, fake, command, bare=name == "bare", **load)
            for name, served in apps.items():
                figures[name]["loaded"] = runs.memory(served.pid)
        progress(f"{kind}: pmbot scheduler for {args.scheduler_seconds:.0f}s over the loaded database")
        figures["loaded"] = runs.scheduler_run(
            url, fake, workdir, seconds=args.scheduler_seconds, tick=args.tick_seconds
        )
    return figures


def served_figures(served: Served) -> dict[str, Any]:
    """What a served app's figures begin with: its start-up time, its idle memory, whether it checks signatures."""
    return {
        "startup_seconds": served.startup_seconds,
        "idle": runs.memory(served.pid),
        "wrong_secret_status": runs.wrong_secret_status(served),
    }


def failures_of(results: dict[str, Any]) -> list[str]:
    """The sanity checks that failed: answers not as expected, a forged request not refused."""
    found = []
    for kind, figures in results.items():
        for app in ("bare", "pmbot"):
            if (status := figures[app]["wrong_secret_status"]) != 401:
                found.append(f"{kind} {app}: a request signed with the wrong secret got HTTP {status}, not 401")
            found += [
                f"{kind} {app}: {figures[app][c.name]['failure']}"
                for c in runs.COMMANDS
                if figures[app][c.name]["failure"]
            ]
    return found


def render(results: dict[str, Any], info: dict[str, Any], args: argparse.Namespace) -> str:
    """One table: per database, pmbot, the bare app and their ratio; under a line about the machine."""
    kinds = list(results)

    def figure(kind: str, key: Key | None) -> Any:
        value: Any = results[kind] if key else None
        for part in key or ():
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def ratio(ours: Any, theirs: Any, key: Key | None) -> float | None:
        if key is None or key[-1] in NO_RATIO or not isinstance(ours, int | float):
            return None
        return ours / theirs if isinstance(theirs, int | float) and theirs else None

    rows: list[list[Any]] = []
    for heading, section_rows in sections(args):
        rows.append([heading, *("" for _ in kinds for _ in range(3))])
        for label, pmbot, bare in section_rows:
            cells: list[Any] = [f"  {label}"]
            for kind in kinds:
                ours, theirs = figure(kind, pmbot), figure(kind, bare)
                cells += [ours, theirs, ratio(ours, theirs, bare)]
            rows.append(cells)
    header = ["figure", *(name for kind in kinds for name in (f"{kind} pmbot", "bare", "pmbot/bare"))]
    head = (
        f"machine: {info['nproc']} CPUs ({info['cpu']}), Python {info['python']}, SQLite {info['sqlite']}, "
        f"PostgreSQL {info.get('postgresql', '-')}\nload average (1 min) at start {info['load_average_at_start']:.2f}, "
        f"at end {info['load_average_at_end']:.2f}; waitress threads {SERVE_THREADS} in both apps"
    )
    return head + "\n\n" + table(header, rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark per database; print progress and the table; return 1 if a sanity check failed."""
    parser = argparse.ArgumentParser(prog="python -m bench.production", description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=[*DATABASES, "both"], default="both")
    parser.add_argument("--requests", type=int, default=800, help="requests per command and app (default 800)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (default 16)")
    parser.add_argument("--scheduler-seconds", type=float, default=20, help="scheduler run after the load (20)")
    parser.add_argument("--tick-seconds", type=int, default=1, help="PMBOT_TICK_SECONDS for the scheduler (1)")
    delivery.add_arguments(parser)
    args = parser.parse_args(argv)
    kinds = DATABASES if args.db == "both" else (args.db,)
    info = machine(kinds)
    results: dict[str, Any] = {}
    started = time.monotonic()
    fake = stand_in_with_people()
    try:
        with tempfile.TemporaryDirectory(prefix="pmbot-bench-") as tmp:
            for kind in kinds:
                results[kind] = bench_database(kind, args, fake, Path(tmp))
                progress(f"{kind}: draining {args.messages:,} queued messages through the stand-in's rate limit")
                results[kind]["delivery"] = delivery.measure(kind, Path(tmp), args)
        server_errors = list(fake.server_errors)
    finally:
        fake.stop()
    info["total_seconds"], info["load_average_at_end"] = time.monotonic() - started, os.getloadavg()[0]
    print("\n" + render(results, info, args) + f"\n\ntotal run time: {info['total_seconds']:.0f}s", flush=True)
    failures = failures_of(results) + delivery.failures({k: r["delivery"] for k, r in results.items()})
    if server_errors:
        failures.append(f"the Slack stand-in failed {len(server_errors)} times: {server_errors[0]}")
    return finish("production", results, info, vars(args), failures)


if __name__ == "__main__":
    run_main(main)
