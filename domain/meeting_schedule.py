"""When a recurring meeting's agenda goes out: pure arithmetic in the project's time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.calendar import local_day, local_moment

AGENDA_BEFORE = timedelta(hours=1)


def agenda_due(
    *, weekday: int, minute: int, tz: str, now: datetime, before: timedelta = AGENDA_BEFORE
) -> tuple[date, datetime] | None:
    """Return the day and start of the weekly meeting whose agenda is due at `now` (in the `before` it starts),
    or None. The meeting is at `minute` past local midnight on `weekday` (Monday 0) in `tz`."""
    today = local_day(now, tz)
    for day in (today, today + timedelta(days=1)):  # a meeting just after midnight: its agenda goes the day before
        if day.weekday() != weekday:
            continue
        starts = local_moment(day, minute, tz)
        if starts - before <= now < starts:
            return day, starts
    return None
