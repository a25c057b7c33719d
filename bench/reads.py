"""Benchmark the reads that summarise many items: App Home, `/pm status` and the weekly digest; print a table.

.venv/bin/python -m bench.reads [--db sqlite|postgresql|both] [--items 2000] [--home-items 500] [--home-projects 20]
    [--requests 30]

Each call goes through the app's real HTTP endpoint (signed like Slack's, answered by the Slack stand-in) in this
process, so that every SQL statement it runs, on the request and after the answer, is counted on the engine.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, select

from bench._harness import (
    BOT_TOKEN,
    DATABASES,
    SIGNING_SECRET,
    BenchError,
    finish,
    fresh_database,
    machine,
    percentile,
    progress,
    run_main,
    table,
)
from bot.app import PmbotApp, create_app
from bot.settings import load_settings
from bot.web import make_wsgi
from domain import actions, channels, decisions, risks
from domain.decisions import Wording
from domain.risks import Fields
from domain.workspaces import project_for, workspace_for
from sandbox.standin import FakeSlack
from storage.db import make_engine, session_factory, unit_of_work
from storage.migrate import upgrade
from storage.models import Blocker, Project
from storage.models.actions import ActionStatus
from tests.slack_requests import SlackSender

VIEWER, LEAD = "U0DEV1", "U0LEAD"
PEOPLE = {LEAD: "Europe/Berlin", VIEWER: "America/Los_Angeles"}


def _fill(session: Any, projects: list[Project], count: int, now: datetime) -> None:
    """`count` items spread over the projects, half the viewer's: overdue long and lately, due soon, later, undated,
    done; with a risk, a proposed decision and a blocker every tenth."""
    earlier = now - timedelta(days=30)
    for n in range(count):
        project = projects[n % len(projects)]
        due = [now - timedelta(days=20 + n % 9), now - timedelta(hours=3), now + timedelta(hours=4),
               now + timedelta(days=3), now + timedelta(days=40), None][n % 6]  # fmt: skip
        item = actions.create(session, project=project, creator=LEAD, owner=VIEWER if n % 2 else LEAD,
                              title=f"task {n}", due_at=due, now=earlier)  # fmt: skip
        if n % 7 == 0:
            item.status, item.completed_at = ActionStatus.DONE, now - timedelta(days=1)
        if n % 10 == 0:
            fields = Fields(title=f"risk {n}", probability=1 + n % 5, impact=1 + (n // 10) % 5)
            risks.create(session, project=project, creator=LEAD, fields=fields, now=earlier)
            decisions.create(session, project=project, creator=LEAD, wording=Wording(f"pick {n}"), now=earlier,
                             status="proposed", approver=VIEWER, needed_by=now + timedelta(days=1 - n % 3))  # fmt: skip
            opened = now - timedelta(days=n % 9)
            session.add(Blocker(workspace_id=project.workspace_id, project_id=project.id, owner_id=VIEWER,
                                text=f"blocked {n}", status="open", created_at=opened))  # fmt: skip


def populate(engine: Engine, fake: FakeSlack, *, team: str, projects: int, items: int) -> list[str]:
    """A workspace with `projects` project channels holding `items` items; every roster read; return the channels."""
    now = datetime.now(UTC)
    names = [f"C{team}{n:03d}" for n in range(projects)]
    with unit_of_work(session_factory(engine)) as session:
        workspace = workspace_for(session, team_id=team, now=now)
        found = []
        for channel in names:
            fake.add_channel(channel, name=f"proj-{channel.lower()}", members=[*PEOPLE, "UBOT"])
            project = project_for(session, workspace=workspace, channel_id=channel, now=now, name=channel.lower())
            project.time_zone, project.is_private = "Europe/Berlin", False
            channels.replace_roster(session, workspace_id=workspace.id, channel_id=channel,
                                    members=[*PEOPLE, "UBOT"], asked_at=now)  # fmt: skip
            found.append(project)
        session.flush()
        _fill(session, found, items, now)
    return names


@contextmanager
def serving(app: PmbotApp, engine: Engine) -> Iterator[str]:
    """Serve the app's real WSGI endpoint on a free loopback port in this process; yield its URL."""
    from waitress.server import create_server

    server: Any = create_server(make_wsgi(app, engine), host="127.0.0.1", port=0, threads=4)
    stopping = threading.Event()

    def run() -> None:  # the loop closes on its own thread (closing from another races with select())
        while not stopping.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)
        server.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        thread.join(timeout=5)
        app.stop()  # the answers' threads too, not only the delivery loop and the work after answers


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL statements the engine runs meanwhile."""
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def measure(
    engine: Engine,
    fake: FakeSlack,
    call: Callable[[], Any],
    settle: Callable[[], Any],
    n: int,
    prepare: Callable[[], Any] = lambda: None,
) -> dict[str, Any]:
    """Run `call` once to warm up, then `n` times (each after `prepare`, which is not counted): time to the answer
    and to all work done, statements and Slack calls per call."""
    prepare()
    call()
    settle()
    answered, done, statements, slack_calls = [], [], [], []
    for _ in range(n):
        prepare()
        before = len(fake.calls)
        with counted(engine) as ran:
            t0 = time.perf_counter()
            call()
            answered.append((time.perf_counter() - t0) * 1000)
            settle()
            done.append((time.perf_counter() - t0) * 1000)
        statements.append(len(ran))
        slack_calls.append(len(fake.calls) - before)
    return {
        "calls": n,
        **{f"answer_p{p}_ms": percentile(answered, p) for p in (50, 99)},
        **{f"p{p}_ms": percentile(done, p) for p in (50, 99)},
        "statements": max(statements),
        "statements_min": min(statements),
        "slack_calls": max(slack_calls),
    }


def bench_database(kind: str, args: argparse.Namespace, fake: FakeSlack, workdir: Path) -> dict[str, Any]:
    """Fill one fresh database with both cases; measure each read through the app; return the figures."""
    figures: dict[str, Any] = {}
    with fresh_database(kind, workdir) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            t0 = time.perf_counter()
            big = populate(engine, fake, team=FakeSlack.team_id, projects=1, items=args.items)
            spread = populate(engine, fake, team="T0SPREAD", projects=args.home_projects, items=args.home_items)
            figures["load_seconds"] = time.perf_counter() - t0
            progress(f"{kind}: loaded {args.items} + {args.home_items} items in {figures['load_seconds']:.1f}s")
            env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.url,
                   "DATABASE_URL": engine.url.render_as_string(hide_password=False)}  # fmt: skip
            app = create_app(load_settings(env, dotenv=None), engine)
            with serving(app, engine) as base_url:
                figures.update(_calls(engine, fake, app, base_url, big[0], spread[0], args.requests))
        finally:
            engine.dispose()
    return figures


def _calls(engine: Engine, fake: FakeSlack, app: PmbotApp, base_url: str, channel: str, spread_channel: str,
           n: int) -> dict[str, Any]:  # fmt: skip
    def sender(team: str, settle: Callable[[], Any] | None = None) -> SlackSender:
        return SlackSender(base_url, SIGNING_SECRET, answers=fake.answer_at, settle=settle,
                           response_url_base=fake.response_url_base, team_id=team)  # fmt: skip

    # A command's answer is what its listener posts to the response_url after the acknowledgement: wait for it.
    one, many, asking = sender(FakeSlack.team_id), sender("T0SPREAD"), sender(FakeSlack.team_id, app.settle)

    def home(s: SlackSender) -> Callable[[], Any]:
        return lambda: s.event({"type": "app_home_opened", "user": VIEWER, "tab": "home"})

    def command(command: str, text: str) -> Callable[[], Any]:
        def call() -> Any:
            answer = asking.command(command, text, user_id=VIEWER, channel_id=channel)
            if answer.status != 200 or "blocks" not in json.dumps(answer.json()):
                raise BenchError(f"{command} {text}: {answer.status} {answer.text[:200]}")

        return call

    def unread() -> None:  # as if Slack had never been asked who is in the 20 channels
        with unit_of_work(session_factory(engine)) as session:
            for project in session.scalars(select(Project).where(Project.workspace_id == spread_workspace)):
                channels.forget_roster(session, workspace_id=spread_workspace, channel_id=project.channel_id)

    with unit_of_work(session_factory(engine)) as session:
        spread_workspace = session.scalars(
            select(Project.workspace_id).where(Project.channel_id == spread_channel)
        ).one()
    cases: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
        "home_2000": (home(one), lambda: None),
        "home_500_in_20": (home(many), lambda: None),
        "home_500_in_20_unread": (home(many), unread),
        "status_2000": (command("/pm", "status"), lambda: None),
        "weekly_2000": (command("/digest", "preview weekly"), lambda: None),
    }
    found = {}
    for name, (call, prepare) in cases.items():
        progress(f"{engine.dialect.name}: {name}, {n} calls")
        found[name] = measure(engine, fake, call, app.settle, n, prepare)
    if fake.home_view(VIEWER) is None:
        raise BenchError("no Home tab was published")
    return found


def render(results: dict[str, dict[str, Any]], info: dict[str, Any], args: argparse.Namespace) -> str:
    """One row per figure, a column per database, under a line about the machine."""
    kinds = list(results)
    labels = {
        "home_2000": f"App Home, {args.items:,} items, 1 project",
        "home_500_in_20": f"App Home, {args.home_items:,} items in {args.home_projects} projects",
        "home_500_in_20_unread": f"the same, every roster to be read ({args.home_projects} channels)",
        "status_2000": f"/pm status, {args.items:,} items",
        "weekly_2000": f"/digest preview weekly, {args.items:,} items",
    }
    rows: list[list[Any]] = [["load (s)", *(results[k]["load_seconds"] for k in kinds)]]
    for case, label in labels.items():
        for key, what in (("answer_p50_ms", "answered p50 (ms)"), ("p50_ms", "all done p50 (ms)"),
                          ("p99_ms", "all done p99 (ms)"), ("statements", "SQL statements"),
                          ("slack_calls", "Slack calls")):  # fmt: skip
            rows.append([f"{label}: {what}", *(results[k][case][key] for k in kinds)])
    head = (
        f"machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, SQLite {info['sqlite']}, "
        f"PostgreSQL {info['postgresql']}; load average {info['load_average_at_start']:.2f} at start, "
        f"{info['load_average_at_end']:.2f} at end"
    )
    return "\n\n".join([head, table(["figure", *kinds], rows)])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print progress and the table; return 1 if a sanity check failed."""
    parser = argparse.ArgumentParser(prog="python -m bench.reads", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=[*DATABASES, "both"], default="both")
    parser.add_argument("--items", type=int, default=2000, help="items in the one project of the first case")
    parser.add_argument("--home-items", type=int, default=500)
    parser.add_argument("--home-projects", type=int, default=20)
    parser.add_argument("--requests", type=int, default=30, help="timed calls of each read")
    args = parser.parse_args(argv)
    kinds = DATABASES if args.db == "both" else (args.db,)
    info = machine(kinds)
    info.setdefault("postgresql", "-")
    started = time.monotonic()
    results: dict[str, Any] = {}
    fake = FakeSlack().start()
    try:
        for user_id, tz in PEOPLE.items():
            fake.add_user(user_id, name=user_id.lower(), tz=tz)
        with tempfile.TemporaryDirectory(prefix="pmbot-bench-") as tmp:
            for kind in kinds:
                results[kind] = bench_database(kind, args, fake, Path(tmp))
                fake.reset()
                for user_id, tz in PEOPLE.items():
                    fake.add_user(user_id, name=user_id.lower(), tz=tz)
        server_errors = list(fake.server_errors)
    finally:
        fake.stop()
    info["total_seconds"], info["load_average_at_end"] = time.monotonic() - started, os.getloadavg()[0]
    print("\n" + render(results, info, args) + f"\n\ntotal run time: {info['total_seconds']:.0f}s", flush=True)
    failures = [f"the Slack stand-in failed {len(server_errors)} times: {server_errors[0]}"] if server_errors else []
    return finish("reads", results, info, vars(args), failures)


if __name__ == "__main__":
    run_main(main)
