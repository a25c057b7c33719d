"""Benchmark `pmbot worker`: the sending and the ticks shared by 1, 2 and 4 workers, beside one `pmbot scheduler`.

.venv/bin/python -m bench.workers [--part sending,ticks,added] [--messages 20000] [--conversations 2000]
    [--latency 0.05] [--workers 1,2,4] [--concurrency 4] [--workspaces 1000] [--participants 100]
    [--tick-seconds 10] [--steady 3]

PostgreSQL only (the workers' task engine lives there). Three parts, each on fresh databases:

1. sending: `--messages` chat.postMessage calls queued in the outbox, due now, `--messages / --conversations` to each
   conversation, the Slack stand-in answering each call in `--latency` seconds with Slack's posting pace enforced
   (429 beyond it). Drained by one `pmbot scheduler` process, then by 1, 2 and 4 `pmbot worker` processes.
2. ticks: `--workspaces` workspaces of `--participants` people each (one or two stand-ups, thirty zones), created
   yesterday, asked every day: the first tick at the real time queues every prompt due today so far; later ones
   little. Timed in process as `pmbot scheduler` ticks (`run_due`, deliver=False), then from the workers' log lines,
   from the clock's instant to the last range's tick done. The sending is parked meanwhile (each sending slot holds
   a job scheduled for tomorrow, so the ticks' wakes add none): the figure is the ticks' alone.
3. added: one worker on the sending backlog, a second started 10 s later: how long until it has finished its first
   sending job, and the pace before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text, update

from bench._harness import (
    BOT_TOKEN,
    BenchError,
    Child,
    child,
    finish,
    fresh_database,
    machine,
    postgres_copy,
    progress,
    run_main,
    serve_env,
    table,
)
from bench.production_runs import cpu_seconds
from bench.standups import StatementCounter
from bench.standups_data import populate, teams
from bot.jobs import policy_of, run_due
from bot.settings import load_settings
from bot.slack_client import make_client
from bot.worker import MAX_SLOTS, QUEUE_SENDING, TASK_DELIVER, make_queue
from domain import outbox
from domain.clock import utcnow
from domain.outbox import Outgoing
from domain.workspaces import workspace_for
from sandbox.standin import FakeSlack
from storage.db import make_engine, session_factory, unit_of_work
from storage.migrate import upgrade
from storage.models import Project, Standup, Workspace

QUIET = ("INFO procrastinate", "bot.worker: tick workspaces")  # routine lines, left out of the logs' summaries
TICK_LINE = re.compile(r"tick workspaces (\d+)\.\.(\d*) of (\S+): queued (\d+), done ([\d.]+)s after its instant")
JOB_ENDED = re.compile(r"Job (pmbot\.\w+)\[\d+\]\((.*)\) ended with status: (\w+), lasted ([\d.]+) s")
ZONES = 30


# ---- what the machine, PostgreSQL and each process spent


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU jiffies of the whole machine, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def _postgres_cpu() -> dict[int, float]:
    """CPU seconds so far of every PostgreSQL process on this machine (server, backends), by process id."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "postgres":
                found[int(entry.name)] = cpu_seconds(int(entry.name))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


class Meter:
    """What the machine, PostgreSQL's processes and this one (the stand-in answering) spend from now on."""

    def __init__(self) -> None:
        self.jiffies, self.postgres, self.own, self.wall = _machine_jiffies(), _postgres_cpu(), _own_cpu(), time.time()

    def read(self) -> dict[str, float]:
        """The CPU spent since the start: cores busy on average, PostgreSQL's and this process's seconds.
        (A PostgreSQL backend that exited meanwhile is not counted: read before the workers stop.)"""
        busy, total = _machine_jiffies()
        postgres = _postgres_cpu()
        share = (busy - self.jiffies[0]) / max(1, total - self.jiffies[1])
        return {
            "machine_busy_cores": share * (os.cpu_count() or 1),
            "postgres_cpu_seconds": sum(cpu - self.postgres.get(pid, 0.0) for pid, cpu in postgres.items()),
            "standin_cpu_seconds": _own_cpu() - self.own,
            "load_average": os.getloadavg()[0],
        }


DB_COUNTERS = (
    "SELECT xact_commit + xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_returned + tup_fetched "
    "FROM pg_stat_database WHERE datname = current_database()"
)


