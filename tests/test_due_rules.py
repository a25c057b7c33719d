"""What is due when for risk reviews, decision nudges, meeting agendas and digests: the pure rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import WorkingHours
from domain.digest_schedule import due_today, escalation_day, weekly_day
from domain.escalations import delivery_times
from domain.meeting_schedule import agenda_due
from domain.reminders import nudge_day, review_due

OFFICE = WorkingHours()
SUN_TO_THU = WorkingHours(days=frozenset({6, 0, 1, 2, 3}))
T = TypeVar("T")
KOLKATA = {"tz": "Asia/Kolkata", "hours": OFFICE}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ticks(start: datetime, end: datetime, every: timedelta = timedelta(minutes=15)) -> list[datetime]:
    found, at = [], start
    while at <= end:
        found.append(at)
        at += every
    return found


def first_times(decide: Callable[[datetime], T | None], instants: list[datetime]) -> list[tuple[datetime, T]]:
    """Each distinct answer, with the first tick that gave it: what a job keyed by that answer sends."""
    seen: dict[T, datetime] = {}
    for at in instants:
        answer = decide(at)
        if answer is not None and answer not in seen:
            seen[answer] = at
    return [(at, answer) for answer, at in seen.items()]


# Risk reviews


def test_a_review_found_at_night_waits_for_the_owners_morning() -> None:
    """A review due Monday 15:00 UTC (20:30 in Kolkata) that no tick saw within the grace waits for 09:00 there."""
    due = utc(2026, 11, 30, 15, 0)
    when = [at for at in ticks(due + timedelta(hours=1), utc(2026, 12, 1, 12, 0)) if review_due(due, **KOLKATA, now=at)]
    assert utc(2026, 12, 1, 3, 30) == when[0]  # Tuesday 09:00 Kolkata


def test_a_review_goes_at_once_in_the_owners_hours_or_within_the_grace() -> None:
    """Due 14:30 Kolkata: at once; due 17:00 Kolkata and found at 17:30 there: still sent; at 17:31, not."""
    assert review_due(utc(2026, 11, 30, 9, 0), **KOLKATA, now=utc(2026, 11, 30, 9, 0))
    five_pm = utc(2026, 11, 30, 11, 30)
    assert review_due(five_pm, **KOLKATA, now=five_pm + timedelta(minutes=30))
    assert not review_due(five_pm, **KOLKATA, now=five_pm + timedelta(minutes=31))


def test_a_review_is_not_due_before_its_time() -> None:
    """Nothing before the review's moment, even in working hours."""
    assert not review_due(utc(2026, 11, 30, 9, 0), tz="Europe/Berlin", hours=OFFICE, now=utc(2026, 11, 30, 8, 59))


@pytest.mark.parametrize(
    ("tz", "saturday_noon"), [("Europe/Berlin", utc(2026, 11, 28, 11)), ("Pacific/Auckland", utc(2026, 11, 27, 23))]
)
def test_a_review_due_at_the_weekend_waits_for_monday(tz: str, saturday_noon: datetime) -> None:
    """Past the grace, a review due on Saturday is not sent until the owner's Monday."""
    sent = [
        at
        for at in ticks(saturday_noon, saturday_noon + timedelta(days=3))
        if review_due(saturday_noon, tz=tz, hours=OFFICE, now=at)
    ]
    after_grace = [at for at in sent if at - saturday_noon > timedelta(minutes=30)]
    local = after_grace[0].astimezone(ZoneInfo(tz))
    assert (0, time(9, 0)) == (local.weekday(), local.time())


# Decision nudges

BERLIN_DAYS = [date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 30)]


def test_an_overdue_decision_nudges_a_kolkata_approver_once_per_working_day() -> None:
    """Needed by Wednesday 17:00 Berlin: Thursday and Friday in Kolkata hours, nothing at the weekend, then Monday."""
    after = utc(2026, 11, 25, 16, 15)  # the first tick once it is overdue
    nudges = first_times(
        lambda at: nudge_day(tz="Asia/Kolkata", hours=OFFICE, now=at), ticks(after, utc(2026, 11, 30, 12, 0))
    )
    assert [
        (utc(2026, 11, 26, 3, 30), date(2026, 11, 26)),  # Thursday 09:00 Kolkata
        (utc(2026, 11, 27, 3, 30), date(2026, 11, 27)),
        (utc(2026, 11, 30, 3, 30), date(2026, 11, 30)),
    ] == nudges


