"""Benchmark stand-ups: a simulated week of `run_due` ticks for many people in many zones; print a table of figures.

.venv/bin/python -m bench.standups [--db sqlite|postgresql|both] [--participants 10000] [--standups 40] [--zones 30]
    [--tick-minutes 15] [--days 7] [--budget 180] [--no-profile] [--burst-days 5]

Besides the whole tick it times the stand-up producer alone and counts its SQL statements per tick; then, on a
fresh database with every participant in one zone, the stand-up tick that queues that whole zone's prompts.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine, event
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
from handlers import schedule
from sandbox.standin import FakeSlack
from storage.db import make_engine, session_factory, unit_of_work
from storage.migrate import upgrade

REPEAT_AFTER = timedelta(hours=1, minutes=30)  # Monday 01:30 UTC: 09:30 in Shanghai, a busy tick early on


@dataclass
class Tick:
    """One timed tick: the whole `run_due`, all producers, and the stand-up producer alone."""

    at: datetime
    total: float
    producers: float
    standups: float = 0.0
    statements: int = 0  # SQL statements the stand-up producer sent
    queued: int = 0  # messages the stand-up producer queued
    collected: float = 0.0  # of `standups`, the seconds Python's garbage collector paused it
    full: int = 0  # full (oldest generation) collections among them


@dataclass
class Spent:
    """What the producers of the current tick took (reset before each tick)."""

    producers: float = 0.0
    standups: float = 0.0
    statements: int = 0
    queued: int = 0
    collected: float = 0.0
    full: int = 0

    def reset(self) -> None:
        self.producers = self.standups = self.collected = 0.0
        self.statements = self.queued = self.full = 0


class CollectorClock:
    """Adds the garbage collector's pauses to `spent` while `active` (a full collection walks the whole heap,
    the stand-in's record of every call included, so its cost grows with the run, not with the tick)."""

    def __init__(self, spent: Spent) -> None:
        self.spent, self.active, self.started = spent, False, 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started = time.perf_counter()
        elif self.active:
            self.spent.collected += time.perf_counter() - self.started
            self.spent.full += info["generation"] == 2


@dataclass
class Run:
    """What stepping one database through the week saw."""

    seconds: list[Tick] = field(default_factory=list)
    sent: Sent = field(default_factory=lambda: {kind: {} for kind in KINDS})
    repeat: dict[str, Any] = field(default_factory=dict)  # the tick run twice (its first run is the profiled one)
    profile: list[str] = field(default_factory=list)