def db_counters(url: str) -> dict[str, int]:
    """PostgreSQL's counters of this database: transactions and rows written and read (flushed by backends that
    have gone idle or exited)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text(DB_COUNTERS)).one()
    finally:
        engine.dispose()
    return dict(zip(("transactions", "inserted", "updated", "deleted", "read"), map(int, row), strict=True))


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {key: after[key] - before[key] for key in before}


# ---- processes


def pmbot_env(url: str, slack_url: str, tick_seconds: int) -> dict[str, str]:
    return {**serve_env(url, slack_url), "LOG_LEVEL": "INFO", "PMBOT_TICK_SECONDS": str(tick_seconds)}


def worker_args(concurrency: int) -> tuple[str, ...]:
    return ("-m", "bot.cli", "worker", "--concurrency", str(concurrency))


SCHEDULER_ARGS = ("-m", "bot.cli", "scheduler")


@contextmanager
def processes(label: str, count: int, args: Sequence[str], env: dict[str, str], workdir: Path) -> Iterator[list[Child]]:
    """Start `count` pmbot processes; stop them (SIGTERM) afterwards, printing what they logged beyond routine."""
    with ExitStack() as stack:
        started = [
            stack.enter_context(child(f"{label} {n + 1}", args, env, workdir, unsummarized=QUIET)) for n in range(count)
        ]
        yield started


def _alive(children: Sequence[Child]) -> None:
    for process in children:
        if process.proc.poll() is not None:
            tail = "\n".join(process.log().splitlines()[-20:])
            raise BenchError(f"{process.name} exited with {process.proc.returncode}:\n{tail}")


# ---- 1. sending


def plan(messages: int, conversations: int) -> list[Outgoing]:
    """The messages, round robin over the conversations: each conversation's in the order of their numbers."""
    now = utcnow()
    return [
        Outgoing(f"bench:{n}", "chat.postMessage", _channel(n, conversations),
                 {"channel": _channel(n, conversations), "text": f"m{n}"}, now)
        for n in range(messages)
    ]  # fmt: skip


def _channel(n: int, conversations: int) -> str:
    return f"C{n % conversations:07d}"


@contextmanager
def queued(args: argparse.Namespace, workdir: Path) -> Iterator[tuple[FakeSlack, str]]:
    """A fresh database with the messages queued, and the stand-in that knows their channels (pmbot a member), slow
    and enforcing Slack's posting pace."""
    with FakeSlack() as fake, fresh_database("postgresql", workdir) as url:
        for n in range(args.conversations):
            fake.add_channel(_channel(n, args.conversations), name=f"bench-{n}", members=[fake.bot_user_id])
        engine = make_engine(url)
        try:
            upgrade(engine)
            factory = session_factory(engine)
            with unit_of_work(factory) as session:
                workspace = workspace_for(session, team_id=fake.team_id, now=utcnow())
                wid = workspace.id
            with unit_of_work(factory) as session:
                outbox.enqueue_many(session, [(wid, m) for m in plan(args.messages, args.conversations)], now=utcnow())
        finally:
            engine.dispose()
        fake.slow(args.latency)
        fake.rate_limit(per_second=1.0, burst=3)
        yield fake, url


def listen_overflows() -> int:
    """The machine's count of connections dropped because a listening socket's queue was full (/proc/net/netstat)."""
    lines = [line.split() for line in Path("/proc/net/netstat").read_text().splitlines() if line.startswith("TcpExt:")]
    return int(dict(zip(lines[0], lines[1], strict=True)).get("ListenOverflows", 0)) if len(lines) >= 2 else 0


