"""Benchmark `/decision search` and `/risk list` on a project with many decisions and risks; print a table of figures.

.venv/bin/python -m bench.raid [--db sqlite|postgresql|both] [--decisions 100000] [--risks 10000] [--requests 400]
    [--concurrency 8]
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine

from bench import raid_data as data
from bench._harness import (
    DATABASES,
    PMBOT_SERVE,
    SIGNING_SECRET,
    BenchError,
    finish,
    fresh_database,
    machine,
    percentile,
    progress,
    run_main,
    serve_env,
    serving,
    table,
)
from bench.production import BARE_APP
from bench.production_runs import cpu_seconds
from handlers.decisions.commands import on_decision
from handlers.risks.commands import on_risk
from sandbox.standin import FakeSlack
from storage.db import make_engine
from storage.migrate import upgrade
from tests.slack_requests import SlackSender

# Common words (in up to half the decisions), pairs, rare words, and one query nothing matches.
QUERIES = data.words(
    "database|budget|vendor release|api contract|kubernetes migration|security compliance|checkout latency|"
    "mainframe|gdpr|unicorn zebra",
    "|",
)
RISK_LISTS = ("list", "list high", "list mine")
HEADINGS = {"list": "Open RAID entries", "list high": "High and critical risks", "list mine": "RAID entries you own"}
SLOW_MS = 300
WHERE = {"channel_id": data.CHANNEL, "channel_name": data.CHANNEL_NAME}
DECISION_LINE = re.compile(r"\*D-(\d+)\*")
# One request: text typed, when sent (monotonic), seconds until noticed, what was wrong (""), its response_url.
Sample = tuple[str, float, float, str, str]
Check = Callable[[str, str, dict[str, Any]], str]  # (text, user id, answer) -> what is wrong
RISK_LINE = re.compile(r"^\*R-\d+\* .*· \S+ \*(?:low|medium|high|critical)\* (\d+) .* · (<@(\w+)>|no owner)$")


def answer_of(
    sender: SlackSender, command: str, text: str, user_id: str, *, bare: bool = False, response_url: str = ""
) -> tuple[float, dict[str, Any] | str]:
    """Send one signed slash command; return the seconds until this thread has the whole answer, and its JSON (or
    what went wrong).

    `bare`: the bare Bolt app's answer, an empty 200, stands for `{}`.
    """
    t0 = time.monotonic()
    extra = {"response_url": response_url} if response_url else {}
    try:
        response = sender.command(command, text, user_id=user_id, **WHERE, **extra)
    except Exception as err:  # no answer at all
        return time.monotonic() - t0, f"{type(err).__name__}: {err}"
    seconds = time.monotonic() - t0
    if bare:
        return seconds, {} if response.status == 200 else f"bare app: HTTP {response.status}"
    body = response.json() if "application/json" in response.headers.get("content-type", "") else {}
    if response.status != 200 or body.get("response_type") != "ephemeral":
        return seconds, f"HTTP {response.status}, not an ephemeral JSON answer: {response.text[:200]}"
    return seconds, body


def lines_of(body: dict[str, Any]) -> list[str]:
    """The texts of an answer's section blocks."""
    return [b["text"]["text"] for b in body.get("blocks", []) if b.get("type") == "section"]


def check_search(query: str, body: dict[str, Any], probe: dict[str, Any]) -> str:
    """The answer lists min(20, matches) decisions, the best one first (as the app ranks in-process)."""
    numbers = [int(n) for line in lines_of(body) for n in DECISION_LINE.findall(line)[:1]]
    if len(numbers) != min(20, probe["matches"]):
        return f"{query!r}: {len(numbers)} results listed for {probe['matches']} matches"
    if numbers and numbers[0] != probe["first"]:
        return f"{query!r}: first result D-{numbers[0]}, in-process search ranks D-{probe['first']} first"
    return ""


def check_risks(which: str, user_id: str, body: dict[str, Any]) -> str:
    """The answer has the right heading, scores never rise, `high` is 10 and up, `mine` is the asker's."""
    if not body.get("text", "").startswith(HEADINGS[which]):
        return f"{which!r}: heading {body.get('text', '')[:60]!r}"
    found = [RISK_LINE.match(line) for line in lines_of(body)]
    if not found or None in found:
        return f"{which!r}: unreadable lines {lines_of(body)[:2]}"
    scores = [int(m.group(1)) for m in found if m]
    owners = {m.group(3) for m in found if m}
    if scores != sorted(scores, reverse=True) or (which == "list high" and min(scores) < 10):
        return f"{which!r}: scores out of order or too low: {scores[:10]}"
    if which == "list mine" and owners != {user_id}:
        return f"{which!r}: owners {owners} for {user_id}"
    return ""


