"""Benchmark 2: `run-due` delivering many due action-item reminders, in process, to the fake Slack."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from bench._harness import BOT_TOKEN, BenchError, progress
from bot import jobs
from bot.settings import load_settings
from bot.slack_client import make_client
from domain.calendar import WorkingHours, in_working_hours
from handlers import schedule
from sandbox.standin import FakeSlack
from storage.db import make_engine, session_factory, unit_of_work
from storage.migrate import upgrade
from storage.models import ActionItem, Counter, Member, OutboxMessage, Project, Workspace
from storage.models.actions import ActionStatus

# Wednesday 10:00 UTC: 11:00 in Berlin, 15:30 in Kolkata, 15:45 in Kathmandu (working hours), but 02:00 in
# Los Angeles and 23:00 in Auckland (not). Every item fell due on Tuesday, in its owner's zone, so the reminder
# that is current at T is that owner's "overdue" nudge of Wednesday 09:00 local.
T = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CREATED_AT = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday, before every reminder of the schedule
DUE_FROM = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # Tuesday; items spread over the next four hours
IN_HOURS_ZONES = ("Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu")
OUT_OF_HOURS_ZONES = ("America/Los_Angeles", "Pacific/Auckland")
OWNERS_PER_ZONE = 100
CONTROL_ITEMS = 100  # owned by people outside their working hours at T: they must get nothing
CHANNEL = "C0BENCH"
TEAM_ID = FakeSlack.team_id
REF_IN_TEXT = re.compile(r"^Reminder: (A-\d+) ")


def _owners(zones: tuple[str, ...], prefix: str) -> list[tuple[str, str]]:
    return [(f"U{prefix}{z}{n:03d}", zone) for z, zone in enumerate(zones) for n in range(OWNERS_PER_ZONE)]


def _populate(factory: sessionmaker[Session], count: int) -> None:
    """Insert a workspace, a project, the owners as members, and `count` + CONTROL_ITEMS open overdue items."""
    in_hours, out_of_hours = _owners(IN_HOURS_ZONES, "IN"), _owners(OUT_OF_HOURS_ZONES, "OUT")
    for _, zone in in_hours:
        if not in_working_hours(T, tz=zone, hours=WorkingHours()):
            raise BenchError(f"T={T.isoformat()} is not working hours in {zone}")
    owners = [user for user, _ in in_hours] * (count // len(in_hours) + 1)
    controls = [user for user, _ in out_of_hours] * (CONTROL_ITEMS // len(out_of_hours) + 1)
    assigned = owners[:count] + controls[:CONTROL_ITEMS]
    with unit_of_work(factory) as session:
        workspace = Workspace(team_id=TEAM_ID, name="bench", created_at=CREATED_AT)
        session.add(workspace)
        session.flush()
        project = Project(workspace_id=workspace.id, channel_id=CHANNEL, name="bench", created_at=CREATED_AT)
        session.add(project)
        session.flush()
        session.execute(insert(Member), [_member(workspace.id, user, zone) for user, zone in in_hours + out_of_hours])
        rows = [_item(workspace.id, project.id, n, owner) for n, owner in enumerate(assigned, start=1)]
        for start in range(0, len(rows), 2000):
            session.execute(insert(ActionItem), rows[start : start + 2000])
        session.add(Counter(workspace_id=workspace.id, kind="action", value=len(rows)))


def _member(workspace_id: int, user_id: str, zone: str) -> dict[str, Any]:
    name = user_id.lower()
    return {
        "workspace_id": workspace_id,
        "user_id": user_id,
        "name": name,
        "real_name": name,
        "time_zone": zone,
        "locale": "en-US",
        "is_bot": False,
        "is_admin": False,
        "deleted": False,
        "fetched_at": CREATED_AT,
    }


def _item(workspace_id: int, project_id: int, number: int, owner: str) -> dict[str, Any]:
    """An open item its owner made on Monday, due Tuesday 12:00-15:59 UTC (still Tuesday in Berlin and Asia)."""
    return {
        "workspace_id": workspace_id,
        "project_id": project_id,
        "number": number,
        "title": f"ship part {number}",
        "notes": "",
        "owner_id": owner,
        "creator_id": owner,
        "due_at": DUE_FROM + timedelta(minutes=number % 240),
        "status": ActionStatus.OPEN,
        "created_at": CREATED_AT,
        "accepted_at": CREATED_AT,
        "escalation_level": 0,
        "revision": 0,
    }


@contextmanager
def _timed_producers(seconds: dict[str, float]) -> Iterator[None]:
    """Time each job of the registry while `run_due` calls it (the app's code itself is untouched)."""
    original = schedule.JOBS

    def timed(name: str, func: schedule.Producer) -> schedule.Producer:
        def run(session: Session, now: datetime) -> int:
            t0 = time.perf_counter()
            try:
                return func(session, now)
            finally:
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t0

        return run

    schedule.JOBS = tuple(replace(job, run=timed(job.name, job.run)) for job in original)  # run_due reads it
    try:
        yield
    finally:
        schedule.JOBS = original


def _timed_run(factory: sessionmaker[Session], client: Any) -> tuple[float, dict[str, float], jobs.TickReport]:
    producers: dict[str, float] = {}
    with _timed_producers(producers):
        t0 = time.perf_counter()
        report = jobs.run_due(factory, client, now=T)
        total = time.perf_counter() - t0
    return total, producers, report


def _count(factory: sessionmaker[Session], *where: Any) -> int:
    with unit_of_work(factory) as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage).where(*where)) or 0)