class Posts:
    """The stand-in's chat.postMessage calls, counted as they come (a cheap look at the calls added since)."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake, self.seen, self.ok = fake, 0, 0
        self.ok_at: list[float] = []

    def count(self) -> int:
        calls = self.fake.calls[self.seen :]
        self.seen += len(calls)
        for call in calls:
            if call.method == "chat.postMessage" and call.status == 200:
                self.ok += 1
                self.ok_at.append(call.at)
        return self.ok

    def between(self, start: float, end: float) -> int:
        return sum(1 for at in self.ok_at if start < at <= end)


def check_posts(fake: FakeSlack, expected: int) -> dict[str, Any]:
    """Delivered, duplicates, lost, out of order per conversation, 429s; the first and last post."""
    posts = fake.calls_to("chat.postMessage")
    ok = sorted((c for c in posts if c.status == 200), key=lambda c: c.at)
    texts = Counter(str(c.args.get("text")) for c in ok)
    last_of: dict[str, int] = {}
    disorder = 0
    for call in ok:
        n = int(str(call.args.get("text"))[1:])
        channel = str(call.args.get("channel"))
        disorder += n < last_of.get(channel, -1)
        last_of[channel] = max(n, last_of.get(channel, -1))
    return {
        "delivered": len(texts),
        "duplicates": sum(n - 1 for n in texts.values() if n > 1),
        "lost": expected - len(texts.keys() & {f"m{n}" for n in range(expected)}),
        "out_of_order": disorder,
        "refused_429": sum(1 for c in posts if c.status == 429),
        "other_refusals": sum(1 for c in posts if c.status not in (200, 429)),
        "first_post": posts[0].at if posts else 0.0,
        "last_post": ok[-1].at if ok else 0.0,
    }


def sending(label: str, workers: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Drain the queued messages with one scheduler (`workers` 0) or that many workers; answer the figures."""
    with queued(args, workdir) as (fake, url):
        before, overflows = db_counters(url), listen_overflows()
        env = pmbot_env(url, fake.url, args.scheduler_tick_seconds if workers == 0 else args.tick_seconds)
        command = SCHEDULER_ARGS if workers == 0 else worker_args(args.concurrency)
        progress(f"sending: {args.messages:,} messages, {label}")
        posts = Posts(fake)
        with processes(label, max(1, workers), command, env, workdir) as started:
            meter, t0 = Meter(), time.monotonic()
            while posts.count() < args.messages:
                if time.monotonic() - t0 > args.timeout:
                    progress(f"sending: {label} did not drain within {args.timeout:.0f}s")
                    break
                _alive(started)
                time.sleep(0.25)
            spent = meter.read()
            cpu = [cpu_seconds(p.proc.pid) for p in started]
            overflows = listen_overflows() - overflows
        after = db_counters(url)
        checked = check_posts(fake, args.messages)
    seconds = checked["last_post"] - checked["first_post"]
    writes = _delta(before, after)
    figures = {
        **checked,
        "messages": args.messages,
        "per_second": checked["delivered"] / seconds if seconds else 0.0,
        "drain_seconds": checked["last_post"] - t0,
        "pmbot_cpu_seconds": sum(cpu),
        "cpu_seconds_each": cpu,
        "listen_overflows": overflows,
        **spent,
        "database": writes,
        "transactions_per_message": writes["transactions"] / max(1, checked["delivered"]),
        "rows_written_per_message": (writes["inserted"] + writes["updated"] + writes["deleted"])
        / max(1, checked["delivered"]),
    }
    progress(f"sending: {label}: {figures['per_second']:.0f} messages/s, drained in {figures['drain_seconds']:.1f}s")
    return figures


# ---- 2. ticks


@contextmanager
def tick_template(args: argparse.Namespace, workdir: Path) -> Iterator[str]:
    """A database of `--workspaces` workspaces (T00000...), each of `--participants` people in one or two stand-ups
    over thirty zones, created yesterday and asked every day; copied for each run."""
    with fresh_database("postgresql", workdir) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            factory = session_factory(engine)
            started = time.monotonic()
            for n in range(args.workspaces):
                populate(factory, teams(1 + n % 2, args.participants, ZONES), team_id=f"T{n:05d}")
            yesterday = utcnow() - timedelta(days=1)
            with unit_of_work(factory) as session:
                session.execute(update(Workspace).values(created_at=yesterday))
                session.execute(update(Project).values(created_at=yesterday))
                session.execute(update(Standup).values(created_at=yesterday, days=list(range(7))))
            progress(f"ticks: {args.workspaces:,} workspaces, {args.workspaces * args.participants:,} participants "
                     f"stored in {time.monotonic() - started:.0f}s")  # fmt: skip
        finally:
            engine.dispose()
        yield url