@pytest.mark.parametrize(
    ("tz", "hours", "expected"),
    [
        ("Europe/Berlin", OFFICE, BERLIN_DAYS),  # Wednesday 17:15 Berlin is after hours
        (
            "America/Los_Angeles",
            OFFICE,
            [date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 30)],
        ),
        ("Asia/Kathmandu", SUN_TO_THU, [date(2026, 11, 26), date(2026, 11, 29), date(2026, 11, 30)]),
        ("Pacific/Auckland", WorkingHours(start=time(8), end=time(12)), [*BERLIN_DAYS, date(2026, 12, 1)]),
    ],
)
def test_nudges_follow_the_approvers_own_days_and_hours(tz: str, hours: WorkingHours, expected: list[date]) -> None:
    """Each approver's local working day gets one nudge, at the start of their hours."""
    nudges = first_times(
        lambda at: nudge_day(tz=tz, hours=hours, now=at), ticks(utc(2026, 11, 25, 16, 15), utc(2026, 11, 30, 23, 45))
    )
    assert expected == [day for _, day in nudges]
    assert all(hours.start == at.astimezone(ZoneInfo(tz)).time() for at, _ in nudges)


# Meeting agendas


def test_the_agenda_goes_an_hour_before_a_tuesday_1000_berlin_meeting() -> None:
    """Every Tuesday 10:00 Berlin: due from 08:00 UTC to just before 09:00 UTC, for that Tuesday's meeting."""
    due = first_times(
        lambda at: agenda_due(weekday=1, minute=600, tz="Europe/Berlin", now=at),
        ticks(utc(2026, 11, 23, 0, 0), utc(2026, 12, 2, 0, 0)),
    )
    assert [
        (utc(2026, 11, 24, 8, 0), (date(2026, 11, 24), utc(2026, 11, 24, 9, 0))),
        (utc(2026, 12, 1, 8, 0), (date(2026, 12, 1), utc(2026, 12, 1, 9, 0))),
    ] == due
    assert None is agenda_due(weekday=1, minute=600, tz="Europe/Berlin", now=utc(2026, 11, 24, 9, 0))


@pytest.mark.parametrize(
    ("tz", "before_the_change", "after_the_change"),
    [
        ("Europe/Berlin", utc(2026, 10, 20, 7, 0), utc(2026, 10, 27, 8, 0)),  # summer time ends 25 October
        ("America/Los_Angeles", utc(2026, 10, 27, 16, 0), utc(2026, 11, 3, 17, 0)),  # 1 November
        ("Pacific/Auckland", utc(2026, 9, 21, 21, 0), utc(2026, 9, 28, 20, 0)),  # daylight time starts 27 Sept
    ],
)
def test_the_agenda_keeps_its_local_hour_across_daylight_saving_changes(
    tz: str, before_the_change: datetime, after_the_change: datetime
) -> None:
    """A Tuesday 10:00 meeting's agenda goes at 09:00 local on both sides of a clock change."""
    due = first_times(
        lambda at: agenda_due(weekday=1, minute=600, tz=tz, now=at),
        ticks(before_the_change - timedelta(days=1), after_the_change + timedelta(days=1)),
    )
    assert [before_the_change, after_the_change] == [at for at, _ in due]


def test_a_meeting_just_after_midnight_has_its_agenda_the_evening_before() -> None:
    """Tuesday 00:30 Berlin: the agenda goes on Monday at 23:30 local."""
    assert (date(2026, 11, 24), utc(2026, 11, 23, 23, 30)) == agenda_due(
        weekday=1, minute=30, tz="Europe/Berlin", now=utc(2026, 11, 23, 22, 30)
    )


# Digests


def test_the_weekly_digest_is_due_on_friday_from_1600_for_twelve_hours() -> None:
    """Friday 16:00 Berlin (15:00 UTC) until the day ends there; never another day."""
    when = [at for at in ticks(utc(2026, 11, 23, 0, 0), utc(2026, 11, 30, 0, 0)) if weekly_day(at, "Europe/Berlin")]
    assert utc(2026, 11, 27, 15, 0) == when[0] and utc(2026, 11, 27, 22, 45) == when[-1]
    assert {date(2026, 11, 27)} == {weekly_day(at, "Europe/Berlin") for at in when}