def load(
    sender: SlackSender,
    command: str,
    texts: list[str],
    concurrency: int,
    check: Check,
    *,
    bare: bool = False,
    fake: FakeSlack | None = None,
) -> dict[str, Any]:
    """Send every text with `concurrency` in flight; return latency figures and the failures.

    With the stand-in `fake`, an answer's latency ends when the app posted it to the response_url, by the stand-in's
    clock: the load generator, which looks for it every 20 ms, notices it up to 20 ms later (`noticed_p99_ms`).
    """
    users = list(data.PEOPLE)

    def one(i: int) -> Sample:
        user_id = users[(i // 3) % len(users)]
        url = f"{sender.response_url_base}/raid/{uuid.uuid4().hex}"
        sent = time.monotonic()
        seconds, body = answer_of(sender, command, texts[i], user_id, bare=bare, response_url=url)
        return texts[i], sent, seconds, body if isinstance(body, str) else check(texts[i], user_id, body), url

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        samples = list(pool.map(one, range(len(texts))))
    wall = time.perf_counter() - t0
    posted = {call.path: call.at for call in fake.calls_to("response_url")} if fake else {}
    noticed = [seconds * 1000 for _, _, seconds, _, _ in samples]
    ms = [
        (posted[urlsplit(url).path] - sent) * 1000 if urlsplit(url).path in posted else seconds * 1000
        for _, sent, seconds, _, url in samples
    ]
    failed = [error for _, _, _, error, _ in samples if error]
    return {
        "requests": len(samples),
        **{f"p{p}_ms": percentile(ms, p) for p in (50, 90, 99)},
        "max_ms": max(ms, default=0.0),
        "noticed_p99_ms": percentile(noticed, 99),
        "requests_per_second": len(samples) / wall if wall else 0.0,
        "wall_seconds": wall,
        "failed": len(failed),
        "first_failure": failed[0] if failed else "",
        "p50_ms_by_text": {
            t: percentile([m for (typed, *_), m in zip(samples, ms, strict=True) if typed == t], 50) for t in set(texts)
        },
    }


def database_cpu_seconds(engine: Engine) -> dict[int, float]:
    """The CPU time each PostgreSQL server process serving this database has used so far (none on SQLite, whose
    work is the app's own)."""
    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as conn:
        pids = conn.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).scalars()
    found = {}
    for pid in pids:
        with suppress(OSError):  # gone, or on another machine
            found[pid] = cpu_seconds(pid)
    return found


def with_cpu(pid: int, engine: Engine, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a load; add the CPU milliseconds per request it cost the serving process and, on PostgreSQL, the server
    processes of the database: the machine's cores are what the requests in flight share."""
    process, database = cpu_seconds(pid), database_cpu_seconds(engine)
    figures = run()
    after = database_cpu_seconds(engine)
    figures["cpu_ms_per_request"] = (cpu_seconds(pid) - process) * 1000 / figures["requests"]
    spent = sum(seconds - database.get(p, 0.0) for p, seconds in after.items())
    figures["database_cpu_ms_per_request"] = spent * 1000 / figures["requests"] if after else None
    return figures


def bench_database(kind: str, args: argparse.Namespace, fake: FakeSlack, workdir: Path) -> dict[str, Any]:
    """Create, fill, probe in-process and load one database through a real `pmbot serve`; return its figures."""
    figures: dict[str, Any] = {"failures": []}
    with fresh_database(kind, workdir) as url:
        engine = make_engine(url)
        try:
            t0 = time.perf_counter()
            upgrade(engine)
            figures["migrate_seconds"] = time.perf_counter() - t0
            figures.update(data.populate(engine, decisions=args.decisions, risks=args.risks, label=kind))
            progress(f"{kind}: loaded in {figures['insert_seconds'] + figures['analyze_seconds']:.1f}s; probing")
            probes = figures["queries"] = {q: data.probe_search(engine, q) for q in QUERIES}
            bad = [q for q, probe in probes.items() if not probe["first_has_words"]]
            figures["failures"] += [f"{kind}: the first result for {q!r} lacks the query's words" for q in bad]
            fake.reset()
            with (
                serving(f"{kind}: bare Bolt app", BARE_APP, serve_env(url, fake.url), workdir) as bare,
                serving("pmbot serve", PMBOT_SERVE, serve_env(url, fake.url), workdir) as served,
            ):
                sender = SlackSender(served.base_url, SIGNING_SECRET, response_url_base=fake.response_url_base,
                                     timeout=120, answers=fake.answer_at)  # fmt: skip
                for command, text in (("/decision", "search database"), ("/risk", "list")):  # warm-up, not counted
                    if isinstance(answer_of(sender, command, text, "U0LEAD")[1], str):
                        raise BenchError(f"{kind}: the warm-up {command} {text} failed")
                progress(f"{kind}: serving; {args.requests} /decision search at concurrency {args.concurrency}")
                texts = [f"search {QUERIES[i % len(QUERIES)]}" for i in range(args.requests)]
                search = partial(load, sender, "/decision", texts, args.concurrency,
                                 lambda t, u, b: check_search(t[7:], b, probes[t[7:]]), fake=fake)  # fmt: skip
                figures["search"] = with_cpu(served.pid, engine, search)
                progress(f"{kind}: the same {args.requests} searches to the bare Bolt app (the floor)")
                floor = SlackSender(bare.base_url, SIGNING_SECRET, response_url_base=fake.response_url_base)
                bare_search = partial(load, floor, "/decision", texts, args.concurrency, lambda t, u, b: "", bare=True)
                figures["bare"] = with_cpu(bare.pid, engine, bare_search)
                progress(f"{kind}: {args.requests} /risk list at concurrency {args.concurrency}")
                texts = [RISK_LISTS[i % len(RISK_LISTS)] for i in range(args.requests)]
                risks = partial(load, sender, "/risk", texts, args.concurrency, check_risks, fake=fake)
                figures["risks"] = with_cpu(served.pid, engine, risks)
            figures["risk_in_process_ms"] = {t: data.run_command(engine, on_risk, t, "U0DEV1") for t in RISK_LISTS}
            figures["profiles"] = profiles(engine, figures, probes, args.concurrency)
        finally:
            engine.dispose()
    for name in ("search", "bare", "risks"):
        if failed := figures[name]["failed"]:
            figures["failures"].append(f"{kind} {name}: {failed} bad answers, e.g. {figures[name]['first_failure']}")
    return figures


def profiles(engine: Any, figures: dict[str, Any], probes: dict[str, dict[str, Any]], c: int) -> dict[str, list[str]]:
    """Profile in-process each command whose p99 is over SLOW_MS, with its slowest text, alone and concurrently."""
    found: dict[str, list[str]] = {}
    if figures["search"]["p99_ms"] > SLOW_MS:
        query = max(probes, key=lambda q: probes[q]["in_process_ms"])
        found[f"/decision search {query}"] = data.profile_command(engine, on_decision, f"search {query}", "U0LEAD")
        texts = [f"search {q}" for q in QUERIES] * c
        found[f"/decision search {query}"].append(data.concurrently(engine, on_decision, texts, c))
    if figures["risks"]["p99_ms"] > SLOW_MS:
        which = max(RISK_LISTS, key=lambda t: figures["risks"]["p50_ms_by_text"][t])
        found[f"/risk {which}"] = data.profile_command(engine, on_risk, which, "U0DEV1")
        found[f"/risk {which}"].append(data.concurrently(engine, on_risk, list(RISK_LISTS) * 3 * c, c))
    return found


def render(results: dict[str, dict[str, Any]], info: dict[str, Any], args: argparse.Namespace) -> str:
    """Every figure: totals and latencies, then per text typed, then the plans; under a line about the machine."""
    kinds = list(results)

    def row(label: str, get: Callable[[dict[str, Any]], Any]) -> list[Any]:
        return [label, *(get(results[k]) for k in kinds)]

    def cell(label: str, name: str, key: str) -> list[Any]:
        return [label, *(results[k][name][key] for k in kinds)]

    rows = [
        row("decisions / risks", lambda r: f"{args.decisions:,} / {args.risks:,}"),
        row("migrate (s)", lambda r: r["migrate_seconds"]),
        row("load: generate + insert (s)", lambda r: r["insert_seconds"]),
        row("load: ANALYZE (s)", lambda r: r["analyze_seconds"] or None),
        row("requests per command @ concurrency", lambda r: f"{args.requests} @ {args.concurrency}"),
    ]
    for name, label in (("search", "/decision search"), ("bare", "bare Bolt app, same"), ("risks", "/risk list")):
        rows += [cell(f"{label}: {p} (ms)", name, f"{p}_ms") for p in ("p50", "p90", "p99", "max")]
        if name != "bare":  # its acknowledgement is its answer
            rows += [cell(f"{label}: p99 as the load generator noticed (ms)", name, "noticed_p99_ms")]
        rows += [cell(f"{label}: throughput (req/s)", name, "requests_per_second")]
        rows += [cell(f"{label}: serve CPU per request (ms)", name, "cpu_ms_per_request")]
        if name != "bare":  # it has no database
            rows += [cell(f"{label}: PostgreSQL CPU per request (ms)", name, "database_cpu_ms_per_request")]
        rows += [cell(f"{label}: bad answers", name, "failed")]
    head = (
        f"machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, SQLite {info['sqlite']}, "
        f"PostgreSQL {info['postgresql']}; load average {info['load_average_at_start']:.2f} at start, "
        f"{info['load_average_at_end']:.2f} at end"
    )
    per_text = [
        [f"/decision search {q}", *(r["queries"][q][f] for f in ("matches", "in_process_ms") for r in results.values())]
        + [r["search"]["p50_ms_by_text"][f"search {q}"] for r in results.values()]
        for q in QUERIES
    ] + [
        [f"/risk {t}", *(None for _ in kinds), *(r["risk_in_process_ms"][t] for r in results.values())]
        + [r["risks"]["p50_ms_by_text"][t] for r in results.values()]
        for t in RISK_LISTS
    ]
    header = ["typed (in-proc: alone, warm; HTTP: under load)"]
    header += [f"{k} {c}" for c in ("matches", "in-proc ms", "HTTP p50 ms") for k in kinds]
    plans = []
    for kind, r in results.items():
        found = [p for p in r["queries"].values() if p["matches"]]
        used = sum(p["index_used"] for p in found)
        plans.append(f"{kind}: the full-text index served {used} of the {len(found)} searches with matches")
        for label, p in (
            ("most", max(found, key=lambda p: p["matches"])),
            ("fewest", min(found, key=lambda p: p["matches"])),
        ):
            plans.append(f"  plan, {label} matches ({p['matches']:,}): {data.plan_summary(p['plan'])}")
    return "\n\n".join([head, table(["figure", *kinds], rows), table(header, per_text), "\n".join(plans)])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print progress, the tables and any profile; return 1 if a sanity check failed."""
    parser = argparse.ArgumentParser(prog="python -m bench.raid", description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=[*DATABASES, "both"], default="both")
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--risks", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=400, help="requests per command")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    args = parser.parse_args(argv)
    kinds = DATABASES if args.db == "both" else (args.db,)
    info = machine(kinds)
    info.setdefault("postgresql", "-")
    results: dict[str, Any] = {}
    started = time.monotonic()
    fake = FakeSlack().start()
    try:
        for user_id, tz in data.PEOPLE.items():
            fake.add_user(user_id, name=user_id.lower(), tz=tz)
        fake.add_channel(data.CHANNEL, name=data.CHANNEL_NAME, members=list(data.PEOPLE))
        with tempfile.TemporaryDirectory(prefix="pmbot-bench-") as tmp:
            for kind in kinds:
                results[kind] = bench_database(kind, args, fake, Path(tmp))
        server_errors = list(fake.server_errors)
    finally:
        fake.stop()
    info["total_seconds"], info["load_average_at_end"] = time.monotonic() - started, os.getloadavg()[0]
    print("\n" + render(results, info, args) + f"\n\ntotal run time: {info['total_seconds']:.0f}s", flush=True)
    for kind, figures in results.items():
        for what, lines in figures["profiles"].items():
            print(f"\n{kind}: p99 over {SLOW_MS} ms; profile of `{what}` in-process:")
            print("\n".join("  " + line for line in lines))
            if what.startswith("/decision"):
                plan = max(figures["queries"].values(), key=lambda p: p["in_process_ms"])["plan"]
                print(f"  {kind}'s plan for its SQL (EXPLAIN):\n" + "\n".join("    " + line for line in plan))
    failures = [f for figures in results.values() for f in figures["failures"]]
    if server_errors:
        failures.append(f"the Slack stand-in failed {len(server_errors)} times: {server_errors[0]}")
    return finish("raid", results, info, vars(args), failures)


if __name__ == "__main__":
    run_main(main)
