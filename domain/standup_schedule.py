"""When each person is asked, reminded and summarised: pure arithmetic in each participant's own zone.

A stand-up *day* is a calendar date. On day D each participant is asked at the prompt time on D in
*their* zone (09:30 in Auckland comes many hours before 09:30 in Los Angeles). A participant is not
asked on D when D is not one of the stand-up's days in their zone, is a project holiday, or falls in
their time away. The summary for D goes out at a fixed time on D in the project's zone, or some hours
after the last participant's prompt for D.

The scheduler's tick answers for a `Window`: the instants since the previous tick. Everything here is worked
out per zone, not per person: everyone in a zone is asked at the same instant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.calendar import local_day, local_moment


@dataclass(frozen=True)
class Participant:
    """A participant as the schedule needs them."""

    user_id: str
    tz: str
    away: tuple[tuple[date, date], ...] = ()

    def is_away(self, day: date) -> bool:
        return bool(self.away) and any(first <= day <= last for first, last in self.away)


@dataclass(frozen=True)
class Plan:
    """A stand-up's timing rules."""

    days: frozenset[int]
    prompt_minute: int
    holidays: frozenset[date] = frozenset()

    def asks(self, participant: Participant, day: date) -> bool:
        """Return whether the participant is asked on `day`."""
        return day.weekday() in self.days and day not in self.holidays and not participant.is_away(day)


def prompt_at(plan: Plan, participant: Participant, day: date) -> datetime:
    """Return when the participant is asked on `day` (whether or not they are)."""
    return local_moment(day, plan.prompt_minute, participant.tz)


def current_day(plan: Plan, participant: Participant, now: datetime) -> date | None:
    """Return the stand-up day whose prompt is open for the participant at `now`: asked today, prompt time passed."""
    today = local_day(now, participant.tz)
    if plan.asks(participant, today) and prompt_at(plan, participant, today) <= now:
        return today
    return None


def open_day(plan: Plan, participant: Participant, now: datetime, *, back: int = 7) -> date | None:
    """Return the latest stand-up day already asked at `now` (a reply after midnight still answers it)."""
    day = local_day(now, participant.tz)
    for _ in range(back + 1):
        if plan.asks(participant, day) and prompt_at(plan, participant, day) <= now:
            return day
        day -= timedelta(days=1)
    return None


def next_day(plan: Plan, participant: Participant, now: datetime, *, answered: Iterable[date] = ()) -> date | None:
    """Return the participant's next stand-up day still to answer: today's (asked or about to be), else the next."""
    done = set(answered)
    day = local_day(now, participant.tz)
    for _ in range(60):
        if plan.asks(participant, day) and day not in done:
            return day
        day += timedelta(days=1)
    return None


def summary_at(
    plan: Plan,
    day: date,
    participants: Iterable[Participant],
    *,
    mode: str,
    project_tz: str,
    fixed_minute: int,
    after_hours: int,
) -> datetime | None:
    """Return when the summary of `day` goes out, or None when nobody is asked that day."""
    asked = {p.tz for p in participants if plan.asks(p, day)}
    return summary_time(
        plan, day, asked, mode=mode, project_tz=project_tz, fixed_minute=fixed_minute, after_hours=after_hours
    )


def summary_time(
    plan: Plan, day: date, zones: Iterable[str], *, mode: str, project_tz: str, fixed_minute: int, after_hours: int
) -> datetime | None:
    """Return when the summary of `day` goes out when people in `zones` are asked (None for no zone)."""
    zones = set(zones)
    if not zones:
        return None
    if mode == "fixed":
        return local_moment(day, fixed_minute, project_tz)
    return max(local_moment(day, plan.prompt_minute, tz) for tz in zones) + timedelta(hours=after_hours)


@dataclass(frozen=True)
class Window:
    """The instants one tick answers for: after `start` (None: no tick before it) up to and including `end`."""

    start: datetime | None
    end: datetime

    def __contains__(self, moment: datetime) -> bool:
        return (self.start is None or self.start < moment) and moment <= self.end

    @property
    def empty(self) -> bool:
        """Whether no instant is left to answer for (the clock went back, or this instant was done)."""
        return self.start is not None and self.start >= self.end

    def since(self, earliest: datetime) -> Window:
        """Return the window cut to start no earlier than `earliest` (how far a catch-up looks back)."""
        return Window(earliest if self.start is None else max(self.start, earliest), self.end)

    def shifted(self, by: timedelta) -> Window:
        """Return the window moved by `by` (back by a reminder's delay: when prompts went out to be reminded now)."""
        return Window(None if self.start is None else self.start + by, self.end + by)


def zone_prompt(plan: Plan, tz: str, now: datetime) -> tuple[date, datetime] | None:
    """Return the stand-up day of `tz` at `now` and its prompt instant, unless that day asks nobody."""
    today = local_day(now, tz)
    if today.weekday() not in plan.days or today in plan.holidays:
        return None
    return today, local_moment(today, plan.prompt_minute, tz)


def prompt_zones(
    plan: Plan, zones: Iterable[str], window: Window, *, since: datetime
) -> dict[str, tuple[date, datetime]]:
    """Return the zones whose prompt of their today falls in `window`, not before `since`, with that day and instant.

    A prompt is only ever for the zone's today: a tick after long downtime does not ask for days gone by.
    """
    due = {}
    for tz in set(zones):
        found = zone_prompt(plan, tz, window.end)
        if found is not None and found[1] in window and found[1] >= since:
            due[tz] = found
    return due


def summary_days(
    plan: Plan,
    zones: Iterable[str],
    window: Window,
    *,
    mode: str,
    project_tz: str,
    fixed_minute: int,
    after_hours: int,
) -> list[date]:
    """Return the days whose summary could fall in `window` if someone in any of `zones` is asked that day.

    Two days back: with a late summary (up to 23 hours after the last prompt) a day's can come two days later.
    """
    zones = set(zones)
    today = local_day(window.end, project_tz)
    days = []
    for day in (today + timedelta(days=n) for n in (-2, -1, 0, 1)):
        if day.weekday() not in plan.days or day in plan.holidays:
            continue
        # The true time is one of these: the summary of the zones actually asked is that of a subset.
        if mode == "fixed":
            candidates = [local_moment(day, fixed_minute, project_tz)]
        else:
            later = timedelta(hours=after_hours)
            candidates = [local_moment(day, plan.prompt_minute, tz) + later for tz in zones]
        if any(at in window for at in candidates):
            days.append(day)
    return days


def reminder_due(
    plan: Plan, participant: Participant, day: date, sent: datetime, *, minutes: int, window: Window
) -> bool:
    """Return whether the reminder of `day`'s prompt, which went out at `sent`, falls in `window`.

    It comes `minutes` after the prompt actually went out (never with it), while `day` is still the participant's
    today and they are still asked that day (not away since, no holiday declared since).
    """
    if minutes <= 0 or sent + timedelta(minutes=minutes) not in window:
        return False
    return local_day(window.end, participant.tz) == day and plan.asks(participant, day)
