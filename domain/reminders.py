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

from domain.dates import WorkingHours, end_of_working_day, is_working_day, next_working_day, start_of_working_day
from domain.zones import zone

MAX_ESCALATION_LEVEL = 3
SEND_GRACE = timedelta(minutes=30)


@dataclass(frozen=True)
class Reminder:
    """One reminder occurrence: its kind, the moment it became due, and a stable occurrence name."""

    kind: str  # before | due | overdue | snoozed
    at: datetime
    occurrence: str


def in_working_hours(moment: datetime, *, tz: str, hours: WorkingHours) -> bool:
    """Return whether a moment is inside the working hours of a person in `tz`."""
    local = moment.astimezone(zone(tz))
    return is_working_day(local.date(), hours) and hours.start <= local.time() <= hours.end


def previous_working_day(day: date, hours: WorkingHours) -> date:
    """Return the last working day strictly before `day`."""
    candidate = day - timedelta(days=1)
    while not is_working_day(candidate, hours):
        candidate -= timedelta(days=1)
    return candidate


def next_working_moment(moment: datetime, *, tz: str, hours: WorkingHours) -> datetime:
    """Return `moment` if it is in working hours, else the start of the next working window."""
    if in_working_hours(moment, tz=tz, hours=hours):
        return moment
    local_day = moment.astimezone(zone(tz)).date()
    if is_working_day(local_day, hours):
        start = start_of_working_day(local_day, tz=tz, hours=hours)
        if moment < start:
            return start
    return start_of_working_day(next_working_day(local_day, hours), tz=tz, hours=hours)


def last_working_moment(moment: datetime, *, tz: str, hours: WorkingHours) -> datetime:
    """Return `moment` if it is in working hours, else the end of the last working window before it."""
    if in_working_hours(moment, tz=tz, hours=hours):
        return moment
    local_day = moment.astimezone(zone(tz)).date()
    if is_working_day(local_day, hours):
        end = end_of_working_day(local_day, tz=tz, hours=hours)
        if moment > end:
            return end
    return end_of_working_day(previous_working_day(local_day, hours), tz=tz, hours=hours)


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
    local_zone = zone(tz)
    due_day = due_at.astimezone(local_zone).date()
    candidates: list[Reminder] = []
    before_day = previous_working_day(due_day, hours)
    before = start_of_working_day(before_day, tz=tz, hours=hours)
    candidates.append(Reminder("before", before, before_day.isoformat()))
    due = last_working_moment(due_at, tz=tz, hours=hours)
    candidates.append(Reminder("due", due, due_at.strftime("%Y%m%dT%H%M")))
    today = now.astimezone(local_zone).date()
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
    day = due_at.astimezone(zone(tz)).date()
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
    return now.astimezone(zone(tz)).date()
