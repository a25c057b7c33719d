"""The RAID benchmark's data (many decisions and risks from a fixed seed, bulk-inserted) and in-process probes."""

from __future__ import annotations

import cProfile
import pstats
import random
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, text

from bench._harness import ROOT, percentile, progress
from domain import decisions as decision_log
from handlers.context import DB, NOW, WORKSPACE
from storage.db import session_factory, unit_of_work
from storage.models import Base, Workspace

SEED = 20261123
TEAM_ID, CHANNEL, CHANNEL_NAME = "T0001", "C0RAID", "proj-raid"  # T0001: the team SlackSender signs as
ZONES = ["Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Auckland", "Europe/London"]
PEOPLE = dict(zip(("U0LEAD", "U0DEV1", "U0DEV2", "U0DEV3", "U0DEV4", "U0OPS1"), ZONES, strict=True))  # id: zone
START = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)
BATCH = 5000


def words(text_: str, sep: str | None = None) -> tuple[str, ...]:
    """The words (or `sep`-separated phrases) of a text, in order."""
    return tuple(text_.split(sep))


# Project nouns, most common first (drawn with Zipf-like weights); the last few are rare on purpose.
NOUNS = words(
    "database release vendor api security budget migration design testing deployment contract kubernetes "
    "infrastructure service timeline scope cloud network backup monitoring authentication billing reporting "
    "dashboard roadmap architecture integration platform pipeline storage cache queue frontend backend "
    "documentation onboarding support hardware procurement compliance encryption performance latency capacity "
    "rollout training staffing licence workshop analytics search notifications checkout"
)
RARE = words("mainframe gdpr failover cobol sharding")
VERBS = words(
    "adopt replace postpone approve move freeze split consolidate outsource retire require limit "
    "deprecate fund pilot extend cancel prioritise standardise rewrite"
)
ADJECTIVES = words("new legacy shared internal external mobile regional managed hosted critical second")
MONTHS = words("january february march april may june july august september october november december")
PROBLEMS = words(
    "slipped twice|exceeded its budget last quarter|failed the load tests|raised concerns in the steering committee|"
    "needs more capacity before peak season|was flagged by the auditors|blocked two teams for a week|"
    "depends on a single engineer|costs more than planned",
    "|",
)
BENEFITS = words(
    "reduces delivery risk|cuts the running cost|keeps the {n} simple|meets the {n} requirements|saves two sprints|"
    "unblocks the {n} team|lets us measure {n} properly|avoids a second {n} contract",
    "|",
)
TAILS = words(
    "for the {n} team|before the {month} release|until the {n} review is done|across all {n} environments|"
    "and move the {n} work to {m}|",
    "|",
)
RISK_TEMPLATES = words(
    "{n} vendor may slip the {m} release|{n} team lacks {m} skills|{n} costs may exceed the {m} budget|"
    "{n} outage during the {m} rollout|{n} audit finds gaps in {m}|key {n} engineer leaves before {m} go-live",
    "|",
)
WEIGHTS = [1 / (rank + 4) for rank in range(len(NOUNS))] + [0.001] * len(RARE)
VOCABULARY = (*NOUNS, *RARE)


