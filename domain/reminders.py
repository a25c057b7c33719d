"""When to remind and escalate: pure schedule arithmetic in each person's local working hours.

An open item with a due date has a schedule of reminder moments, each inside the owner's working
hours (in the owner's own time zone, with the project's hours and days):

* ``before``: the start of the owner's last working day before the due date;
* ``due``: the due moment itself if it falls in working hours, else the end of the last working
  window before it (a 17:00 Berlin deadline is not announced at 03:00 in Auckland);
* ``overdue``: the start of each working day after the due date;
* ``snoozed``: the moment a snooze ends (moved into working hours); nothing before it is sent.

At any instant the *current* reminder is the latest moment of the schedule that has arrived. It is
sent once (its key names the occurrence), and only while it is working hours for the owner: after
downtime the owner gets the one reminder that is current, not a backlog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.calendar import (
    WorkingHours,
    in_working_hours,
    is_working_day,
    last_working_moment,
    local_day,
    next_working_day,
    next_working_moment,
    previous_working_day,
    start_of_working_day,
)

MAX_ESCALATION_LEVEL = 3
SEND_GRACE = timedelta(minutes=30)


@dataclass(frozen=True)
class Reminder:
    """One reminder occurrence: its kind, the moment it became due, and a stable occurrence name."""

    kind: str  # before | due | overdue | snoozed
    at: datetime
    occurrence: str


def current_reminder(
    *,
    due_at: datetime,
    created_at: datetime,
    snoozed_until: datetime | None,
    tz: str,
    hours: WorkingHours,
    now: datetime,
) -> Reminder | None:
    """Return the reminder that is current at `now` for an open item, or None (none yet, or not working hours)."""
    if snoozed_until is not None and now < snoozed_until:
        return None
    due_day = local_day(due_at, tz)
    candidates: list[Reminder] = []
    before_day = previous_working_day(due_day, hours)
    before = start_of_working_day(before_day, tz=tz, hours=hours)
    candidates.append(Reminder("before", before, before_day.isoformat()))
    due = last_working_moment(due_at, tz=tz, hours=hours)
    candidates.append(Reminder("due", due, due_at.strftime("%Y%m%dT%H%M")))
    today = local_day(now, tz)
    if today > due_day:  # the latest overdue nudge that has arrived: today's, or the last working day's
        day = today if is_working_day(today, hours) else previous_working_day(today, hours)
        if day > due_day:
            candidates.append(Reminder("overdue", start_of_working_day(day, tz=tz, hours=hours), day.isoformat()))
    if snoozed_until is not None:
        wake = next_working_moment(snoozed_until, tz=tz, hours=hours)
        candidates.append(Reminder("snoozed", wake, snoozed_until.strftime("%Y%m%dT%H%M")))
    arrived = [r for r in candidates if created_at < r.at <= now]
    if snoozed_until is not None:
        arrived = [r for r in arrived if r.at >= snoozed_until or r.kind == "snoozed"]
    current = max(arrived, key=lambda r: r.at, default=None)
    # Every moment of the schedule is inside working hours; the grace lets one at the very end of the day
    # (17:00:00) still go out from a tick a little after it.
    if current is None or not (in_working_hours(now, tz=tz, hours=hours) or now - current.at <= SEND_GRACE):
        return None
    return current


def escalation_level(*, due_at: datetime, threshold_days: int, tz: str, hours: WorkingHours, now: datetime) -> int:
    """Return how many escalation levels an item overdue at `now` has reached (0 to MAX_ESCALATION_LEVEL).

    Level n is reached at the start of the (n x threshold + 1)-th working day after the due date, in the
    project's time zone: with the default threshold of 2, an item due Monday escalates Thursday morning.
    """
    if now <= due_at:
        return 0
    day = local_day(due_at, tz)
    level = 0
    while level < MAX_ESCALATION_LEVEL:
        for _ in range(threshold_days + (1 if level == 0 else 0)):
            day = next_working_day(day, hours)
        if start_of_working_day(day, tz=tz, hours=hours) > now:
            break
        level += 1
    return level


def review_due(due: datetime, *, tz: str, hours: WorkingHours, now: datetime) -> bool:
    """Return whether a review reminder due at `due` goes out at `now`: once due, in the owner's working hours
    (or within the grace of its moment, which may be at the very end of the day)."""
    return due <= now and (in_working_hours(now, tz=tz, hours=hours) or now - due <= SEND_GRACE)


def nudge_day(*, tz: str, hours: WorkingHours, now: datetime) -> date | None:
    """Return the person's day whose daily nudge goes out at `now`, or None outside their working hours."""
    if not in_working_hours(now, tz=tz, hours=hours):
        return None
    return local_day(now, tz)