def test_a_digest_past_its_grace_waits_for_the_next_week() -> None:
    """A digest missed by twelve hours or more is not sent late."""
    assert date(2026, 11, 27) == due_today(utc(2026, 11, 27, 19, 59), "Europe/Berlin", 9 * 60)  # 20:59 there
    assert None is due_today(utc(2026, 11, 27, 20, 0), "Europe/Berlin", 9 * 60)


def test_a_roll_up_is_friday_1600_in_the_subscribers_zone() -> None:
    """Auckland's Friday 16:00 is Friday 03:00 UTC; Los Angeles' is Saturday 00:00 UTC."""
    assert date(2026, 11, 27) == weekly_day(utc(2026, 11, 27, 3, 0), "Pacific/Auckland")
    assert None is weekly_day(utc(2026, 11, 27, 2, 59), "Pacific/Auckland")
    assert date(2026, 11, 27) == weekly_day(utc(2026, 11, 28, 0, 0), "America/Los_Angeles")


def test_the_weekly_digest_day_and_time_are_the_projects_own() -> None:
    """A project that moved its digest to Monday 09:00 gets it then, not on Friday."""
    assert date(2026, 11, 23) == weekly_day(utc(2026, 11, 23, 8, 0), "Europe/Berlin", weekday=0, minute=9 * 60)
    assert None is weekly_day(utc(2026, 11, 27, 15, 0), "Europe/Berlin", weekday=0, minute=9 * 60)


@pytest.mark.parametrize(
    ("tz", "hours", "expected"),
    [
        ("Europe/Berlin", OFFICE, [date(2026, 11, 23) + timedelta(days=n) for n in range(5)]),
        ("Asia/Kolkata", SUN_TO_THU, [date(2026, 11, 22) + timedelta(days=n) for n in (0, 1, 2, 3, 4, 7)]),
    ],
)
def test_the_escalation_digest_goes_each_working_day_at_0900_in_the_readers_zone(
    tz: str, hours: WorkingHours, expected: list[date]
) -> None:
    """One per working day of the reader's, none at their weekend."""
    days = first_times(
        lambda at: escalation_day(at, tz, hours=hours), ticks(utc(2026, 11, 22, 0, 0), utc(2026, 11, 29, 12, 0))
    )
    assert expected == [day for _, day in days]
    assert all(time(9, 0) == at.astimezone(ZoneInfo(tz)).time() for at, _ in days)


# Escalations


@pytest.mark.parametrize(
    ("noted", "expected"),
    [
        (utc(2026, 11, 27, 10, 0), utc(2026, 11, 27, 10, 0)),  # Friday 11:00 Berlin: at once
        (utc(2026, 11, 27, 17, 0), utc(2026, 11, 30, 8, 0)),  # Friday 18:00 Berlin: Monday 09:00
        (utc(2026, 11, 28, 10, 0), utc(2026, 11, 30, 8, 0)),  # Saturday: Monday 09:00
    ],
)
def test_a_lead_hears_of_an_escalation_in_her_own_working_hours_a_channel_at_once(
    noted: datetime, expected: datetime
) -> None:
    """A lead's escalation waits for the next moment of her hours in her zone; the channel's is due when noted."""
    assert [("U0LEAD", expected), ("C0ESC", noted)] == delivery_times(
        [("U0LEAD", "Europe/Berlin")], channel="C0ESC", hours=OFFICE, now=noted
    )


def test_leads_in_different_zones_hear_at_their_own_morning() -> None:
    """Noted Friday 18:00 Berlin: the Los Angeles lead hears at once (09:00 there), Kolkata's on Monday 09:00."""
    noted = utc(2026, 11, 27, 17, 0)
    leads = [("U0DEV1", "America/Los_Angeles"), ("U0DEV2", "Asia/Kolkata")]
    assert [("U0DEV1", noted), ("U0DEV2", utc(2026, 11, 30, 3, 30))] == delivery_times(
        leads, channel=None, hours=OFFICE, now=noted
    )