class Generator:
    """Deterministic text and rows from one seeded random source."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.people = list(PEOPLE)

    def noun(self) -> str:
        return self.rng.choices(VOCABULARY, WEIGHTS)[0]

    def sentence(self, template: str) -> str:
        return template.format(n=self.noun(), m=self.noun(), month=self.rng.choice(MONTHS))

    def statement(self) -> str:
        head = f"{self.rng.choice(VERBS).capitalize()} the {self.rng.choice(ADJECTIVES)} {self.noun()} {self.noun()}"
        return f"{head} {self.sentence(self.rng.choice(TAILS))}".strip()

    def context(self) -> str:
        parts = [f"The {self.noun()} {self.noun()} {self.rng.choice(PROBLEMS)}." for _ in range(self.rng.randint(0, 2))]
        if self.rng.random() < 0.4:
            parts.append(self.sentence("The {n} lead asked for a decision on {m} this sprint."))
        return " ".join(parts)

    def rationale(self) -> str:
        return " ".join(f"It {self.benefit()} and {self.benefit()}." for _ in range(self.rng.randint(1, 2)))

    def benefit(self) -> str:
        return self.sentence(self.rng.choice(BENEFITS))

    def decision(self, number: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """One decision row and its first revision."""
        r = self.rng
        created = START + timedelta(minutes=7 * number + r.randint(0, 6))
        status = r.choices(("approved", "proposed", "rejected"), (85, 10, 5))[0]
        creator = r.choice(self.people)
        row = {
            "id": number,
            "workspace_id": 1,
            "project_id": 1,
            "number": number,
            "status": status,
            "statement": self.statement(),
            "context": self.context(),
            "options": "" if r.random() < 0.7 else f"Keep the {self.noun()}; buy a {self.noun()} product.",
            "rationale": self.rationale(),
            "creator_id": creator,
            "decided_by": sorted({creator, r.choice(self.people)}),
            "approver_id": r.choice(self.people) if status == "proposed" else None,
            "needed_by": created + timedelta(days=14) if status == "proposed" else None,
            "created_at": created,
            "decided_at": None if status == "proposed" else created,
            "revision": 1,
        }
        revision = {k: row[k] for k in ("statement", "context", "options", "rationale", "created_at", "status")}
        revision.update(id=number, decision_id=number, number=1, author_id=creator)
        return row, revision

    def risk(self, number: int) -> dict[str, Any]:
        """One RAID entry: mostly open risks, varied scores and owners (some without one)."""
        r = self.rng
        created = START + timedelta(hours=number, minutes=r.randint(0, 59))
        closed = r.random() < 0.25
        return {
            "id": number,
            "workspace_id": 1,
            "project_id": 1,
            "number": number,
            "kind": r.choices(("risk", "issue", "assumption", "dependency"), (70, 15, 8, 7))[0],
            "title": self.sentence(r.choice(RISK_TEMPLATES)).capitalize(),
            "description": f"The {self.noun()} {r.choice(PROBLEMS)}.",
            "category": r.choice(("technical", "schedule", "vendor", "resource", "scope", None)),
            "probability": r.choices(range(1, 6), (10, 25, 35, 20, 10))[0],
            "impact": r.choices(range(1, 6), (10, 20, 35, 25, 10))[0],
            "owner_id": None if r.random() < 0.1 else r.choice(self.people),
            "creator_id": r.choice(self.people),
            "mitigation": self.sentence("Add a second {n} supplier and review {m} weekly.") if r.random() < 0.6 else "",
            "status": "closed" if closed else "open",
            "close_reason": "mitigated" if closed else None,
            "created_at": created,
            "closed_at": created + timedelta(days=20) if closed else None,
        }


def _batches(make: Callable[[int], Any], count: int) -> Iterator[list[Any]]:
    for first in range(1, count + 1, BATCH):
        yield [make(n) for n in range(first, min(first + BATCH, count + 1))]


def populate(engine: Engine, *, decisions: int, risks: int, label: str) -> dict[str, float]:
    """Insert one workspace, one project, the decisions (each with revision 1) and risks; return the seconds spent."""
    tables, gen, started = Base.metadata.tables, Generator(), time.perf_counter()
    with engine.begin() as conn:
        conn.execute(tables["workspace"].insert(), {"id": 1, "team_id": TEAM_ID, "name": "raid", "created_at": START})
        project = {"id": 1, "workspace_id": 1, "channel_id": CHANNEL, "name": CHANNEL_NAME, "created_at": START}
        conn.execute(tables["project"].insert(), {**project, "lead_user_ids": ["U0LEAD"]})
        counters = [{"workspace_id": 1, "kind": "decision", "value": decisions}]
        conn.execute(tables["counter"].insert(), [*counters, {"workspace_id": 1, "kind": "risk", "value": risks}])
        for batch in _batches(gen.decision, decisions):
            conn.execute(tables["decision"].insert(), [row for row, _ in batch])
            conn.execute(tables["decision_revision"].insert(), [revision for _, revision in batch])
            if batch[-1][0]["number"] % 20000 == 0:
                progress(f"{label}: {batch[-1][0]['number']:,} decisions in {time.perf_counter() - started:.1f}s")
        for batch in _batches(gen.risk, risks):
            conn.execute(tables["risk"].insert(), batch)
        if conn.dialect.name == "postgresql":
            for name in ("workspace", "project", "decision", "decision_revision", "risk"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
                )
    inserted, analyzed = time.perf_counter() - started, 0.0
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        analyzed = time.perf_counter() - started - inserted
    return {"insert_seconds": inserted, "analyze_seconds": analyzed}


def words_in(query: str, text_: str) -> bool:
    """Whether every query word occurs in the text, stemmed crudely (a shared prefix: `migrate` for `migration`)."""
    tokens = re.findall(r"\w+", text_.lower())
    stems = [w[: max(3, len(w) - 3)] for w in re.findall(r"\w+", query.lower())]
    return all(any(t.startswith(stem) for t in tokens) for stem in stems)


def probe_search(engine: Engine, query: str) -> dict[str, Any]:
    """Run the app's own search in-process: matches, warm time, first result, and the engine's plan for its SQL."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "decision_fts" in statement or "ts_rank" in statement:
            seen.append((statement, parameters))

    pg = engine.dialect.name == "postgresql"
    quoted = " ".join(f'"{w}"' for w in re.findall(r"\w+", query.lower()))
    count = (
        "SELECT count(*) FROM decision WHERE search_vector @@ plainto_tsquery('english', :q)"
        if pg
        else "SELECT count(*) FROM decision_fts WHERE decision_fts MATCH :q"
    )
    with session_factory(engine)() as session:
        matches = int(session.scalar(text(count), {"q": query if pg else quoted}) or 0)
        decision_log.search(session, project_id=1, query=query)  # warm the caches
        event.listen(engine, "before_cursor_execute", capture)
        try:
            t0 = time.perf_counter()
            found = decision_log.search(session, project_id=1, query=query)
            ms = (time.perf_counter() - t0) * 1000
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        statement, parameters = seen[0]
        explain = "EXPLAIN (ANALYZE, BUFFERS) " if pg else "EXPLAIN QUERY PLAN "
        rows = session.connection().exec_driver_sql(explain + statement, parameters).all()
        plan = [row[0] for row in rows] if pg else [row[-1] for row in rows]
        first = decision_log.get(session, workspace_id=1, ref=found[0].ref) if found else None
    return {
        "matches": matches,
        "in_process_ms": ms,
        "first": first.number if first else None,
        "first_has_words": first is None or words_in(query, f"{first.statement} {first.context} {first.rationale}"),
        "plan": plan,
        "index_used": any(("ix_decision_search" if pg else "VIRTUAL TABLE INDEX") in line for line in plan),
    }


