"""The one calendar: time zones, local <-> UTC, working days and hours, the working week, and snoozes.

Pure: no Slack, no database, no clock; ``now`` is always passed in. Instants are aware UTC; a zone is named by its
IANA name and loaded once per process here (zoneinfo itself keeps only eight zones strongly cached, so a team in
nine zones would read zone files from disk thousands of times per scheduler tick). Nothing else builds a ZoneInfo.

Local times that do not exist (DST gap) move forward by the gap (02:30 becomes 03:30); ambiguous local times
(DST end) take the first occurrence. Reading the dates people type (due phrases, date ranges) is
``domain.due_phrases``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import DueDateError
from domain.text import escape, truncate

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES: tuple[str, ...] = ("January", "February", "March", "April", "May", "June", "July", "August")
MONTH_NAMES += ("September", "October", "November", "December")


@dataclass(frozen=True)
class WorkingHours:
    """The team's working day and working week; ``days`` uses Monday=0 ... Sunday=6."""

    start: time = time(9, 0)
    end: time = time(17, 0)
    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})

    def __post_init__(self) -> None:
        """Reject working hours that no date could be computed from."""
        if not self.start < self.end:
            raise ValueError("working day must start before it ends")
        if not self.days or not self.days <= frozenset(range(7)):
            raise ValueError("working days must be a non-empty set of weekdays 0-6")


# ---------------------------------------------------------------------------------------------------------
# Zones and local <-> UTC


@cache
def zone(name: str) -> ZoneInfo:
    """Return the ZoneInfo for an IANA name; refuse an unknown name in words a person can act on."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as err:  # OSError: a folder such as `America`
        shown = truncate(" ".join(str(name).split()), 40)
        raise DueDateError(
            f'I don\'t know the time zone "{escape(shown)}".',
            hint="Set a time zone such as Europe/Berlin in Slack.",
        ) from err


def is_zone(name: str) -> bool:
    """Return whether ``name`` is an IANA time zone this machine knows."""
    try:
        zone(name)
    except DueDateError:
        return False
    return True


def local_to_utc(day: date, at: time, tz: str) -> datetime:
    """Return wall time ``at`` on ``day`` in ``tz`` as aware UTC (a DST gap moves forward, a fold takes the first)."""
    try:
        return datetime.combine(day, at, tzinfo=zone(tz)).astimezone(UTC)
    except (OverflowError, ValueError) as err:
        raise DueDateError("That date is too far away for me to handle.") from err


@lru_cache(maxsize=4096)
def local_moment(day: date, minute: int, tz: str) -> datetime:
    """Return minute ``minute`` of local ``day`` in ``tz`` as aware UTC; cached, as schedules ask for the same few."""
    return local_to_utc(day, time(minute // 60, minute % 60), tz)


def local_day(instant: datetime, tz: str) -> date:
    """Return the calendar day an aware instant falls on in ``tz``."""
    return instant.astimezone(zone(tz)).date()


def in_zone(instant: datetime, tz: str) -> datetime:
    """Return an aware instant as the wall clock in ``tz`` shows it."""
    return instant.astimezone(zone(tz))


FURTHEST_BEHIND = timedelta(hours=-12)  # no time zone is further behind UTC than this one


def surely_past(day: date, at: time | None, *, now: datetime) -> bool:
    """Whether `day` (at `at`, else its last minute) is past in every time zone there is, so in the person's own
    whatever it is: a form can say so before anyone's zone is looked up."""
    return datetime.combine(day, at or time(23, 59), tzinfo=timezone(FURTHEST_BEHIND)) <= now


def wall(dt: datetime, *, tz: str, now: datetime | None = None) -> str:
    """Render an aware datetime as people say it, e.g. 'Fri 4 Dec, 17:00' (the year only when not ``now``'s)."""
    local = dt.astimezone(zone(tz))
    year = f" {local.year}" if now is None or now.astimezone(zone(tz)).year != local.year else ""
    weekday, month = WEEKDAY_NAMES[local.weekday()][:3], MONTH_NAMES[local.month - 1][:3]
    return f"{weekday} {local.day} {month}{year}, {local:%H:%M}"


def describe(dt: datetime, *, tz: str) -> str:
    """Render an aware datetime in ``tz`` as plain text, e.g. 'Fri 4 Dec 2026, 17:00 (Europe/Berlin)'."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("describe() needs an aware datetime")
    return f"{wall(dt, tz=tz)} ({tz})"


def local_text(moment: datetime, name: str) -> str:
    """`Fri 2026-12-04 17:00 CET`: a moment as it reads in the zone named, for files that cannot use Slack's tokens."""
    return moment.astimezone(zone(name)).strftime("%a %Y-%m-%d %H:%M %Z")


# ---------------------------------------------------------------------------------------------------------
# Working days and hours


def is_working_day(day: date, hours: WorkingHours) -> bool:
    """Return whether ``day`` is one of the working days."""
    return day.weekday() in hours.days


