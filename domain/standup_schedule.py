"""When each person is asked, reminded and summarised: pure arithmetic in each participant's own zone.

A stand-up *day* is a calendar date. On day D each participant is asked at the prompt time on D in
*their* zone (09:30 in Auckland comes many hours before 09:30 in Los Angeles). A participant is not
asked on D when D is not one of the stand-up's days in their zone, is a project holiday, or falls in
their time away. The summary for D goes out at a fixed time on D in the project's zone, or some hours
after the last participant's prompt for D.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from domain.zones import zone


@dataclass(frozen=True)
class Participant:
    """A participant as the schedule needs them."""

    user_id: str
    tz: str
    away: tuple[tuple[date, date], ...] = ()

    def is_away(self, day: date) -> bool:
        return any(first <= day <= last for first, last in self.away)


@dataclass(frozen=True)
class Plan:
    """A stand-up's timing rules."""

    days: frozenset[int]
    prompt_minute: int
    holidays: frozenset[date] = frozenset()

    def asks(self, participant: Participant, day: date) -> bool:
        """Return whether the participant is asked on `day`."""
        return day.weekday() in self.days and day not in self.holidays and not participant.is_away(day)


def local_moment(day: date, minute: int, tz: str) -> datetime:
    """Return the instant of a local wall-clock time on a date, as aware UTC (a DST gap moves it forward)."""
    local_zone = zone(tz)
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=local_zone)
    # Round-trip through UTC: a wall time that does not exist comes back shifted past the gap.
    return datetime.fromtimestamp(local.timestamp(), tz=zone("UTC"))


def prompt_at(plan: Plan, participant: Participant, day: date) -> datetime:
    """Return when the participant is asked on `day` (whether or not they are)."""
    return local_moment(day, plan.prompt_minute, participant.tz)


def local_day(moment: datetime, tz: str) -> date:
    """Return the calendar date at `moment` in `tz`."""
    return moment.astimezone(zone(tz)).date()


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
    asked = [p for p in participants if plan.asks(p, day)]
    if not asked:
        return None
    if mode == "fixed":
        return local_moment(day, fixed_minute, project_tz)
    return max(prompt_at(plan, p, day) for p in asked) + timedelta(hours=after_hours)
