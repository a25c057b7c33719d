"""Which reminder and which escalation level is due when: the pure rules, stepped through weeks in many zones."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import WorkingHours
from domain.reminders import Reminder, current_reminder, escalation_level

OFFICE = WorkingHours()  # 09:00-17:00, Monday to Friday
SUN_TO_THU = WorkingHours(days=frozenset({6, 0, 1, 2, 3}))
MON_TO_SAT = WorkingHours(days=frozenset(range(6)))
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ZONES = ["Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Auckland"]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def sent(
    *,
    due_at: datetime,
    tz: str,
    start: datetime,
    end: datetime,
    hours: WorkingHours = OFFICE,
    created_at: datetime = MONDAY,
    snoozed_until: datetime | None = None,
    every: timedelta = timedelta(minutes=30),
) -> list[tuple[datetime, Reminder]]:
    """What the reminders job sends when run every `every`: each occurrence once, when it first is current."""
    seen: dict[tuple[str, str], tuple[datetime, Reminder]] = {}
    at = start
    while at <= end:
        found = current_reminder(
            due_at=due_at, created_at=created_at, snoozed_until=snoozed_until, tz=tz, hours=hours, now=at
        )
        if found is not None:
            seen.setdefault((found.kind, found.occurrence), (at, found))
        at += every
    return list(seen.values())


def in_hours(moment: datetime, tz: str, hours: WorkingHours) -> bool:
    local = moment.astimezone(ZoneInfo(tz))
    return local.weekday() in hours.days and hours.start <= local.time() <= hours.end


def test_a_kolkata_owner_of_an_item_due_wednesday_17_berlin() -> None:
    """The day before, at due (moved into Kolkata hours), then one nudge per working day, none at the weekend."""
    reminders = sent(due_at=utc(2026, 11, 25, 16, 0), tz="Asia/Kolkata", start=MONDAY, end=utc(2026, 12, 2, 6, 0))
    assert [
        (utc(2026, 11, 24, 3, 30), "before"),  # Tue 09:00 Kolkata
        (utc(2026, 11, 25, 11, 30), "due"),  # Wed 17:00 Kolkata: 21:30 would be after hours
        (utc(2026, 11, 26, 3, 30), "overdue"),  # Thu 09:00
        (utc(2026, 11, 27, 3, 30), "overdue"),  # Fri 09:00
        (utc(2026, 11, 30, 3, 30), "overdue"),  # Mon 09:00 (no weekend nudges)
        (utc(2026, 12, 1, 3, 30), "overdue"),
        (utc(2026, 12, 2, 3, 30), "overdue"),
    ] == [(at, r.kind) for at, r in reminders]


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("hours", [OFFICE, SUN_TO_THU, WorkingHours(start=time(7, 30), end=time(15, 0))])
def test_every_reminder_arrives_in_the_owners_working_hours(tz: str, hours: WorkingHours) -> None:
    """Wherever the owner is and whatever the week, each reminder is sent in their hours, each kind in order."""
    every = timedelta(minutes=15)  # on the hour and the quarter: Kathmandu's 09:00 is 03:15 UTC
    reminders = sent(
        due_at=utc(2026, 11, 26, 16, 0), tz=tz, start=MONDAY, end=utc(2026, 12, 4, 0, 0), hours=hours, every=every
    )
    assert all(in_hours(at, tz, hours) for at, _ in reminders), reminders
    kinds = [r.kind for _, r in reminders]
    assert ["before", "due"] == kinds[:2] and {"overdue"} == set(kinds[2:]) and len(kinds) >= 5
    days = [at.astimezone(ZoneInfo(tz)).date() for at, r in reminders if r.kind == "overdue"]
    assert len(days) == len(set(days))  # one nudge per working day


def test_an_auckland_owner_is_not_reminded_at_night() -> None:
    """An item due 17:00 Berlin (05:00 in Auckland) is announced at the end of Auckland's previous working day."""
    reminders = sent(due_at=utc(2026, 11, 26, 16, 0), tz="Pacific/Auckland", start=MONDAY, end=utc(2026, 11, 27, 0, 0))
    assert [
        (utc(2026, 11, 25, 20, 0), "before"),  # Thu 09:00 Auckland, the working day before Fri 05:00 there
        (utc(2026, 11, 26, 4, 0), "due"),  # Thu 17:00 Auckland, the end of the last window before Fri 05:00
    ] == [(at, r.kind) for at, r in reminders]


@pytest.mark.parametrize(
    ("tz", "due_at", "expected"),
    [
        # Berlin leaves summer time on Sunday 25 October: Monday's nudge is at 09:00 CET, 08:00 UTC.
        ("Europe/Berlin", utc(2026, 10, 22, 15, 0), [utc(2026, 10, 23, 7, 0), utc(2026, 10, 26, 8, 0)]),
        # Los Angeles leaves daylight time on Sunday 1 November: 16:00 UTC before, 17:00 after.
        ("America/Los_Angeles", utc(2026, 10, 29, 23, 0), [utc(2026, 10, 30, 16, 0), utc(2026, 11, 2, 17, 0)]),
        # Auckland enters daylight time on Sunday 27 September: 21:00 UTC before, 20:00 after.
        ("Pacific/Auckland", utc(2026, 9, 24, 4, 0), [utc(2026, 9, 24, 21, 0), utc(2026, 9, 27, 20, 0)]),
    ],
)
def test_overdue_nudges_stay_at_09_local_across_daylight_saving_changes(
    tz: str, due_at: datetime, expected: list[datetime]
) -> None:
    """Across a clock change the daily nudge keeps its local 09:00, so its UTC instant moves by an hour."""
    reminders = sent(
        due_at=due_at,
        tz=tz,
        created_at=due_at - timedelta(days=3),
        start=due_at - timedelta(days=3),
        end=expected[-1],
        every=timedelta(minutes=15),
    )
    assert expected == [at for at, r in reminders if r.kind == "overdue"]


