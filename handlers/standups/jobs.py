"""Scheduled work for stand-ups: each person's prompt at their own local time, one reminder, the day's summary.

A tick queues only what came due since the previous one. Each stand-up keeps the instant it has queued through
(`Standup.queued_through`); a tick answers for the window after it, works the times out once per zone (everyone
in a zone is asked at the same instant), and queues the lot in one bulk insert. A first tick, or one after a
change of the stand-up or after downtime, looks back a bounded span: today's prompts in each zone, reminders
still due today, summaries less than a day late.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from domain import members, standups
from domain.outbox import Outgoing
from domain.standup_schedule import (
    Participant,
    Plan,
    Window,
    prompt_at,
    prompt_zones,
    reminder_due,
    summary_at,
    summary_days,
)
from domain.standups import Roster
from domain.workspaces import working_hours
from handlers.standups import keys, render
from handlers.standups import notices as standup_posts
from storage.models import ActionItem, Blocker, Standup

SUMMARY_GRACE = timedelta(hours=24)  # a summary missed in downtime still goes out within a day
HOLIDAYS_AHEAD = timedelta(days=10)  # holidays read ahead of a tick, for what is due within two working days
CATCH_UP = timedelta(hours=26)  # a first tick looks back over a whole local day (25 hours when clocks go back)


@dataclass
class Due:
    """What one stand-up has to queue at this tick."""

    standup: Standup
    plan: Plan
    roster: Roster
    zones: dict[str, str]  # participant -> their zone: Participant objects only for whom a message is due
    prompts: dict[str, tuple[date, datetime]]  # zone -> its day and prompt instant
    reminders: list[tuple[Participant, date]]
    summaries: list[tuple[date, datetime]]
    answers: dict[tuple[date, str], bool] = field(default_factory=dict)  # (day, user) -> skipped

    def days(self) -> set[date]:
        """The days whose answers matter to it."""
        return {d for d, _ in self.prompts.values()} | {d for _, d in self.reminders} | {d for d, _ in self.summaries}


def queue_standups(session: Session, now: datetime) -> int:
    """Queue the prompts, reminders and summaries that came due since the last tick; return how many were new."""
    active = standups.active(session)
    windows = {s.id: Window(s.queued_through, now) for s in active}
    todo = [s for s in active if not windows[s.id].empty]
    if not todo:
        return 0
    sent = _sent_prompts(session, todo, windows)
    zones = members.zones_by_workspace(session, workspace_ids={s.workspace_id for s in todo})
    maybe = [s for s in todo if sent[s.id] or _may_be_due(s, zones.get(s.workspace_id, set()), windows[s.id])]
    messages = _messages(session, _work_out(session, maybe, sent, windows, now), now) if maybe else []
    for standup in todo:
        standup.queued_through = now
    return standups.queue_new(session, messages, now=now)


def _work_out(
    session: Session,
    maybe: list[Standup],
    sent: dict[int, list[tuple[date, str, datetime]]],
    windows: dict[int, Window],
    now: datetime,
) -> list[Due]:
    """Load who takes part (one query per workspace, not per person) and work out what is due for each."""
    first, last = now.date() - timedelta(days=3), now.date() + timedelta(days=2)
    # Holidays further ahead too: what is due within two working days skips them (a long weekend, a bridge day).
    holidays = standups.holidays_of(session, first=first, last=now.date() + HOLIDAYS_AHEAD)
    rosters: dict[int, Roster] = {}
    due = []
    for standup in maybe:
        if standup.workspace_id not in rosters:
            rosters[standup.workspace_id] = standups.roster(
                session, workspace_id=standup.workspace_id, first=first, last=last
            )
        roster = rosters[standup.workspace_id]
        plan = standups.plan_of(standup, holidays.get(standup.project_id, ()))
        due.append(_due(standup, plan, roster, sent[standup.id], windows[standup.id]))
    return due


def _messages(session: Session, due: list[Due], now: datetime) -> list[tuple[int, Outgoing]]:
    """Render what is due, leaving out who answered (or skipped) already."""
    answers = standups.answered(session, {(d.standup.id, day) for d in due for day in d.days()})
    summarised = {d.standup.project_id for d in due if d.summaries}
    prompted = [d for d in due if d.prompts]
    # One query for everyone's blockers, one for their items due soon: never one per person.
    wanted = summarised | {d.standup.project_id for d in prompted}
    blockers = standups.open_blockers_of(session, project_ids=wanted) if wanted else {}
    soon = _due_soon(session, prompted)
    names: dict[int, dict[str, str]] = {}  # by workspace, read for the first summary that needs them
    messages: list[tuple[int, Outgoing]] = []
    for d in due:
        d.answers = answers.get(d.standup.id, {})
        messages += _prompts(d, _Plates(d, soon, blockers.get(d.standup.project_id, [])), now) + _reminders(d, now)
        for day, at in d.summaries:
            messages += _summary(session, d, day, at, blockers.get(d.standup.project_id, []), names, now)
    return messages


def _may_be_due(standup: Standup, zones: set[str], window: Window) -> bool:
    """Whether a prompt or summary may fall in the window for anyone in these zones (holidays and away aside)."""
    plan = standups.plan_of(standup)
    zones = (zones - {""}) | {standup.project.time_zone}
    return bool(
        prompt_zones(plan, zones, window, since=standup.created_at)
        or _summary_days(standup, plan, zones, window.since(window.end - SUMMARY_GRACE))
    )


def _summary_days(standup: Standup, plan: Plan, zones: set[str], window: Window) -> list[date]:
    return summary_days(
        plan,
        zones,
        window,
        mode=standup.summary_mode,
        project_tz=standup.project.time_zone,
        fixed_minute=standup.summary_minute,
        after_hours=standup.summary_after_hours,
    )


def _sent_prompts(
    session: Session, todo: list[Standup], windows: dict[int, Window]
) -> dict[int, list[tuple[date, str, datetime]]]:
    """The prompts whose reminder may fall in each stand-up's window: (day, user, when it went out), by stand-up.

    One query per distinct window (usually one): those sent in it, back by the reminder's delay. The delivery
    time of a prompt is that of the tick that sent it, and ticks run one after another, so none is missed.
    """
    groups: dict[Window, list[Standup]] = defaultdict(list)
    for standup in todo:
        if standup.reminder_minutes:
            window = windows[standup.id].since(windows[standup.id].end - CATCH_UP)
            groups[window.shifted(-timedelta(minutes=standup.reminder_minutes))].append(standup)
    found: dict[int, list[tuple[date, str, datetime]]] = defaultdict(list)
    for window, grouped in groups.items():
        assert window.start is not None  # cut by the catch-up above
        ids = {(s.workspace_id, s.id) for s in grouped}
        for workspace_id, key, sent in standups.sent_between(
            session, key_like=keys.PROMPTS_LIKE, after=window.start, through=window.end
        ):
            parts = key.split(":")  # standup:<id>:prompt:<day>:<user>; updates of it have more parts
            if len(parts) == 5 and parts[1].isdigit() and (workspace_id, int(parts[1])) in ids:
                found[int(parts[1])].append((date.fromisoformat(parts[3]), parts[4], sent))
    return found


def _due(standup: Standup, plan: Plan, roster: Roster, sent: list[tuple[date, str, datetime]], window: Window) -> Due:
    """Work out, per zone, whose prompt, reminder and summary fall in the window."""
    zones = roster.zones_of(standup)
    recent = window.since(window.end - CATCH_UP)
    prompts = prompt_zones(plan, set(zones.values()), window, since=standup.created_at)
    reminders = []
    for day, user, went_out in sent:
        if user in zones:
            person = roster.participant(user, zones[user])
            if reminder_due(plan, person, day, went_out, minutes=standup.reminder_minutes, window=recent):
                reminders.append((person, day))
    late = window.since(window.end - SUMMARY_GRACE)
    summaries = []
    for day in _summary_days(standup, plan, set(zones.values()), late):
        at = summary_at(
            plan,
            day,
            (roster.participant(user, tz) for user, tz in zones.items()),
            mode=standup.summary_mode,
            project_tz=standup.project.time_zone,
            fixed_minute=standup.summary_minute,
            after_hours=standup.summary_after_hours,
        )
        if at is not None and at in late:
            summaries.append((day, at))
    return Due(standup, plan, roster, zones, prompts, reminders, summaries)


class _Rendered:
    """The prompt and reminder of a day, rendered once: they are the same for everyone."""

    def __init__(self, standup: Standup) -> None:
        self.standup = standup
        self.cache: dict[tuple[date, bool], tuple[str, list[dict[str, object]]]] = {}

    def __call__(self, day: date, reminder: bool) -> tuple[str, list[dict[str, object]]]:
        if (day, reminder) not in self.cache:
            self.cache[day, reminder] = render.prompt(self.standup, day, reminder=reminder)
        return self.cache[day, reminder]


def _due_soon(session: Session, prompted: list[Due]) -> dict[tuple[int, str], list[ActionItem]]:
    """The open action items, by (project, owner), that may be due within two working days of a prompt due now."""
    if not prompted:
        return {}
    until = max(_until(d, day, tz) for d in prompted for tz, (day, _) in d.prompts.items())
    return standups.open_actions_due(session, project_ids={d.standup.project_id for d in prompted}, before=until)


def _until(due: Due, day: date, tz: str) -> datetime:
    return standups.soon_until(day, tz=tz, hours=working_hours(due.standup.project), holidays=due.plan.holidays)


class _Plates:
    """Each participant's own items due soon and open blockers, for their prompt."""

    def __init__(self, due: Due, soon: dict[tuple[int, str], list[ActionItem]], blockers: list[Blocker]) -> None:
        self.project_id, self.due, self.soon = due.standup.project_id, due, soon
        self.blockers: dict[str, list[Blocker]] = defaultdict(list)
        for blocker in blockers:
            self.blockers[blocker.owner_id].append(blocker)
        self.until: dict[tuple[date, str], datetime] = {}  # worked out once per zone

    def of(self, user: str, day: date, tz: str) -> standups.Plate:
        if (day, tz) not in self.until:
            self.until[day, tz] = _until(self.due, day, tz)
        actions = self.soon.get((self.project_id, user), [])
        return standups.plate_of(actions, self.blockers.get(user, []), until=self.until[day, tz])


