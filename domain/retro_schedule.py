"""When a retro asks each person for notes, and when it reveals them: pure arithmetic in each person's own zone.

A retro collects notes until `collect_until`: the end of the project's next working day after the start, in the
project's zone and working hours (holidays skipped), so everyone has a whole working day of their own to answer.
Each participant is asked once, at the prompt time (the project's stand-up prompt time, else 10:00) in *their* zone,
on a working day that is no project holiday and none of their days away:

- today, if that time is still ahead;
- at once, if it has passed today but they are still in their working day (no waiting for tomorrow morning);
- else on their next such working day.

Someone whose prompt would come only after the reveal (away the whole time) is not asked at all.

Who has not added notes yet is reminded once, `REMIND_BEFORE` the reveal, in their own working hours: when that
moment falls outside them (evening, weekend, a holiday), at the end of their last working day before it; never
before their prompt, nor on a day they are away.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.calendar import WorkingHours, end_of_working_day, local_day, local_moment, start_of_working_day

DEFAULT_PROMPT_MINUTE = 10 * 60
LOOK_AHEAD_DAYS = 21  # a long holiday season still finds the next working day
REMIND_BEFORE = timedelta(hours=2)


@dataclass(frozen=True)
class Person:
    """A participant as the timing needs them: their zone and their days away (first, last), both included."""

    user_id: str
    tz: str
    away: tuple[tuple[date, date], ...] = ()

    def is_away(self, day: date) -> bool:
        return any(first <= day <= last for first, last in self.away)


@dataclass(frozen=True)
class Rules:
    """A project's timing: its working days and hours, its holidays, and the local prompt time."""

    hours: WorkingHours
    holidays: frozenset[date] = frozenset()
    prompt_minute: int = DEFAULT_PROMPT_MINUTE

    def works(self, day: date) -> bool:
        """Whether `day` is a working day and no holiday."""
        return day.weekday() in self.hours.days and day not in self.holidays


def collect_until(rules: Rules, *, start: datetime, project_tz: str) -> datetime:
    """Return when the notes are revealed: the end of the project's next working day after `start`."""
    day = local_day(start, project_tz) + timedelta(days=1)
    for _ in range(LOOK_AHEAD_DAYS):
        if rules.works(day):
            break
        day += timedelta(days=1)
    return end_of_working_day(day, tz=project_tz, hours=rules.hours)


def ask_at(rules: Rules, person: Person, *, now: datetime, until: datetime) -> datetime | None:
    """Return when the person is asked for notes (`now` itself: at once), or None when not before `until`."""
    today = local_day(now, person.tz)
    for day in (today + timedelta(days=n) for n in range(LOOK_AHEAD_DAYS)):
        if not rules.works(day) or person.is_away(day):
            continue
        at = local_moment(day, rules.prompt_minute, person.tz)
        if at < now:  # today's time has passed: at once while their working day lasts, else tomorrow
            if now >= end_of_working_day(day, tz=person.tz, hours=rules.hours):
                continue
            at = now
        return at if at < until else None
    return None


def plan(rules: Rules, people: Iterable[Person], *, now: datetime, until: datetime) -> dict[str, datetime | None]:
    """Return when each person is asked (None: not asked, away until the reveal)."""
    return {p.user_id: ask_at(rules, p, now=now, until=until) for p in people}


def remind_at(
    rules: Rules, person: Person, *, asked: datetime | None, until: datetime, before: timedelta = REMIND_BEFORE
) -> datetime | None:
    """Return when the person is reminded to add notes: `before` the reveal if that is in their working hours,
    else the last moment of their working hours before it; None if never asked, if that comes before they were
    asked, or if it falls on a day they are away."""
    if asked is None:
        return None
    target = until - before
    day = local_day(target, person.tz)
    for _ in range(LOOK_AHEAD_DAYS):
        if rules.works(day) and target >= start_of_working_day(day, tz=person.tz, hours=rules.hours):
            at = min(target, end_of_working_day(day, tz=person.tz, hours=rules.hours))
            return None if at <= asked or person.is_away(day) else at
        day -= timedelta(days=1)
    return None