def test_downtime_sends_the_current_reminder_not_a_backlog() -> None:
    """After nothing ran from Monday to Friday, the reminder current on Friday is the only one."""
    found = current_reminder(
        due_at=utc(2026, 11, 24, 16, 0),
        created_at=MONDAY,
        snoozed_until=None,
        tz="Asia/Kolkata",
        hours=OFFICE,
        now=utc(2026, 11, 27, 5, 0),
    )
    assert Reminder("overdue", utc(2026, 11, 27, 3, 30), "2026-11-27") == found


def test_no_reminder_outside_working_hours_beyond_the_grace() -> None:
    """A reminder whose moment has come is held while the owner is off work, but a tick just after 17:00 sends it."""
    kwargs = {"due_at": utc(2026, 11, 25, 16, 0), "created_at": MONDAY, "snoozed_until": None, "hours": OFFICE}
    assert None is current_reminder(tz="Asia/Kolkata", now=utc(2026, 11, 25, 12, 30), **kwargs)  # 18:00 Kolkata
    due = current_reminder(tz="Asia/Kolkata", now=utc(2026, 11, 25, 11, 50), **kwargs)  # 17:20: within the grace
    assert due is not None and "due" == due.kind


def test_a_snooze_holds_every_reminder_until_it_ends_then_sends_one() -> None:
    """Snoozed to Thursday 11:00 Kolkata: nothing before it, then one "snoozed" reminder and nothing more that day."""
    reminders = sent(
        due_at=utc(2026, 11, 24, 16, 0),
        tz="Asia/Kolkata",
        snoozed_until=utc(2026, 11, 26, 5, 30),
        start=utc(2026, 11, 24, 3, 30),
        end=utc(2026, 11, 26, 12, 0),
    )
    assert [(utc(2026, 11, 26, 5, 30), "snoozed")] == [(at, r.kind) for at, r in reminders]


def test_a_reminder_from_before_the_item_existed_is_not_sent() -> None:
    """An item created after its day-before moment gets the due reminder, not a late "coming up"."""
    reminders = sent(
        due_at=utc(2026, 11, 25, 16, 0),
        created_at=utc(2026, 11, 24, 12, 0),
        tz="Europe/Berlin",
        start=utc(2026, 11, 24, 12, 0),
        end=utc(2026, 11, 25, 17, 0),
    )
    assert [(utc(2026, 11, 25, 16, 0), "due")] == [(at, r.kind) for at, r in reminders]


def levels(
    due_at: datetime, *, threshold: int, tz: str, hours: WorkingHours, end: datetime
) -> list[tuple[datetime, int]]:
    """Each instant (on a 30-minute tick) at which the escalation level rises."""
    rises, level, at = [], 0, due_at
    while at <= end:
        now_level = escalation_level(due_at=due_at, threshold_days=threshold, tz=tz, hours=hours, now=at)
        if now_level != level:
            rises.append((at, now_level))
            level = now_level
        at += timedelta(minutes=30)
    return rises


def test_escalation_levels_rise_every_threshold_working_days_up_to_three() -> None:
    """Due Tuesday, threshold 2: levels 1, 2, 3 on Friday, Tuesday and Thursday at 09:00 Berlin; never a fourth."""
    assert [
        (utc(2026, 11, 27, 8, 0), 1),
        (utc(2026, 12, 1, 8, 0), 2),
        (utc(2026, 12, 3, 8, 0), 3),
    ] == levels(utc(2026, 11, 24, 16, 0), threshold=2, tz="Europe/Berlin", hours=OFFICE, end=utc(2026, 12, 31, 0, 0))


def test_escalation_of_an_item_due_wednesday_starts_the_next_monday() -> None:
    """Due Wednesday 17:00 Berlin: level 1 on Monday 09:00 (the 3rd working day after), level 2 on Wednesday."""
    assert [(utc(2026, 11, 30, 8, 0), 1), (utc(2026, 12, 2, 8, 0), 2)] == levels(
        utc(2026, 11, 25, 16, 0), threshold=2, tz="Europe/Berlin", hours=OFFICE, end=utc(2026, 12, 2, 23, 0)
    )


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (OFFICE, utc(2026, 12, 1, 8, 0)),  # Thu due -> Fri, Mon, Tue: level 1 on Tuesday
        (MON_TO_SAT, utc(2026, 11, 30, 8, 0)),  # Thu due -> Fri, Sat, Mon: level 1 on Monday
    ],
)
def test_escalation_counts_only_working_days(hours: WorkingHours, expected: datetime) -> None:
    """The weekend does not count towards the threshold, whichever days make the working week."""
    rises = levels(utc(2026, 11, 26, 16, 0), threshold=2, tz="Europe/Berlin", hours=hours, end=utc(2026, 12, 2, 0, 0))
    assert (expected, 1) == rises[0]


def test_no_escalation_before_the_due_moment() -> None:
    """An item not yet due has level 0, whatever the threshold."""
    due_at = utc(2026, 11, 25, 16, 0)
    assert 0 == escalation_level(due_at=due_at, threshold_days=0, tz="UTC", hours=OFFICE, now=due_at)