def _prompts(due: Due, plates: _Plates, now: datetime) -> list[tuple[int, Outgoing]]:
    """Everyone in a zone whose prompt time has come, asked that day, and not answered ahead (the evening before);
    a prompt names the person's own items due soon and open blockers (rendered for them alone, then)."""
    standup, message = due.standup, _Rendered(due.standup)
    out = []
    for user, tz in due.zones.items():
        if tz not in due.prompts:
            continue
        day, asked = due.prompts[tz]
        if (day, user) in due.answers or due.roster.participant(user, tz).is_away(day):
            continue
        plate = plates.of(user, day, tz)
        text, blocks = render.prompt(standup, day, plate=plate, now=asked) if plate else message(day, False)
        key = standup_posts.key(standup, "prompt", day, user)
        out.append((standup.workspace_id, _dm(key, user, text, blocks, asked)))
    return out


def _reminders(due: Due, now: datetime) -> list[tuple[int, Outgoing]]:
    """Who has not answered, reminded once, the configured minutes after the prompt actually went out."""
    standup, message = due.standup, _Rendered(due.standup)
    out = []
    for person, day in due.reminders:
        if (day, person.user_id) in due.answers:
            continue
        text, blocks = message(day, True)
        key = standup_posts.key(standup, "remind", day, person.user_id)
        out.append((standup.workspace_id, _dm(key, person.user_id, text, blocks, now)))
    return out