def working_days_after(first: date, last: date, hours: WorkingHours) -> int:
    """Count the working days after ``first`` up to and including ``last`` (0 when ``last`` is not after it).

    In closed form: whole weeks hold ``len(hours.days)`` working days each; the remainder is counted day by day
    (fewer than seven), so a range of years costs no more than one of days.
    """
    span = (last - first).days
    if span <= 0:
        return 0
    weeks, rest = divmod(span, 7)
    start = first.weekday()
    return weeks * len(hours.days) + sum(1 for offset in range(1, rest + 1) if (start + offset) % 7 in hours.days)


def working_days_between(start: datetime, end: datetime, *, tz: str, hours: WorkingHours) -> int:
    """Count working days after `start`'s local date up to and including `end`'s (at most 1000)."""
    return min(1000, working_days_after(local_day(start, tz), local_day(end, tz), hours))


def next_working_day(day: date, hours: WorkingHours) -> date:
    """Return the first working day strictly after ``day``."""
    candidate = day + timedelta(days=1)
    while not is_working_day(candidate, hours):
        candidate += timedelta(days=1)
    return candidate


def previous_working_day(day: date, hours: WorkingHours) -> date:
    """Return the last working day strictly before `day`."""
    candidate = day - timedelta(days=1)
    while not is_working_day(candidate, hours):
        candidate -= timedelta(days=1)
    return candidate


def end_of_working_day(day: date, *, tz: str, hours: WorkingHours) -> datetime:
    """Return the end of the working day on ``day`` in ``tz``, as aware UTC."""
    return local_to_utc(day, hours.end, tz)


def start_of_working_day(day: date, *, tz: str, hours: WorkingHours) -> datetime:
    """Return the start of the working day on ``day`` in ``tz``, as aware UTC."""
    return local_to_utc(day, hours.start, tz)


def in_working_hours(moment: datetime, *, tz: str, hours: WorkingHours) -> bool:
    """Return whether a moment is inside the working hours of a person in `tz`."""
    local = moment.astimezone(zone(tz))
    return is_working_day(local.date(), hours) and hours.start <= local.time() <= hours.end


def next_working_moment(moment: datetime, *, tz: str, hours: WorkingHours) -> datetime:
    """Return `moment` if it is in working hours, else the start of the next working window."""
    if in_working_hours(moment, tz=tz, hours=hours):
        return moment
    day = local_day(moment, tz)
    if is_working_day(day, hours):
        start = start_of_working_day(day, tz=tz, hours=hours)
        if moment < start:
            return start
    return start_of_working_day(next_working_day(day, hours), tz=tz, hours=hours)


def last_working_moment(moment: datetime, *, tz: str, hours: WorkingHours) -> datetime:
    """Return `moment` if it is in working hours, else the end of the last working window before it."""
    if in_working_hours(moment, tz=tz, hours=hours):
        return moment
    day = local_day(moment, tz)
    if is_working_day(day, hours):
        end = end_of_working_day(day, tz=tz, hours=hours)
        if moment > end:
            return end
    return end_of_working_day(previous_working_day(day, hours), tz=tz, hours=hours)


# ---------------------------------------------------------------------------------------------------------
# The working week


def week_start(hours: WorkingHours) -> int:
    """Return the weekday the working week starts on: the first working day after the longest break."""
    if len(hours.days) == 7:
        return 0
    best: tuple[int, int] | None = None
    for weekday in hours.days:
        gap = 0
        while (weekday - gap - 1) % 7 not in hours.days:
            gap += 1
        if gap and (best is None or (-gap, weekday) < best):
            best = (-gap, weekday)
    return best[1] if best else 0  # some working day always follows a break when not every day is one


def week_of(day: date, hours: WorkingHours) -> list[date]:
    """Return the seven days of the working week that contains ``day``."""
    start = day - timedelta(days=(day.weekday() - week_start(hours)) % 7)
    return [start + timedelta(days=n) for n in range(7)]


def working(days: list[date], hours: WorkingHours) -> list[date]:
    """Return the working days among ``days``."""
    return [day for day in days if is_working_day(day, hours)]


def start_of_next_week(today: date, *, tz: str, hours: WorkingHours) -> datetime:
    """Return the start of the first working day of the working week after the one containing ``today``."""
    return start_of_working_day(working(week_of(today + timedelta(days=7), hours), hours)[0], tz=tz, hours=hours)


# ---------------------------------------------------------------------------------------------------------
# Snoozes


def snooze_until(choice: str, *, at: datetime, tz: str, hours: WorkingHours) -> datetime:
    """Turn a snooze choice (1h, 3h, next-day, next-week) into a moment inside the person's working hours."""
    if choice == "3h":
        return next_working_moment(at + timedelta(hours=3), tz=tz, hours=hours)
    if choice == "next-day":
        return start_of_working_day(next_working_day(local_day(at, tz), hours), tz=tz, hours=hours)
    if choice == "next-week":
        return start_of_next_week(local_day(at, tz), tz=tz, hours=hours)
    return next_working_moment(at + timedelta(hours=1), tz=tz, hours=hours)