def run_due_benchmark(url: str, fake: FakeSlack, count: int, failures: list[str], label: str) -> dict[str, Any]:
    """Queue and deliver `count` due reminders with `run_due` at T, then run it again; return the figures."""
    engine = make_engine(url)
    try:
        factory = session_factory(engine)
        upgrade(engine)
        t0 = time.perf_counter()
        _populate(factory, count)
        setup = time.perf_counter() - t0
        progress(f"{label}: inserted {count:,} due items (+{CONTROL_ITEMS} out of hours) in {setup:.1f}s")
        settings = load_settings(
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake.url, "DATABASE_URL": url}, dotenv=None
        )
        client = make_client(settings, patient=False)
        fake.reset()
        total, producers, report = _timed_run(factory, client)
        posts = fake.calls_to("chat.postMessage")
        queue_seconds = sum(producers.values())
        progress(f"{label}: first run-due: {report.summary()} in {total:.1f}s")
        first = {
            "seconds": total,
            "queue_seconds": queue_seconds,
            "deliver_seconds": total - queue_seconds,
            "action_reminders_seconds": producers.get("action reminders", 0.0),
            "producer_seconds": producers,
            "queued": sum(report.queued.values()),
            "sent": report.delivery.sent,
            "failed": report.delivery.failed,
            "messages_per_second": report.delivery.sent / total if total else 0.0,
            "post_message_calls": len(posts),
        }
        _check_first(factory, posts, count, first, failures, label)
        again_total, _, again = _timed_run(factory, client)
        progress(f"{label}: second run-due: {again.summary()} in {again_total:.1f}s")
        second = {"seconds": again_total, "queued": sum(again.queued.values()), "sent": again.delivery.sent}
        after = len(fake.calls_to("chat.postMessage"))
        if second["queued"] or second["sent"] or after != len(posts):
            failures.append(f"{label}: the second run-due at T queued {second['queued']}, sent {second['sent']}")
        return {
            "items": count,
            "control_items": CONTROL_ITEMS,
            "setup_seconds": setup,
            "first": first,
            "second": second,
        }
    finally:
        engine.dispose()


def _check_first(
    factory: sessionmaker[Session],
    posts: list[Any],
    count: int,
    figures: dict[str, Any],
    failures: list[str],
    label: str,
) -> None:
    """Exactly `count` reminders, each the 'overdue' nudge of T's day, each delivered once to its owner."""

    def fail(message: str) -> None:
        failures.append(f"{label}: {message}")

    reminder, overdue_today = OutboxMessage.key.like("action:%:remind:%"), f"%:overdue:{T.date().isoformat()}"
    queued = _count(factory, reminder, OutboxMessage.key.like(overdue_today))
    sent = _count(factory, OutboxMessage.sent_at.is_not(None))
    figures.update(overdue_reminders_queued=queued, outbox_sent=sent)
    if figures["queued"] != count or queued != count:
        fail(f"expected {count} overdue reminders queued, got {figures['queued']} ({queued} with the overdue key)")
    if sent != count or figures["sent"] != count:
        fail(f"expected {count} reminders sent, the outbox says {sent} and run_due {figures['sent']}")
    if len(posts) != count:
        fail(f"expected {count} chat.postMessage calls, the fake Slack got {len(posts)}")
    seen: dict[tuple[str, str], int] = {}
    for call in posts:
        match = REF_IN_TEXT.match(str(call.args.get("text", "")))
        ref = match.group(1) if match else "?"
        seen[(str(call.args.get("channel")), ref)] = seen.get((str(call.args.get("channel")), ref), 0) + 1
    twice = sum(1 for n in seen.values() if n > 1)
    figures["reminders_delivered_twice"] = twice
    if twice or ("?" in {ref for _, ref in seen}) or any(call.status != 200 for call in posts):
        fail(f"{twice} reminders were delivered more than once (or a call was not a reminder, or not answered 200)")
    if any(channel.startswith("UOUT") for channel, _ in seen):
        fail("an owner outside their working hours at T got a reminder")