def single_ticks(url: str, slack_url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Tick in this process the way `pmbot scheduler` does (`run_due`, deliver=False), every `--tick-seconds`."""
    engine = make_engine(url)
    counter = StatementCounter(engine)
    settings = load_settings({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack_url, "DATABASE_URL": url},
                             dotenv=None)  # fmt: skip
    client = make_client(settings, patient=False)
    factory = session_factory(engine)
    ticks: list[dict[str, Any]] = []
    try:
        for n in range(1 + args.steady):
            if n:
                time.sleep(max(0.0, args.tick_seconds - ticks[-1]["seconds"]))
            statements, t0 = counter.count, time.perf_counter()
            report = run_due(factory, client, now=utcnow(), policy=policy_of(settings), deliver=False)
            seconds = time.perf_counter() - t0
            queued = sum(report.queued.values())
            ticks.append({"seconds": seconds, "queued": queued, "statements": counter.count - statements})
            progress(f"ticks: single process, tick {n + 1}: queued {queued:,} in {seconds:.2f}s")
    finally:
        engine.dispose()
    steady = ticks[1:]
    return {
        "first_tick_seconds": ticks[0]["seconds"],
        "first_tick_queued": ticks[0]["queued"],
        "first_tick_statements": ticks[0]["statements"],
        "steady_tick_seconds": statistics.median(t["seconds"] for t in steady) if steady else None,
        "steady_tick_statements": statistics.median(t["statements"] for t in steady) if steady else None,
        "ticks": ticks,
    }


async def _park_sending(url: str) -> None:
    """A sending job in each slot, scheduled for tomorrow: the ticks' wakes find each slot taken, and send nothing."""
    queue = make_queue(url, tick_seconds=60)
    async with queue.open_async():
        for slot in range(MAX_SLOTS):
            lock = f"deliver:{slot}"
            task = queue.configure_task(TASK_DELIVER, lock=lock, queueing_lock=lock, queue=QUEUE_SENDING,
                                        schedule_in={"days": 1})  # fmt: skip
            await task.defer_async(slot=slot)


def parse_ticks(logs: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The workers' tick lines by instant: each range's lag and messages queued, and the tick jobs' own seconds."""
    found: dict[str, dict[str, Any]] = defaultdict(lambda: {"ranges": {}, "job_seconds": 0.0})
    for log in logs:
        for line in log.splitlines():
            if match := TICK_LINE.search(line):
                first, last, at, queued, lag = match.groups()
                found[at]["ranges"][int(first)] = (float(lag), int(queued))
                found[at].setdefault("ends", {})[int(first)] = None if last == "" else int(last)
            elif (match := JOB_ENDED.search(line)) and match.group(1) == "pmbot.tick":
                stamp = re.search(r"at=(\d+)", match.group(2))
                if stamp:
                    at = datetime.fromtimestamp(int(stamp.group(1)), UTC).isoformat()
                    found[at]["job_seconds"] += float(match.group(4))
    return dict(found)


def _covers_all(ends: dict[int, int | None]) -> bool:
    """Whether the ranges ticked for one instant chain from the first workspace id to the last (their number follows
    the workers alive when the clock split them)."""
    at: int | None = 0
    while at is not None:
        if at not in ends:
            return False
        last = ends[at]
        at = None if last is None else last + 1
    return True


def worker_ticks(url: str, slack_url: str, workers: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Run `workers` workers over the stand-ups until the first tick and `--steady` later complete ones are done."""
    asyncio.run(_park_sending(url))
    before = db_counters(url)
    label = f"{workers} worker{'s' if workers > 1 else ''}"
    progress(f"ticks: {label}")
    with processes(label, workers, worker_args(args.concurrency), pmbot_env(url, slack_url, args.tick_seconds),
                   workdir) as started:  # fmt: skip
        meter, t0 = Meter(), time.monotonic()
        first: tuple[str, float] | None = None
        steady: list[tuple[str, float, float]] = []
        while time.monotonic() - t0 < args.tick_timeout:
            _alive(started)
            time.sleep(1.0)
            seen = parse_ticks([p.log() for p in started])
            done = {at: t for at, t in seen.items() if _covers_all(t.get("ends", {}))}
            if not seen:
                continue
            heavy = min(seen)
            if heavy not in done:
                continue
            lag = max(lag for lag, _ in done[heavy]["ranges"].values())
            first = (heavy, lag)
            # Steady: complete ticks whose instant came after the first tick had ended (not queued behind it).
            ended = datetime.fromisoformat(heavy) + timedelta(seconds=lag)
            steady = [
                (at, max(lag for lag, _ in t["ranges"].values()), t["job_seconds"])
                for at, t in sorted(done.items())
                if datetime.fromisoformat(at) > ended
            ]
            if len(steady) >= args.steady:
                break
        spent = meter.read()
        cpu = [cpu_seconds(p.proc.pid) for p in started]
        seen = parse_ticks([p.log() for p in started])
    after = db_counters(url)
    if first is None:
        raise BenchError(f"ticks: {label}: the first tick did not complete within {args.tick_timeout:.0f}s")
    heavy_at, heavy_lag = first
    figures = {
        "first_tick_seconds": heavy_lag,
        "first_tick_queued": sum(q for _, q in seen[heavy_at]["ranges"].values()),
        "first_tick_job_seconds": seen[heavy_at]["job_seconds"],
        "steady_tick_seconds": statistics.median(s[1] for s in steady[: args.steady]) if steady else None,
        "steady_ticks": [{"at": at, "seconds": lag, "job_seconds": job} for at, lag, job in steady[: args.steady]],
        "pmbot_cpu_seconds": sum(cpu),
        **spent,
        "seconds": time.monotonic() - t0,
        "database": _delta(before, after),
    }
    progress(f"ticks: {label}: first tick {heavy_lag:.2f}s after its instant ({figures['first_tick_queued']:,} "
             f"queued), steady {figures['steady_tick_seconds']}")  # fmt: skip
    return figures


def ticking(args: argparse.Namespace, workdir: Path) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    with FakeSlack() as fake, tick_template(args, workdir) as template:
        with postgres_copy(template) as url:
            results["single process"] = single_ticks(url, fake.url, args)
        for count in args.workers:
            with postgres_copy(template) as url:
                results[_label(count)] = worker_ticks(url, fake.url, count, args, workdir)
    return results


# ---- 3. a worker added under load

DELIVER_STARTED = re.compile(r"Starting job pmbot\.deliver\[")
DELIVER_ENDED = re.compile(r"Job pmbot\.deliver\[\d+\]\(.*\) ended with status: Success")


def added(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """One worker on the backlog; a second after `--add-after` seconds: when it starts and ends its first send."""
    with queued(args, workdir) as (fake, url):
        env = pmbot_env(url, fake.url, args.tick_seconds)
        posts = Posts(fake)
        progress(f"added: 1 worker on {args.messages:,} messages, a second after {args.add_after:.0f}s")
        with processes("first worker", 1, worker_args(args.concurrency), env, workdir) as first:
            while posts.count() == 0:  # from its first post
                _alive(first)
                time.sleep(0.1)
            time.sleep(args.add_after)
            with processes("added worker", 1, worker_args(args.concurrency), env, workdir) as second:
                t_add = time.monotonic()
                started_at = ended_at = None
                while ended_at is None and time.monotonic() - t_add < 120:
                    _alive([*first, *second])
                    time.sleep(0.1)
                    posts.count()
                    log = second[0].log()
                    if started_at is None and DELIVER_STARTED.search(log):
                        started_at = time.monotonic() - t_add
                    if DELIVER_ENDED.search(log):
                        ended_at = time.monotonic() - t_add
                posts.count()
                alone = posts.between(t_add - args.add_after, t_add) / args.add_after
                window = ended_at or (time.monotonic() - t_add)
                together = posts.between(t_add + window - 10, t_add + window) / 10
        checked = check_posts(fake, args.messages)
    figures = {
        "first_job_started_seconds": started_at,
        "first_job_done_seconds": ended_at,
        "per_second_one_worker": alone,
        "per_second_two_workers": together,
        "duplicates": checked["duplicates"],
        "refused_429": checked["refused_429"],
    }
    progress(f"added: first sending job started {started_at}s, done {ended_at}s after the worker was started")
    return figures


# ---- the whole


def _label(workers: int) -> str:
    return "single process" if workers == 0 else f"{workers} worker{'s' if workers > 1 else ''}"


def rows(results: dict[str, Any]) -> list[list[Any]]:
    sending, ticks = results.get("sending", {}), results.get("ticks", {})
    out = []
    for label in dict.fromkeys([*sending, *ticks]):
        s, t = sending.get(label, {}), ticks.get(label, {})
        out.append([
            label, s.get("per_second"), s.get("drain_seconds"), s.get("pmbot_cpu_seconds"),
            s.get("postgres_cpu_seconds"), s.get("standin_cpu_seconds"), s.get("machine_busy_cores"),
            s.get("refused_429"), s.get("duplicates"), t.get("first_tick_seconds"), t.get("steady_tick_seconds"),
            t.get("pmbot_cpu_seconds"),
        ])  # fmt: skip
    return out


HEADER = [
    "configuration", "msg/s", "drain s", "pmbot CPU s", "PG CPU s", "stand-in CPU s", "busy cores", "429s", "dupes",
    "1st tick s", "steady tick s", "tick CPU s",
]  # fmt: skip


def notes(results: dict[str, Any]) -> list[str]:
    lines = []
    for label, s in results.get("sending", {}).items():
        lines.append(
            f"sending, {label}: {s['transactions_per_message']:.2f} transactions and "
            f"{s['rows_written_per_message']:.1f} rows written per message; lost {s['lost']}, "
            f"out of order {s['out_of_order']}, other refusals {s['other_refusals']}, "
            f"connections the stand-in's socket dropped {s['listen_overflows']}, load average {s['load_average']:.1f}"
        )
    for label, t in results.get("ticks", {}).items():
        if label == "single process":
            lines.append(
                f"ticks, single process: first tick queued {t['first_tick_queued']:,} in {t['first_tick_seconds']:.2f}s"
                f" with {t['first_tick_statements']:,} SQL statements; a steady tick {t['steady_tick_statements']}"
            )
        else:
            db = t["database"]
            lines.append(
                f"ticks, {label}: first tick queued {t['first_tick_queued']:,}, its tick jobs ran "
                f"{t['first_tick_job_seconds']:.1f}s in all; {db['transactions']:,} transactions in "
                f"{t['seconds']:.0f}s ({db['transactions'] / max(1.0, t['seconds']):.0f}/s), busy cores "
                f"{t['machine_busy_cores']:.2f}"
            )
    a = results.get("added")
    if a:
        lines.append(
            f"worker added under load: its first sending job started {_s(a['first_job_started_seconds'])} and ended "
            f"{_s(a['first_job_done_seconds'])} after it was started; {a['per_second_one_worker']:.0f} msg/s before, "
            f"{a['per_second_two_workers']:.0f} msg/s in the 10 s before its first job ended; "
            f"duplicates {a['duplicates']}, 429s {a['refused_429']}"
        )
    return lines


def _s(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f}s"


def failures(results: dict[str, Any]) -> list[str]:
    found = []
    for label, s in results.get("sending", {}).items():
        for key in ("duplicates", "lost", "out_of_order", "refused_429"):
            if s[key]:
                found.append(f"sending, {label}: {key} {s[key]}")
    a = results.get("added")
    if a and (a["duplicates"] or a["refused_429"] or a["first_job_done_seconds"] is None):
        found.append(f"worker added: {a}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="sending,ticks,added", help="which parts, comma-separated")
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the stand-in takes per call")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to run, comma-separated")
    parser.add_argument("--concurrency", type=int, default=4, help="each worker's --concurrency")
    parser.add_argument("--scheduler-tick-seconds", type=int, default=5)
    parser.add_argument("--tick-seconds", type=int, default=10, help="PMBOT_TICK_SECONDS of the ticks part")
    parser.add_argument("--workspaces", type=int, default=1000)
    parser.add_argument("--participants", type=int, default=100, help="per workspace")
    parser.add_argument("--steady", type=int, default=3, help="steady ticks to time after the first")
    parser.add_argument("--timeout", type=float, default=420, help="seconds a drain may take")
    parser.add_argument("--tick-timeout", type=float, default=240, help="seconds the ticks of one run may take")
    parser.add_argument("--add-after", type=float, default=10)
    args = parser.parse_args(argv)
    args.workers = [int(n) for n in args.workers.split(",")]
    parts = set(args.part.split(","))
    info = machine(["postgresql"])
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="pmbot-bench-") as tmp:
        workdir = Path(tmp)
        if "sending" in parts:
            results["sending"] = {_label(n): sending(_label(n), n, args, workdir) for n in [0, *args.workers]}
        if "ticks" in parts:
            results["ticks"] = ticking(args, workdir)
        if "added" in parts:
            results["added"] = added(args, workdir)
    print(f"\nmachine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, PostgreSQL "
          f"{info.get('postgresql')}, load average at start {info['load_average_at_start']:.2f}\n")  # fmt: skip
    print(f"{args.messages:,} messages to {args.conversations:,} conversations, the stand-in answering in "
          f"{args.latency * 1000:.0f} ms; ticks of {args.workspaces:,} workspaces, "
          f"{args.workspaces * args.participants:,} participants, every {args.tick_seconds}s\n")  # fmt: skip
    if rows(results):
        print(table(HEADER, rows(results)))
    for line in notes(results):
        print(line)
    return finish("workers", results, info, {k: v for k, v in vars(args).items()}, failures(results))


if __name__ == "__main__":
    run_main(main)
