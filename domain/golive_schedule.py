"""When a go-live's steps fall, and when their owners are told: pure rules, no database, no clock.

A go-live's T is a wall-clock time typed in one zone (the planner's, kept on the go-live). A step sits at T plus an
offset written `T-7d`, `T-2h`, `T+30m`, `T-1d6h` or `T` (T-0):

- the days are calendar days in the go-live's zone, at T's wall clock: `T-7d` of a go-live at 22:00 Berlin is 22:00
  in Berlin seven days before, even when a clock change falls between (then it is 167 or 169 hours before, not
  168); a wall time that does not exist that day moves forward by the gap, as everywhere in pmbot;
- the hours and minutes are exact: `T-2h` is 120 minutes before T whatever the clocks do.

Each step's owner is told twice, in their own zone:

- at the step's moment, with the step's buttons (Done, Failed, Skip);
- a heads-up before it: for a step with days in its offset, at the start of the owner's last working day up to the
  step (the project's working hours and days, in the owner's zone, skipping the project's holidays): the day the
  step falls for them if they work that day, else the working day before it (a step on Saturday is announced on
  Friday morning); for a step of hours and minutes, or one whose working day starts too late for that (or before
  the go-live was planned), `HEADS_UP` before the step. A heads-up never comes after the step's moment.

The approvers' go/no-go poll opens at `POLL_BEFORE` before T; at T whatever was answered decides.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.calendar import WorkingHours, in_zone, is_working_day, local_to_utc, start_of_working_day
from domain.errors import InvalidInput
from domain.text import escape

HEADS_UP = timedelta(minutes=15)
POLL_BEFORE = timedelta(hours=1)
LATE = timedelta(hours=12)  # a reminder the scheduler could not send within this long after its moment is dropped
MAX_DAYS = 366
MAX_MINUTES = 7 * 24 * 60
LOOK_BACK_DAYS = 31  # how far a heads-up goes back past weekends and holidays to find a working day

_OFFSET = re.compile(r"T(?:([+-])(?:(\d{1,3})d)?(?:(\d{1,3})h)?(?:(\d{1,4})m)?)?", re.IGNORECASE)
_ZERO = re.compile(r"T[+-]0", re.IGNORECASE)


@dataclass(frozen=True)
class Offset:
    """Where a step sits from T: whole calendar days (at T's wall clock), then exact minutes; both of one sign."""

    days: int = 0
    minutes: int = 0

    def __str__(self) -> str:
        if not self.days and not self.minutes:
            return "T-0"
        sign = "-" if self.days < 0 or self.minutes < 0 else "+"
        days, minutes = abs(self.days), abs(self.minutes)
        hours, rest = divmod(minutes, 60)
        parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{rest}m" if rest else ""]
        return f"T{sign}{''.join(parts)}"

    @property
    def has_days(self) -> bool:
        return self.days != 0

    def sort_key(self) -> tuple[int, int]:
        return (self.days, self.minutes)


def parse_offset(word: str) -> Offset:
    """Read `T-7d`, `T-2h`, `T+30m`, `T-1d6h`, `T-0` or `T`; raise, with the forms it takes, when it is none."""
    said = word.strip()
    if _ZERO.fullmatch(said):
        return Offset()
    found = _OFFSET.fullmatch(said)
    if found is None or (found.group(1) and not any(found.group(n) for n in (2, 3, 4))):
        raise InvalidInput(
            f"`{escape(said[:20])}` is not a time from T.",
            hint="Write it like `T-7d`, `T-2h`, `T+30m`, `T-1d6h` or `T-0`.",
        )
    if not found.group(1):
        return Offset()
    sign = -1 if found.group(1) == "-" else 1
    days = int(found.group(2) or 0)
    minutes = int(found.group(3) or 0) * 60 + int(found.group(4) or 0)
    if days > MAX_DAYS or minutes > MAX_MINUTES:
        raise InvalidInput(
            f"`{escape(said[:20])}` is too far from T.",
            hint=f"At most {MAX_DAYS} days and {MAX_MINUTES // 60} hours either side.",
        )
    return Offset(sign * days, sign * minutes)


def step_moment(t: datetime, zone: str, offset: Offset) -> datetime:
    """The aware-UTC moment of a step: `offset.days` calendar days from T at T's wall clock in `zone`, then
    `offset.minutes` exact minutes."""
    local = in_zone(t, zone)
    day = local.date() + timedelta(days=offset.days)
    return local_to_utc(day, local.time().replace(tzinfo=None), zone) + timedelta(minutes=offset.minutes)


def heads_up(
    moment: datetime,
    offset: Offset,
    *,
    owner_zone: str,
    hours: WorkingHours,
    holidays: Set[date] = frozenset(),
    not_before: datetime | None = None,
) -> datetime:
    """When a step's owner is told it is coming (see the module's rules); `not_before`: when the go-live was
    planned (a working day that started before it is no day to tell them on)."""
    latest = moment - HEADS_UP
    if not offset.has_days:
        return latest
    day = in_zone(moment, owner_zone).date()
    for _ in range(LOOK_BACK_DAYS):
        if is_working_day(day, hours) and day not in holidays:
            start = start_of_working_day(day, tz=owner_zone, hours=hours)
            if start <= latest:
                return start if not_before is None or start >= not_before else latest
            if day == in_zone(moment, owner_zone).date():
                return latest  # the step falls before the owner's working day starts: a quarter hour before
        day -= timedelta(days=1)
    return latest


def poll_opens(t: datetime) -> datetime:
    """When the approvers are asked: go or no-go."""
    return t - POLL_BEFORE


def due(moment: datetime, *, now: datetime, since: datetime) -> bool:
    """Whether a message for `moment` is due at `now`: its moment has come, not so long ago that it is stale, and
    not before `since` (the step was planned after its moment had passed: nobody is told of it)."""
    return since <= moment <= now < moment + LATE