class StatementCounter:
    """Counts the SQL statements an engine sends (an executemany is one)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


@contextmanager
def producer_clock(spent: Spent, counter: StatementCounter) -> Iterator[None]:
    """Add the seconds every job of the registry takes to `spent` (the app's code itself is untouched); the
    stand-up producer's seconds, statements and messages also on their own."""
    original = schedule.JOBS
    collector = CollectorClock(spent)

    def timed(name: str, func: schedule.Producer) -> schedule.Producer:
        def run(session: Session, now: datetime) -> int:
            t0, statements, queued = time.perf_counter(), counter.count, 0
            collector.active = name == "stand-ups"
            try:
                queued = func(session, now)
                return queued
            finally:
                collector.active = False
                spent.producers += time.perf_counter() - t0
                if name == "stand-ups":  # its commit is outside: counted by the caller's unit of work
                    spent.standups += time.perf_counter() - t0
                    spent.statements += counter.count - statements
                    spent.queued += queued

        return run

    schedule.JOBS = tuple(replace(job, run=timed(job.name, job.run)) for job in original)  # run_due reads it
    gc.callbacks.append(collector)
    try:
        yield
    finally:
        gc.callbacks.remove(collector)
        schedule.JOBS = original


def simulate(url: str, fake: FakeSlack, ticks: list[datetime], budget: float, profile: bool) -> Run:
    """Run `run_due` at each tick (until `budget` seconds are spent), recording what each one sent and took."""
    engine = make_engine(url)
    factory = session_factory(engine)
    settings = load_settings(
        {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake.url, "DATABASE_URL": url}, dotenv=None
    )
    client = make_client(settings, patient=False)
    repeat_at = next((t for t in ticks if t >= START + REPEAT_AFTER), ticks[-1])
    run, spent, seen, started = Run(), Spent(), 0, time.monotonic()
    counter = StatementCounter(engine)
    try:
        with producer_clock(spent, counter):
            for done, at in enumerate(ticks, start=1):
                if budget and time.monotonic() - started > budget:
                    progress(f"budget of {budget:.0f}s spent: stopping before the tick at {at.isoformat()}")
                    break
                spent.reset()
                profiler = cProfile.Profile() if profile and at == repeat_at else None
                t0 = time.perf_counter()
                if profiler is not None:
                    profiler.runcall(jobs.run_due, factory, client, now=at)
                else:
                    jobs.run_due(factory, client, now=at)
                elapsed = time.perf_counter() - t0
                if profiler is not None:  # timed apart: the profiler slows it down
                    run.repeat["profiled_seconds"], run.profile = elapsed, top_functions(profiler)
                else:
                    run.seconds.append(
                        Tick(
                            at,
                            elapsed,
                            spent.producers,
                            spent.standups,
                            spent.statements,
                            spent.queued,
                            spent.collected,
                            spent.full,
                        )
                    )
                seen = _record(fake, seen, at, run)
                if at == repeat_at:
                    spent.reset()
                    seen = _repeat(factory, client, fake, at, seen, run)
                    run.repeat.update(standups_seconds=spent.standups, standups_statements=spent.statements)
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
    per_tick = [t.total for t in run.seconds]
    slowest = max(run.seconds, key=lambda t: t.total, default=Tick(START, 0.0, 0.0))
    busiest = max(run.seconds, key=lambda t: t.standups, default=Tick(START, 0.0, 0.0))
    standups = [t.standups for t in run.seconds]
    statements = [float(t.statements) for t in run.seconds]
    idle = [t for t in run.seconds if not t.queued]  # ticks where the stand-ups had nothing new to queue
    return {
        **figures,
        "ticks_planned": planned,
        "ticks_run": ran,
        "simulated_until": last.isoformat(),
        "tick_seconds": {
            "p50": percentile(per_tick, 50),
            "p95": percentile(per_tick, 95),
            "max": slowest.total,
            "mean": sum(per_tick) / max(len(per_tick), 1),
            "slowest_at": slowest.at.isoformat(),
            "producers_total": sum(t.producers for t in run.seconds),
            "delivery_total": sum(t.total - t.producers for t in run.seconds),
        },
        "standup_tick_ms": {
            "p50": 1000 * percentile(standups, 50),
            "p95": 1000 * percentile(standups, 95),
            "max": 1000 * busiest.standups,
            "slowest_at": busiest.at.isoformat(),
            "slowest_queued": busiest.queued,
            "idle_p50": 1000 * percentile([t.standups for t in idle], 50),
            "idle_ticks": len(idle),
            "collected": 1000 * sum(t.collected for t in run.seconds),
            "full_collections": sum(t.full for t in run.seconds),
            "p95_without_collection": 1000 * percentile([t.standups - t.collected for t in run.seconds], 95),
        },
        "standup_statements": {
            "p50": percentile(statements, 50),
            "p95": percentile(statements, 95),
            "max": max(statements, default=0),
            "idle_max": max((t.statements for t in idle), default=0),
            "total": sum(t.statements for t in run.seconds),
        },
        "ticks": [
            {
                "at": t.at.isoformat(),
                "seconds": t.total,
                "producer_seconds": t.producers,
                "standup_seconds": t.standups,
                "standup_statements": t.statements,
                "standup_queued": t.queued,
                "standup_collected_seconds": t.collected,
            }
            for t in run.seconds
        ],
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
        *(row(f"stand-up producer {s} (ms)", lambda r, s=s: r["standup_tick_ms"][s]) for s in ("p50", "p95", "max")),
        row("  slowest at / messages it queued", lambda r: _slowest(r["standup_tick_ms"])),
        row("  on ticks queueing nothing, p50 (ms)", lambda r: r["standup_tick_ms"]["idle_p50"]),
        row("  garbage collection in it, all ticks (ms)", lambda r: r["standup_tick_ms"]["collected"]),
        row("  full collections in it, all ticks", lambda r: r["standup_tick_ms"]["full_collections"]),
        row("  p95 less its collections (ms)", lambda r: r["standup_tick_ms"]["p95_without_collection"]),
        *(row(f"stand-up statements per tick {s}", lambda r, s=s: r["standup_statements"][s]) for s in ("p50", "p95")),
        row("stand-up statements per tick max", lambda r: r["standup_statements"]["max"]),
        row("  on ticks queueing nothing, max", lambda r: r["standup_statements"]["idle_max"]),
        row("stand-up statements, all timed ticks", lambda r: r["standup_statements"]["total"]),
        row("producers, all timed ticks (s)", lambda r: r["tick_seconds"]["producers_total"]),
        row("delivery, all timed ticks (s)", lambda r: r["tick_seconds"]["delivery_total"]),
        row("profiled tick, under cProfile (s)", lambda r: r["repeat"].get("profiled_seconds")),
        row("same tick run again: sent", lambda r: r["repeat"].get("calls")),
        row("same tick run again (s)", lambda r: r["repeat"].get("seconds")),
        row("  its stand-up producer (ms / statements)", lambda r: _again(r["repeat"])),
        row("one-zone burst: prompts per tick", lambda r: _burst(r, "queued")),
        row("one-zone burst: producer p50 / max (ms)", lambda r: _burst(r, "ms")),
        row("one-zone burst: statements per tick", lambda r: _burst(r, "statements")),
        row("one-zone burst: next tick (ms / statements)", lambda r: _burst(r, "after")),
        row("wall time (s)", lambda r: r["wall_seconds"]),
    ]
    head = (
        f"machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, SQLite {info['sqlite']}, "
        f"PostgreSQL {info.get('postgresql', '-')}; load average {info['load_average_at_start']:.1f} at the start, "
        f"{info['load_average_at_end']:.1f} at the end"
    )
    return head + "\n\n" + table(["figure", *results], rows)


def _slowest(figures: dict[str, Any]) -> str:
    return f"{figures['slowest_at'][5:16]} / {figures['slowest_queued']:,}"


def _again(repeat: dict[str, Any]) -> str:
    if "standups_seconds" not in repeat:
        return "-"
    return f"{1000 * repeat['standups_seconds']:.1f} / {repeat['standups_statements']}"


def _burst(figures: dict[str, Any], what: str) -> str:
    runs = figures.get("burst", {}).get("runs", [])
    if not runs:
        return "-"
    if what == "queued":
        return " ".join(f"{r['queued']:,}" for r in runs)
    if what == "statements":
        return " ".join(str(r["statements"]) for r in runs)
    if what == "after":
        after = figures["burst"]["after"]
        return f"{after['ms']:.1f} / {after['statements']}"
    ms = [r["ms"] for r in runs]
    return f"{percentile(ms, 50):.0f} / {max(ms):.0f}"


def bench_burst(kind: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Every participant in one zone (Berlin): time the stand-up producer at 09:30 there on each of
    `--burst-days` weekdays, each run queueing that whole zone's prompts, then the tick after the last."""
    from handlers.standups.jobs import queue_standups

    people = [f"UB{n:05d}" for n in range(args.participants)]
    size = -(-len(people) // args.standups)
    groups = [
        Team(
            s,
            f"C0BENCH{s:03d}",
            "Europe/Berlin",
            tuple((u, "Europe/Berlin") for u in people[s * size : (s + 1) * size]),
        )
        for s in range(args.standups)
    ]
    runs: list[dict[str, Any]] = []
    with fresh_database(kind, workdir) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            factory = session_factory(engine)
            populate(factory, groups)
            counter = StatementCounter(engine)

            def tick(at: datetime) -> dict[str, Any]:
                statements, t0 = counter.count, time.perf_counter()
                with unit_of_work(factory) as session:
                    queued = queue_standups(session, at)
                ms = 1000 * (time.perf_counter() - t0)
                return {"at": at.isoformat(), "queued": queued, "ms": ms, "statements": counter.count - statements}

            for day in range(args.burst_days):  # 09:30 in Berlin (CET) on Monday, Tuesday, ...
                runs.append(tick(START + timedelta(days=day, hours=8, minutes=30)))
            after = tick(START + timedelta(days=max(args.burst_days - 1, 0), hours=8, minutes=45))
        finally:
            engine.dispose()
    progress(f"{kind}: one-zone burst " + ", ".join(f"{r['queued']:,} in {r['ms']:.0f} ms" for r in runs))
    return {"runs": runs, "after": after}


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
    parser.add_argument(
        "--burst-days", type=int, default=5, help="one-zone bursts to time (0: none); each queues every prompt"
    )
    args = parser.parse_args(argv)
    kinds = DATABASES if args.db == "both" else (args.db,)
    info = machine(kinds)
    started = time.monotonic()
    groups = teams(args.standups, args.participants, args.zones)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="pmbot-bench-") as tmp:
        for kind in kinds:
            results[kind] = bench_database(kind, groups, args, Path(tmp))
            if args.burst_days:
                results[kind]["burst"] = bench_burst(kind, args, Path(tmp))
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