def _dm(key: str, user: str, text: str, blocks: list[dict[str, object]], at: datetime) -> Outgoing:
    return Outgoing(key, "chat.postMessage", user, {"channel": user, "text": text, "blocks": blocks}, at)


def _summary(
    session: Session,
    due: Due,
    day: date,
    at: datetime,
    blockers: list[Blocker],
    names: dict[int, dict[str, str]],
    now: datetime,
) -> list[tuple[int, Outgoing]]:
    """The day's summary, once its time has come: answered, away, not yet, and every open blocker.

    Worked out once, at the tick whose window holds its time; one queued already (a catch-up) is kept as it is.
    """
    standup, plan, participants, answers = due.standup, due.plan, due.roster.participants(due.standup), due.answers
    # Only who was asked before the summary counts: not before the stand-up existed, and (at a fixed time)
    # not those further west whose prompt comes later that day.
    asked = {
        p.user_id for p in participants if plan.asks(p, day) and standup.created_at <= prompt_at(plan, p, day) <= at
    }
    answered = [p.user_id for p in participants if answers.get((day, p.user_id)) is False]
    if not asked and not answered:
        return []
    away = [p.user_id for p in participants if p.is_away(day) and p.user_id not in answered]
    skipped = {p.user_id for p in participants if answers.get((day, p.user_id))}
    missing = [u for u in (p.user_id for p in participants) if u in asked and u not in answered and u not in skipped]
    if standup.workspace_id not in names:
        names[standup.workspace_id] = members.names(session, workspace_id=standup.workspace_id)
    text, blocks = render.summary(
        day,
        answered=answered,
        away=away,
        missing=missing,
        blockers=blockers,
        mention_missing=standup.mention_missing,
        names=names[standup.workspace_id],
    )
    thread = standup_posts.ensure_thread(session, standup, day, now=now)
    channel = standup.project.channel_id
    payload = {"channel": channel, "text": text, "blocks": blocks, "thread_ts_of": thread, "reply_broadcast": True}
    return [
        (
            standup.workspace_id,
            Outgoing(standup_posts.key(standup, "summary", day), "chat.postMessage", channel, payload, at),
        )
    ]
