"""Benchmark stand-ups: a simulated week of `run_due` ticks for many people in many zones; print a table of figures.

.venv/bin/python -m bench.standups [--db sqlite|postgresql|both] [--participants 10000] [--standups 40] [--zones 30]
    [--tick-minutes 15] [--days 7] [--budget 180] [--no-profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bench._harness import (
    BOT_TOKEN,
    DATABASES,
    ROOT,
    finish,
    fresh_database,
    machine,
    percentile,
    progress,
    run_main,
    table,
)
from bench.standups_data import KINDS, START, Sent, Team, check, classify, expected, populate, teams
from bot import jobs
from bot.settings import load_settings
from bot.slack_client import make_client
from bot.standin import FakeSlack
from storage.db import make_engine, session_factory
from storage.migrate import upgrade

REPEAT_AFTER = timedelta(hours=1, minutes=30)  # Monday 01:30 UTC: 09:30 in Shanghai, a busy tick early on


@dataclass
class Run:
    """What stepping one database through the week saw."""

    seconds: list[tuple[datetime, float, float]] = field(default_factory=list)  # (tick, total, producers)
    sent: Sent = field(default_factory=lambda: {kind: {} for kind in KINDS})
    repeat: dict[str, Any] = field(default_factory=dict)  # the tick run twice (its first run is the profiled one)
    profile: list[str] = field(default_factory=list)


@contextmanager
def producer_clock(spent: list[float]) -> Iterator[None]:
    """Add the seconds every registered producer takes to `spent[0]` (the app's code itself is untouched)."""
    import handlers.scheduled  # noqa: F401  (registers the producers)

    original = list(jobs.PRODUCERS)

    def timed(func: jobs.Producer) -> jobs.Producer:
        def run(session: Session, now: datetime) -> int:
            t0 = time.perf_counter()
            try:
                return func(session, now)
            finally:
                spent[0] += time.perf_counter() - t0

        return run

    jobs.PRODUCERS[:] = [(name, timed(func)) for name, func in original]
    try:
        yield
    finally:
        jobs.PRODUCERS[:] = original


def simulate(url: str, fake: FakeSlack, ticks: list[datetime], budget: float, profile: bool) -> Run:
    """Run `run_due` at each tick (until `budget` seconds are spent), recording what each one sent and took."""
    engine = make_engine(url)
    factory = session_factory(engine)
    settings = load_settings(
        {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake.url, "DATABASE_URL": url}, dotenv=None
    )
    client = make_client(settings, patient=False)
    repeat_at = next((t for t in ticks if t >= START + REPEAT_AFTER), ticks[-1])
    run, spent, seen, started = Run(), [0.0], 0, time.monotonic()
    try:
        with producer_clock(spent):
            for done, at in enumerate(ticks, start=1):
                if budget and time.monotonic() - started > budget:
                    progress(f"budget of {budget:.0f}s spent: stopping before the tick at {at.isoformat()}")
                    break
                spent[0], profiler = 0.0, cProfile.Profile() if profile and at == repeat_at else None
                t0 = time.perf_counter()
                if profiler is not None:
                    profiler.runcall(jobs.run_due, factory, client, now=at)
                else:
                    jobs.run_due(factory, client, now=at)
                elapsed = time.perf_counter() - t0
                if profiler is not None:  # timed apart: the profiler slows it down
                    run.repeat["profiled_seconds"], run.profile = elapsed, top_functions(profiler)
                else:
                    run.seconds.append((at, elapsed, spent[0]))
                seen = _record(fake, seen, at, run)
                if at == repeat_at:
                    seen = _repeat(factory, client, fake, at, seen, run)
                if done % 16 == 0:
                    progress(f"  {at.isoformat()}: {done} ticks, last {elapsed:.2f}s, {seen:,} Slack calls so far")
    finally:
        engine.dispose()
    return run


def _record(fake: FakeSlack, seen: int, at: datetime, run: Run) -> int:
    calls = fake.calls[seen:]
    for call in calls:
        found = classify(call)
        if found is not None:
            kind, channel, day = found
            run.sent[kind].setdefault((channel, day), []).append(at)
    return seen + len(calls)


def _repeat(
    factory: sessionmaker[Session], client: WebClient, fake: FakeSlack, at: datetime, seen: int, run: Run
) -> int:
    t0 = time.perf_counter()
    report = jobs.run_due(factory, client, now=at)
    run.repeat.update(at=at, seconds=time.perf_counter() - t0, queued=sum(report.queued.values()))
    run.repeat.update(sent=report.delivery.sent, calls=len(fake.calls) - seen)
    return _record(fake, seen, at, run)


def top_functions(profiler: cProfile.Profile, count: int = 10) -> list[str]:
    """The `count` functions with the most cumulative time, overall and in pmbot's own code, as text lines."""
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = sorted(stats.items(), key=lambda item: item[1][3], reverse=True)
    rows = [r for r in rows if not r[0][0].startswith(f"{ROOT}/bench/")]  # not the benchmark's own timing wrapper

    def line(key: tuple[str, int, str], value: tuple[Any, ...]) -> str:
        path = key[0].replace(str(ROOT) + "/", "").split("site-packages/")[-1]
        return f"{value[3]:7.3f}s cum {value[2]:7.3f}s own {value[1]:7d} calls  {path}:{key[1]}({key[2]})"

    own = [r for r in rows if r[0][0].startswith(str(ROOT)) and not r[0][0].startswith(f"{ROOT}/.")]
    return ["overall:", *(line(*r) for r in rows[:count]), "in pmbot's code:", *(line(*r) for r in own[:count])]


def bench_database(kind: str, groups: list[Team], args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Build, populate and step one database; return its figures (with "failures" and "notes")."""
    started = time.monotonic()
    step = timedelta(minutes=args.tick_minutes)
    ticks = [START + n * step for n in range(int(timedelta(days=args.days) / step) + 1)]
    fake = FakeSlack().start()
    try:
        with fresh_database(kind, workdir) as url:
            engine = make_engine(url)
            try:
                upgrade(engine)
                populate(session_factory(engine), groups)
            finally:
                engine.dispose()
            setup = time.monotonic() - started
            progress(f"{kind}: database created, migrated and filled in {setup:.1f}s; {len(ticks)} ticks to step")
            run = simulate(url, fake, ticks, args.budget, args.profile)
        server_errors = list(fake.server_errors)
    finally:
        fake.stop()
    figures = summarize(run, groups, len(ticks), step)
    figures.update(setup_seconds=setup, wall_seconds=time.monotonic() - started)
    if server_errors:
        figures["failures"].append(f"the Slack stand-in failed {len(server_errors)} times: {server_errors[0]}")
    return figures


def summarize(run: Run, groups: list[Team], planned: int, step: timedelta) -> dict[str, Any]:
    """Check what was sent against what the simulated span should bring; return the figures."""
    ran = len(run.seconds) + ("profiled_seconds" in run.repeat)
    last = START + (ran - 1) * step
    figures, failures, notes = check(run.sent, expected(groups, START, last, step), step)
    if run.repeat.get("calls") or run.repeat.get("queued"):
        failures.append(f"the tick at {run.repeat['at']} run again queued or sent more: {run.repeat}")
    if ran < planned:
        notes.append(
            f"stopped by --budget after {ran} of {planned} ticks; expected counts are up to {last.isoformat()}"
        )
    per_tick = [s for _, s, _ in run.seconds]
    slowest = max(run.seconds, key=lambda t: t[1], default=(START, 0.0, 0.0))
    return {
        **figures,
        "ticks_planned": planned,
        "ticks_run": ran,
        "simulated_until": last.isoformat(),
        "tick_seconds": {
            "p50": percentile(per_tick, 50),
            "p95": percentile(per_tick, 95),
            "max": slowest[1],
            "mean": sum(per_tick) / max(len(per_tick), 1),
            "slowest_at": slowest[0].isoformat(),
            "producers_total": sum(p for _, _, p in run.seconds),
            "delivery_total": sum(s - p for _, s, p in run.seconds),
        },
        "ticks": [{"at": t.isoformat(), "seconds": s, "producer_seconds": p} for t, s, p in run.seconds],
        "repeat": {k: v.isoformat() if isinstance(v, datetime) else v for k, v in run.repeat.items()},
        "profile": run.profile,
        "failures": failures,
        "notes": notes,
    }


def render(results: dict[str, dict[str, Any]], info: dict[str, Any]) -> str:
    """The figures as one aligned table, a column per database, under a line about the machine."""

    def row(label: str, get: Any) -> list[Any]:
        return [label, *(get(figures) for figures in results.values())]

    def pair(kind: str) -> Any:
        return lambda r: f"{r['sent'][kind]:,} / {r['expected'][kind]:,}"

    rows = [
        row("setup: create, migrate, insert (s)", lambda r: r["setup_seconds"]),
        row("ticks run / planned", lambda r: f"{r['ticks_run']} / {r['ticks_planned']}"),
        row("simulated until", lambda r: r["simulated_until"][:16]),
        row("prompts sent / expected", pair("prompt")),
        row("reminders sent / expected", pair("reminder")),
        row("summaries sent / expected", pair("summary")),
        row("prompts late / sent twice", lambda r: f"{r['prompts_late']} / {r['duplicates']['prompt']}"),
        *(row(f"tick {s} (s)", lambda r, s=s: r["tick_seconds"][s]) for s in ("p50", "p95", "max", "mean")),
        row("slowest tick at", lambda r: r["tick_seconds"]["slowest_at"][:16]),
        row("producers, all timed ticks (s)", lambda r: r["tick_seconds"]["producers_total"]),
        row("delivery, all timed ticks (s)", lambda r: r["tick_seconds"]["delivery_total"]),
        row("profiled tick, under cProfile (s)", lambda r: r["repeat"].get("profiled_seconds")),
        row("same tick run again: sent", lambda r: r["repeat"].get("calls")),
        row("same tick run again (s)", lambda r: r["repeat"].get("seconds")),
        row("wall time (s)", lambda r: r["wall_seconds"]),
    ]
    head = (
        f"machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, SQLite {info['sqlite']}, "
        f"PostgreSQL {info.get('postgresql', '-')}; load average {info['load_average_at_start']:.1f} at the start, "
        f"{info['load_average_at_end']:.1f} at the end"
    )
    return head + "\n\n" + table(["figure", *results], rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print progress, the table and any profile; return 1 if a sanity check failed."""
    parser = argparse.ArgumentParser(prog="python -m bench.standups", description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=[*DATABASES, "both"], default="both")
    parser.add_argument("--participants", type=int, default=10000)
    parser.add_argument("--standups", type=int, default=40)
    parser.add_argument("--zones", type=int, default=30)
    parser.add_argument("--tick-minutes", type=int, default=15)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--budget", type=float, default=180, help="seconds of ticks per database (0: no limit)")
    parser.add_argument("--profile", action=argparse.BooleanOptionalAction, default=True, help="profile one tick")
    args = parser.parse_args(argv)
    kinds = DATABASES if args.db == "both" else (args.db,)
    info = machine(kinds)
    started = time.monotonic()
    groups = teams(args.standups, args.participants, args.zones)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="pmbot-bench-") as tmp:
        for kind in kinds:
            results[kind] = bench_database(kind, groups, args, Path(tmp))
    info["total_seconds"], info["load_average_at_end"] = time.monotonic() - started, os.getloadavg()[0]
    print("\n" + render(results, info) + f"\n\ntotal run time: {info['total_seconds']:.0f}s", flush=True)
    for kind, figures in results.items():
        if figures["profile"]:
            print(f"\nprofile of the tick at {figures['repeat']['at']} on {kind}, top functions by cumulative time:")
            print("\n".join("  " + line for line in figures["profile"]))
    for note in [f"{kind}: {note}" for kind, figures in results.items() for note in figures["notes"]]:
        print(f"note: {note}")
    failures = [f"{kind}: {failure}" for kind, figures in results.items() for failure in figures["failures"]]
    return finish("standups", results, info, vars(args), failures)


if __name__ == "__main__":
    run_main(main)
