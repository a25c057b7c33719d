"""The stand-up benchmark's data: people in many zones, inserted directly; what they should get, and what they got."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from bench._harness import BenchError
from sandbox.standin import Call, FakeSlack
from storage.db import unit_of_work
from storage.models import Member, Project, Standup, Workspace
from storage.models.standups import DEFAULT_QUESTIONS

# Thirty zones, west to east, with the odd offsets: -11, -3:30, +3:30, +4:30, +5:30, +5:45, +6:30, +10:30, +12:45, +14.
ZONES = (
    "Pacific/Pago_Pago",
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Caracas",
    "America/Halifax",
    "America/St_Johns",
    "America/Sao_Paulo",
    "Atlantic/Azores",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Moscow",
    "Asia/Tehran",
    "Asia/Dubai",
    "Asia/Kabul",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Yangon",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Pacific/Kiritimati",
)
START = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # a Monday
CREATED_AT = START - timedelta(minutes=1)  # before the week, after every prompt of days before it
PROMPT = time(9, 30)
WEEKDAYS = frozenset(range(5))
REMINDER = timedelta(minutes=60)
SUMMARY_AFTER = timedelta(hours=3)
REGION_WIDTH = 5  # a regional team spans this many neighbouring zones
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
KINDS = ("prompt", "reminder", "summary")
PREFIXES = (("prompt", "Stand-up for "), ("reminder", "Stand-up reminder for "), ("summary", "Stand-up summary"))
Sent = dict[str, dict[tuple[str, str], list[datetime]]]  # kind -> (channel, day label) -> the ticks it came at


@dataclass(frozen=True)
class Team:
    """One stand-up as the benchmark sees it: its channel, project zone and participants with their zones."""

    index: int
    channel: str
    project_zone: str
    people: tuple[tuple[str, str], ...]  # (user_id, zone)


def teams(count: int, participants: int, zones: int) -> list[Team]:
    """Split `participants` people over `count` stand-ups: even ones global (every zone), odd ones regional."""
    if not 1 <= zones <= len(ZONES) or not 1 <= count <= participants:
        raise BenchError(f"need 1 to {len(ZONES)} zones and at least one participant per stand-up")
    used = ZONES[:zones] if zones == len(ZONES) else tuple(ZONES[round(i * len(ZONES) / zones)] for i in range(zones))
    size, extra = divmod(participants, count)
    out, first = [], 0
    for s in range(count):
        n = size + (1 if s < extra else 0)
        start = (s * 7) % len(used)
        people = tuple(
            (f"UB{first + j:05d}", used[j % len(used)] if s % 2 == 0 else used[(start + j % REGION_WIDTH) % len(used)])
            for j in range(n)
        )
        out.append(Team(s, f"C0BENCH{s:03d}", people[0][1] if people else "UTC", people))
        first += n
    return out


def populate(factory: sessionmaker[Session], groups: list[Team], *, team_id: str = FakeSlack.team_id) -> int:
    """Insert the workspace, one project and stand-up per team, and every participant as a member; return its id."""
    with unit_of_work(factory) as session:
        workspace = Workspace(team_id=team_id, name="bench", created_at=CREATED_AT)
        session.add(workspace)
        session.flush()
        wid = workspace.id
        session.execute(insert(Project), [_project(wid, t) for t in groups])
        ids = dict(session.execute(select(Project.channel_id, Project.id).where(Project.workspace_id == wid)).all())
        session.execute(insert(Standup), [_standup(wid, ids[t.channel], t) for t in groups])
        rows = [_member(wid, user, zone) for t in groups for user, zone in t.people]
        for start in range(0, len(rows), 2000):
            session.execute(insert(Member), rows[start : start + 2000])
    return wid


def _project(workspace_id: int, team: Team) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "channel_id": team.channel,
        "name": f"proj-bench-{team.index}",
        "time_zone": team.project_zone,
        "workday_start_minute": 9 * 60,
        "workday_end_minute": 17 * 60,
        "working_days": [0, 1, 2, 3, 4],
        "lead_user_ids": [],
        "settings": {},
        "created_at": CREATED_AT,
    }


def _standup(workspace_id: int, project_id: int, team: Team) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "project_id": project_id,
        "questions": list(DEFAULT_QUESTIONS),
        "days": sorted(WEEKDAYS),
        "prompt_minute": PROMPT.hour * 60 + PROMPT.minute,
        "participants": [user for user, _ in team.people],
        "summary_mode": "after_last",
        "summary_minute": 17 * 60,
        "summary_after_hours": int(SUMMARY_AFTER.total_seconds() // 3600),
        "reminder_minutes": int(REMINDER.total_seconds() // 60),
        "mention_missing": False,
        "paused": False,
        "created_at": CREATED_AT,
    }


def _member(workspace_id: int, user_id: str, zone: str) -> dict[str, Any]:
    name = user_id.lower()
    return {
        "workspace_id": workspace_id,
        "user_id": user_id,
        "name": name,
        "real_name": name,
        "zone_name": zone,
        "locale": "en-US",
        "is_bot": False,
        "is_admin": False,
        "deleted": False,
        "fetched_at": CREATED_AT,
    }


def _local_0930(day: date, zone: str) -> datetime:
    """09:30 on `day` in `zone`, as an aware UTC instant (09:30 is never in a DST gap in these zones)."""
    return datetime.combine(day, PROMPT, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _dates(zone: str, start: datetime, end: datetime) -> list[date]:
    first = start.astimezone(ZoneInfo(zone)).date() - timedelta(days=1)
    last = end.astimezone(ZoneInfo(zone)).date() + timedelta(days=1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass(frozen=True)
class Expected:
    """What the week should bring, worked out here with zoneinfo alone."""

    prompts: dict[tuple[str, str], datetime]  # (user, day label) -> the instant of their 09:30
    reminders: int
    summaries: int


def label(day: date) -> str:
    """The day as prompts name it: `Mon 23 Nov 2026`."""
    return f"{DAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def expected(groups: list[Team], start: datetime, end: datetime, step: timedelta) -> Expected:
    """What ticks every `step` from `start` to `end` should send: each prompt at 09:30 local on a weekday; its
    reminder an hour after the tick that delivered the prompt (nobody answers); a team's summary 3 hours after its
    last 09:30 of the day, if someone was asked that day (no prompt is asked before the stand-up existed)."""
    prompts: dict[tuple[str, str], datetime] = {}
    reminders = summaries = 0
    cache: dict[str, list[tuple[date, datetime]]] = {}
    for team in groups:
        for user, zone in team.people:
            if zone not in cache:
                days = [d for d in _dates(zone, start, end) if d.weekday() in WEEKDAYS]
                cache[zone] = [(d, _local_0930(d, zone)) for d in days]
            for day, at in cache[zone]:
                if start <= at <= end:
                    prompts[(user, label(day))] = at
                    reminders += _next_tick(at, start, step) + REMINDER <= end
        zones = {zone for _, zone in team.people}
        team_days = {d for zone in zones for d in _dates(zone, start, end) if d.weekday() in WEEKDAYS}
        for day in team_days:
            asked = [_local_0930(day, zone) for zone in zones]
            at = max(asked) + SUMMARY_AFTER
            summaries += start <= at <= end and any(CREATED_AT <= p for p in asked)
    return Expected(prompts, reminders, summaries)


def _next_tick(at: datetime, start: datetime, step: timedelta) -> datetime:
    """The first tick at or after `at`."""
    return start + -((start - at) // step) * step


def classify(call: Call) -> tuple[str, str, str] | None:
    """Return (kind, channel, day label) of a stand-up post, or None for any other call."""
    if call.method != "chat.postMessage":
        return None
    text, channel = str(call.args.get("text") or ""), str(call.args.get("channel") or "")
    for kind, prefix in PREFIXES:
        if text.startswith(prefix):
            return kind, channel, text[len(prefix) :].lstrip(" ·")
    return None


def check(sent: Sent, want: Expected, step: timedelta) -> tuple[dict[str, Any], list[str], list[str]]:
    """Compare what was sent with what should have been; return the counts, the failures and the notes."""
    prompts = sent["prompt"]
    counts = {kind: sum(len(ticks) for ticks in sent[kind].values()) for kind in KINDS}
    twice = {kind: sum(1 for ticks in sent[kind].values() if len(ticks) > 1) for kind in KINDS}
    late = sum(1 for key, at in want.prompts.items() if key in prompts and not at <= prompts[key][0] < at + step)
    missing, extra = len(want.prompts.keys() - prompts.keys()), len(prompts.keys() - want.prompts.keys())
    failures, notes = [], []
    if counts["prompt"] != len(want.prompts) or missing or extra:
        failures.append(
            f"prompts: sent {counts['prompt']}, expected {len(want.prompts)} ({missing} missing, {extra} extra)"
        )
    if late:
        failures.append(f"{late} prompts did not come at the first tick at or after 09:30 local")
    failures += [f"{n} (user, day) pairs got more than one {kind}" for kind, n in twice.items() if n]
    for kind, count in (("reminder", want.reminders), ("summary", want.summaries)):
        if counts[kind] != count:
            notes.append(f"{kind} count: sent {counts[kind]}, expected {count}")
    figures = {
        "sent": counts,
        "expected": {"prompt": len(want.prompts), "reminder": want.reminders, "summary": want.summaries},
        "duplicates": twice,
        "prompts_late": late,
    }
    return figures, failures, notes