def plan_summary(plan: list[str]) -> str:
    """The plan's top line, scan steps (and PostgreSQL's execution time) on one line, costs left out."""
    steps = [plan[0], *(line for line in plan[1:] if re.search(r"Scan|SCAN|SEARCH|B-TREE|Execution Time", line))]
    return " | ".join(re.sub(r"\s*\(cost=[^)]*\)|^[\s>-]*", "", step) for step in steps)


def _request(engine: Engine, handler: Callable[..., None], text_: str, user_id: str, call: Any = None) -> list[float]:
    """One request as the app runs it (a transaction, the handler, a commit); return [seconds, seconds to begin]."""
    command = {"channel_id": CHANNEL, "channel_name": CHANNEL_NAME, "user_id": user_id, "text": text_}
    t0 = time.perf_counter()
    with unit_of_work(session_factory(engine)) as session:
        session.connection()  # the transaction begins: on SQLite the app's engine says BEGIN IMMEDIATE, a write lock
        began = time.perf_counter()
        context = {DB: session, NOW: datetime.now(UTC), WORKSPACE: session.get(Workspace, 1)}
        (call or (lambda f, *args: f(*args)))(handler, lambda **_: None, command, context, None)
    return [time.perf_counter() - t0, began - t0]


def run_command(engine: Engine, handler: Callable[..., None], text_: str, user_id: str, profiler: Any = None) -> float:
    """Run a slash command's handler in-process, once to warm up, then timed (under `profiler`); return ms."""
    _request(engine, handler, text_, user_id)
    return _request(engine, handler, text_, user_id, profiler.runcall if profiler else None)[0] * 1000


def concurrently(engine: Engine, handler: Callable[..., None], texts: list[str], concurrency: int) -> str:
    """Run the texts in-process in `concurrency` threads; say how much of the latency is waiting to begin."""
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        timings = list(pool.map(lambda t: _request(engine, handler, t, "U0DEV1"), texts))
    ms, waited = [t * 1000 for t, _ in timings], sum(w for _, w in timings) / sum(t for t, _ in timings)
    where = " (storage/db.py _sqlite_begin: BEGIN IMMEDIATE)" if engine.dialect.name == "sqlite" else ""
    return (
        f"in-process, {len(texts)} requests at concurrency {concurrency}: p50 {percentile(ms, 50):.0f} ms, p99 "
        f"{percentile(ms, 99):.0f} ms; {waited:.0%} of it waiting for the transaction to begin{where}"
    )


def profile_command(engine: Engine, handler: Callable[..., None], text_: str, user_id: str) -> list[str]:
    """Run a slash command's handler in-process under cProfile; return its top functions (file:line) as lines."""
    profiler = cProfile.Profile()
    total = run_command(engine, handler, text_, user_id, profiler)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    ranked = sorted(stats.items(), key=lambda item: item[1][3], reverse=True)

    def line(key: tuple[str, int, str], value: tuple[Any, ...]) -> str:
        where = key[0].replace(str(ROOT) + "/", "").split("site-packages/")[-1]
        cumulative, own = value[3] * 1000, value[2] * 1000
        return f"{cumulative:8.1f} ms cum {own:8.1f} ms own {value[1]:6d} calls  {where}:{key[1]}({key[2]})"

    ours = [r for r in ranked if r[0][0].startswith(str(ROOT)) and "/.venv/" not in r[0][0]]
    by_own = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)
    return [
        f"{total:.0f} ms under cProfile; pmbot's code by cumulative time:",
        *(line(*r) for r in ours[:8]),
        "all code by own time:",
        *(line(*r) for r in by_own[:6]),
    ]
