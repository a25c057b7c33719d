"""What `bench.production` measures: slash-command round trips against a served app, and processes' memory."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench._harness import SIGNING_SECRET, BenchError, Served, child, percentile, progress, serve_env
from bench._load import Request, Result, Target, answered, answers_posted, run_load, send
from bench.actions import CHANNEL, CHANNEL_NAME, PEOPLE, TEXTS
from handlers.ids import Block, View
from sandbox.standin import FakeSlack
from storage.db import make_engine, session_factory, unit_of_work
from storage.models import OutboxMessage, Standup, StandupAnswer
from tests.slack_requests import SlackSender

LEAD = next(iter(PEOPLE))
WARM_UP = 5  # serial requests per command before the load, not counted: first-use costs are not the subject
SAMPLE_SECONDS = 0.5
STOP_GRACE = 10.0  # seconds a stopping scheduler gets before SIGKILL (Kubernetes gives 30, systemd 90)
SCHEDULER = ("-m", "bot.cli", "scheduler")
ACTIVE = "is the active scheduler"  # what bot/scheduler.py logs (at INFO) once it holds the lock and starts ticking
QUESTIONS = ("What did you do?", "What will you do next?", "Anything blocking you?")


@dataclass(frozen=True)
class Command:
    """A slash command under load: the texts typed (formatted with the request's number), what pmbot answers."""

    name: str  # how the table and the JSON call it
    command: str
    texts: tuple[str, ...]
    expect: str

    def requests(self, first: int, count: int, *, bare: bool) -> list[Request]:
        """`count` requests numbered from `first`, from each person in turn; the bare app's answers are empty."""
        users, expect = list(PEOPLE), "" if bare else self.expect
        return [
            Request(users[i % len(users)], self.texts[i % len(self.texts)].format(i=i), self.command, expect)
            for i in range(first, first + count)
        ]


COMMANDS = (
    Command("/action", "/action", TEXTS, "Created A-"),  # bench.actions' phrasings: due dates for the parser
    Command("/risk", "/risk", ("vendor {i} may slip p:3 i:4",), "Recorded R-"),
    Command("/standup report", "/standup", ("report",), "Stand-up answers"),
)


def memory(pid: int) -> dict[str, float]:
    """The process's resident set now and at its peak (MiB), and its thread count, from /proc/<pid>/status."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key.lower() + "_mib"] = int(value.split()[0]) / 1024
        elif key == "Threads":
            found["threads"] = int(value)
    return found


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) the process has used so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: fields 14 and 15


def load_command(
    served: Served, fake: FakeSlack, command: Command, *, requests: int, concurrency: int, bare: bool
) -> dict[str, Any]:
    """Warm a command up, then send it `requests` times from the load-generating processes; return its figures:
    the acknowledgement's latency and, paired through the stand-in's response_url, the answer's."""
    target = Target(served.base_url, SIGNING_SECRET, CHANNEL, CHANNEL_NAME, fake.response_url_base)
    since = len(fake.calls)
    warm = [send(target, r) for r in command.requests(0, WARM_UP, bare=bare)]
    calls_before, cpu_before = len(fake.calls), cpu_seconds(served.pid)
    loaded = run_load(target, command.requests(WARM_UP, requests, bare=bare), concurrency=concurrency)
    waiting = sum(1 for r in warm + loaded if r.status == 200 and not r.expected)
    posts = answers_posted(fake, at_least=waiting, since=since)
    cpu = cpu_seconds(served.pid) - cpu_before
    calls = [c.method for c in fake.calls[calls_before:] if c.method != "response_url"]
    warm_paired, paired = answered(warm, posts), answered(loaded, posts)
    answers = [seconds * 1000 for _, seconds in paired if seconds is not None]
    figures = {
        **latency([result for result, _ in paired]),
        "answer_p50_ms": percentile(answers, 50) if answers else None,
        "answer_p99_ms": percentile(answers, 99) if answers else None,
        "cpu_ms_per_request": cpu * 1000 / len(loaded),
        "slack_calls_per_request": len(calls) / len(loaded),
        "failure": "",
    }
    if bad := [r for r, _ in warm_paired + paired if not r.expected]:
        figures["failure"] = (
            f"{command.name}: {len(bad)} answers not as expected, e.g. {bad[0].status} {bad[0].error!r}"
        )
    progress(
        f"  {'bare' if bare else 'pmbot'} {command.name}: ack p50 {figures['p50_ms']:.0f} ms, "
        f"p99 {figures['p99_ms']:.0f} ms; answer p99 {figures['answer_p99_ms'] or 0:.0f} ms; "
        f"{figures['requests_per_second']:.0f} req/s"
    )
    return figures


def latency(results: list[Result]) -> dict[str, Any]:
    """p50/p90/p99/max in milliseconds, throughput over the wall time from first sent to last answered."""
    ms = [r.seconds * 1000 for r in results]
    wall = max(r.ended for r in results) - min(r.started for r in results)
    return {
        "requests": len(results),
        **{f"p{p}_ms": percentile(ms, p) for p in (50, 90, 99)},
        "max_ms": max(ms),
        "wall_seconds": wall,
        "requests_per_second": len(results) / wall if wall else 0.0,
        "unexpected": sum(not r.expected for r in results),
    }


def wrong_secret_status(served: Served) -> int:
    """The HTTP status of a slash command signed with the wrong secret (401 when signatures are checked)."""
    sender = SlackSender(served.base_url, SIGNING_SECRET)
    fields = sender.command_fields("/action", "forged", user_id=LEAD, channel_id=CHANNEL)
    return sender.post_form(fields, secret="0" * len(SIGNING_SECRET)).status


def set_up_standup(served: Served, fake: FakeSlack, database_url: str, days: int = 8) -> int:
    """Set a stand-up up through `/standup setup` and its form; store everyone's answers for `days` days to today."""
    sender = SlackSender(served.base_url, SIGNING_SECRET, response_url_base=fake.response_url_base, timeout=60)
    opened = sender.command("/standup", "setup", user_id=LEAD, channel_id=CHANNEL, channel_name=CHANNEL_NAME)
    try:
        views = fake.wait_for("views.open", timeout=30)  # the form opens after the acknowledgement
    except AssertionError:
        views = []
    if opened.status != 200 or not views:
        raise BenchError(f"/standup setup did not open its form: {opened.status} {opened.text[:200]}")
    submitted = sender.view_submission(
        user_id=LEAD,
        callback_id=View.STANDUP_SETUP,
        private_metadata=views[-1].args["view"]["private_metadata"],
        values=_setup_values(list(PEOPLE)),
    )
    if submitted.status != 200 or submitted.body:
        raise BenchError(f"the stand-up form was refused: {submitted.status} {submitted.text[:200]}")
    now = datetime.now(UTC)
    engine = make_engine(database_url)
    try:
        standup_id = _saved_standup(session_factory(engine))
        with unit_of_work(session_factory(engine)) as session:
            # Tomorrow and the `days` - 1 days before it (UTC dates): "today" in every person's zone is among them.
            for day in ((now + timedelta(days=1 - i)).date() for i in range(days)):
                session.add_all(
                    StandupAnswer(standup_id=standup_id, day=day, user_id=u, answers=list(QUESTIONS), submitted_at=now)
                    for u in PEOPLE
                )
    finally:
        engine.dispose()
    return days * len(PEOPLE)


def _saved_standup(factory: Any, patience: float = 30.0) -> int:
    """The stand-up the form set up: forms are acknowledged first and saved just after, so wait for it."""
    deadline = time.monotonic() + patience
    while True:
        with unit_of_work(factory) as session:
            found = session.scalars(select(Standup.id)).first()
        if found is not None:
            return int(found)
        if time.monotonic() > deadline:
            raise BenchError("the stand-up form was acknowledged but never saved")
        time.sleep(0.1)


def _setup_values(people: list[str]) -> dict[str, Any]:
    def value(**element: Any) -> dict[str, Any]:
        return {"value": element}

    return {
        Block.QUESTIONS: value(type="plain_text_input", value="\n".join(QUESTIONS)),
        Block.DAYS: value(type="checkboxes", selected_options=[{"value": str(d)} for d in range(5)]),
        Block.PROMPT_TIME: value(type="timepicker", selected_time="09:30"),
        Block.PARTICIPANTS: value(type="multi_users_select", selected_users=people),
        Block.SUMMARY_MODE: value(type="radio_buttons", selected_option={"value": "after_last"}),
        Block.SUMMARY_AFTER: value(type="static_select", selected_option={"value": "3"}),
        Block.SUMMARY_TIME: value(type="timepicker", selected_time="17:00"),
        Block.REMINDER: value(type="static_select", selected_option={"value": "60"}),
        Block.MENTION_MISSING: value(type="checkboxes", selected_options=[]),
    }


def scheduler_run(database_url: str, fake: FakeSlack, workdir: Path, *, seconds: float, tick: int) -> dict[str, Any]:
    """Run `pmbot scheduler` for `seconds` once it is the active scheduler; sample its memory all along."""
    env = {**serve_env(database_url, fake.url), "PMBOT_TICK_SECONDS": str(tick), "LOG_LEVEL": "INFO"}
    posts_before, (queued, unsent_before) = len(fake.calls_to("chat.postMessage")), outbox_counts(database_url)
    with child("pmbot scheduler", SCHEDULER, env, workdir, unsummarized=(" INFO alembic.",)) as process:
        started = time.monotonic()
        while ACTIVE not in process.log():
            if process.proc.poll() is not None or time.monotonic() - started > 60:
                raise BenchError(f"pmbot scheduler did not become the active scheduler:\n{process.log()[-2000:]}")
            time.sleep(0.05)
        ready = time.monotonic()
        samples: list[float] = []
        while not samples or time.monotonic() - ready < seconds:
            if process.proc.poll() is not None:
                raise BenchError(f"pmbot scheduler exited with {process.proc.returncode}:\n{process.log()[-2000:]}")
            samples.append(memory(process.proc.pid)["vmrss_mib"])
            time.sleep(SAMPLE_SECONDS)
        last = memory(process.proc.pid)
        stop_seconds, killed = stop(process.proc)
    return {
        "startup_seconds": ready - started,
        "stop_seconds": stop_seconds,  # from SIGTERM to exit, or to SIGKILL
        "killed": killed,
        "seconds": seconds,
        "tick_seconds": tick,
        "rss_first_mib": samples[0],
        "rss_max_mib": max(samples),
        "rss_end_mib": last["vmrss_mib"],
        "hwm_mib": last["vmhwm_mib"],
        "threads": last["threads"],
        "post_message_calls": len(fake.calls_to("chat.postMessage")) - posts_before,
        "outbox_messages": queued,
        "outbox_unsent_before": unsent_before,
        "outbox_unsent_after": outbox_counts(database_url)[1],
    }


def stop(proc: subprocess.Popen[bytes]) -> tuple[float, bool]:
    """Stop a process as a deployment would: SIGTERM, then SIGKILL after STOP_GRACE; the seconds, whether killed."""
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_GRACE)
        return time.monotonic() - t0, False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return time.monotonic() - t0, True


def outbox_counts(database_url: str) -> tuple[int, int]:
    """How many outbox messages there are, and how many of them wait to be sent."""
    engine = make_engine(database_url)
    try:
        with unit_of_work(session_factory(engine)) as session:
            count = select(func.count()).select_from(OutboxMessage)
            unsent = count.where(OutboxMessage.sent_at.is_(None))
            return int(session.scalar(count) or 0), int(session.scalar(unsent) or 0)
    finally:
        engine.dispose()
