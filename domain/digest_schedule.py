"""When each digest goes out: the weekly digest, the escalation digest and the roll-up, in the reader's zone.

A digest is due on a local day once its time has passed, for a grace of some hours (a digest missed in downtime
still goes out the same day); its key names that day, so it goes out once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.calendar import WorkingHours, is_working_day, local_day, local_moment

WEEKLY_DAY, WEEKLY_MINUTE = 4, 16 * 60  # Friday 16:00, project time zone
ESCALATION_MINUTE = 9 * 60  # 09:00, in the lead's (or, for a channel, the project's) time zone
GRACE = timedelta(hours=12)


def due_today(now: datetime, tz: str, minute: int) -> date | None:
    """Return the local date whose `minute` has passed within the grace, else None."""
    today = local_day(now, tz)
    at = local_moment(today, minute, tz)
    return today if at <= now < at + GRACE else None


def weekly_day(now: datetime, tz: str, *, weekday: int = WEEKLY_DAY, minute: int = WEEKLY_MINUTE) -> date | None:
    """Return the day whose weekly digest (or roll-up) is due at `now` in `tz`, else None."""
    day = due_today(now, tz, minute)
    return day if day is not None and day.weekday() == weekday else None


def escalation_day(now: datetime, tz: str, *, hours: WorkingHours, minute: int = ESCALATION_MINUTE) -> date | None:
    """Return the working day whose escalation digest is due at `now` for a reader in `tz`, else None."""
    day = due_today(now, tz, minute)
    return day if day is not None and is_working_day(day, hours) else None
