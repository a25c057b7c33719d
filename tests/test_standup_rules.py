"""Who is asked when across weeks, zones, clock changes, weekends, holidays and time away: the pure rules,
stepped through the windows that the stand-up job's ticks answer for."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.standup_schedule import Participant, Plan, Window, prompt_zones

WEEKDAYS = frozenset(range(5))
PLAN = Plan(days=WEEKDAYS, prompt_minute=9 * 60 + 30)
TEAM = [
    Participant("U0LEAD", "Europe/Berlin"),
    Participant("U0DEV1", "America/Los_Angeles"),
    Participant("U0DEV2", "Asia/Kolkata"),
    Participant("U0DEV3", "Asia/Kathmandu"),
    Participant("U0DEV4", "Pacific/Auckland"),
]


def asked(
    plan: Plan, people: list[Participant], start: datetime, end: datetime, every: timedelta = timedelta(minutes=15)
) -> list[tuple[datetime, str]]:
    """(prompt instant, user) for every prompt due in the windows of ticks every `every` from `start` to `end`."""
    found: list[tuple[datetime, str]] = []
    previous, at = start, start + every
    while at <= end:
        due = prompt_zones(plan, {p.tz for p in people}, Window(previous, at), since=start)
        for person in people:
            if person.tz in due and plan.asks(person, due[person.tz][0]):
                found.append((due[person.tz][1], person.user_id))
        previous, at = at, at + every
    return sorted(found)


def local_day(moment: datetime, person: Participant) -> date:
    return moment.astimezone(ZoneInfo(person.tz)).date()


def test_each_member_is_asked_at_their_own_0930_once_per_working_day() -> None:
    """Over a week, each of five members in five zones is asked once per local working day at 09:30 their time,
    never on their weekend."""
    start, end = datetime(2026, 11, 22, 12, 0, tzinfo=UTC), datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    prompts = asked(PLAN, TEAM, start, end)
    for person in TEAM:
        mine = [at for at, who in prompts if who == person.user_id]
        local = [at.astimezone(ZoneInfo(person.tz)) for at in mine]
        assert all((t.hour, t.minute) == (9, 30) for t in local), person
        expected = [date(2026, 11, 23) + timedelta(days=i) for i in range(5)]
        if datetime(2026, 11, 30, 9, 30, tzinfo=ZoneInfo(person.tz)) <= end:
            expected.append(date(2026, 11, 30))
        assert expected == [t.date() for t in local], person


def test_the_first_asked_on_monday_is_auckland_and_the_last_los_angeles() -> None:
    """Monday's prompts go east to west: Auckland (Sunday 20:30 UTC) first, Los Angeles (17:30 UTC) last."""
    prompts = asked(PLAN, TEAM, datetime(2026, 11, 22, 12, 0, tzinfo=UTC), datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    assert [
        (datetime(2026, 11, 22, 20, 30, tzinfo=UTC), "U0DEV4"),
        (datetime(2026, 11, 23, 3, 45, tzinfo=UTC), "U0DEV3"),
        (datetime(2026, 11, 23, 4, 0, tzinfo=UTC), "U0DEV2"),
        (datetime(2026, 11, 23, 8, 30, tzinfo=UTC), "U0LEAD"),
        (datetime(2026, 11, 23, 17, 30, tzinfo=UTC), "U0DEV1"),
    ] == prompts


@pytest.mark.parametrize("every", [timedelta(minutes=1), timedelta(minutes=15), timedelta(hours=2)])
def test_the_prompts_do_not_depend_on_how_often_the_job_ticks(every: timedelta) -> None:
    """Ticks every minute, quarter or two hours find the same prompts (each window answers for its own instants)."""
    start, end = datetime(2026, 11, 22, 12, 0, tzinfo=UTC), datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert asked(PLAN, TEAM, start, end) == asked(PLAN, TEAM, start, end, every)


@pytest.mark.parametrize(
    ("start", "end", "person", "expected_utc"),
    [
        # Berlin leaves summer time on Sunday 25 October 2026: 09:30 is 07:30 UTC before, 08:30 after.
        (
            datetime(2026, 10, 22, 0, 0, tzinfo=UTC),
            datetime(2026, 10, 27, 0, 0, tzinfo=UTC),
            TEAM[0],
            ["2026-10-22T07:30", "2026-10-23T07:30", "2026-10-26T08:30"],
        ),
        # Los Angeles leaves daylight time on Sunday 1 November 2026: 16:30 UTC before, 17:30 after.
        (
            datetime(2026, 10, 29, 0, 0, tzinfo=UTC),
            datetime(2026, 11, 3, 0, 0, tzinfo=UTC),
            TEAM[1],
            ["2026-10-29T16:30", "2026-10-30T16:30", "2026-11-02T17:30"],
        ),
        # Auckland enters daylight time on Sunday 27 September 2026: 21:30 UTC before, 20:30 after.
        (
            datetime(2026, 9, 23, 12, 0, tzinfo=UTC),
            datetime(2026, 9, 29, 0, 0, tzinfo=UTC),
            TEAM[4],
            ["2026-09-23T21:30", "2026-09-24T21:30", "2026-09-27T20:30", "2026-09-28T20:30"],
        ),
    ],
)
def test_prompts_follow_daylight_saving_changes(
    start: datetime, end: datetime, person: Participant, expected_utc: list[str]
) -> None:
    """Across a DST change (both hemispheres) a member is still asked at 09:30 local."""
    assert expected_utc == [at.strftime("%Y-%m-%dT%H:%M") for at, _ in asked(PLAN, [person], start, end)]


def test_away_holidays_and_weekends_ask_nobody_then() -> None:
    """Someone away is not asked on their days away; a project holiday asks nobody; nor does the weekend."""
    kolkata = Participant("U0DEV2", "Asia/Kolkata", away=((date(2026, 11, 23), date(2026, 11, 24)),))
    plan = Plan(days=WEEKDAYS, prompt_minute=PLAN.prompt_minute, holidays=frozenset({date(2026, 11, 25)}))
    people = [TEAM[0], kolkata]
    prompts = asked(plan, people, datetime(2026, 11, 22, 12, 0, tzinfo=UTC), datetime(2026, 11, 30, 0, 0, tzinfo=UTC))
    by_who = {p.user_id: p for p in people}
    assert [
        ("U0DEV2", "2026-11-26"),
        ("U0DEV2", "2026-11-27"),
        ("U0LEAD", "2026-11-23"),
        ("U0LEAD", "2026-11-24"),
        ("U0LEAD", "2026-11-26"),
        ("U0LEAD", "2026-11-27"),
    ] == sorted((who, local_day(at, by_who[who]).isoformat()) for at, who in prompts)


def test_a_sunday_to_thursday_week_asks_on_sunday_and_not_on_friday() -> None:
    """The stand-up's own days decide, in each member's zone."""
    plan = Plan(days=frozenset({6, 0, 1, 2, 3}), prompt_minute=PLAN.prompt_minute)
    berlin = TEAM[0]
    prompts = asked(
        plan, [berlin], datetime(2026, 11, 26, 12, 0, tzinfo=UTC), datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    )
    assert [date(2026, 11, 29), date(2026, 11, 30)] == [local_day(at, berlin) for at, _ in prompts]
