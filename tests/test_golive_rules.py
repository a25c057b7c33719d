"""The go-live's timing rules, pure: offsets as people write them, day offsets at T's wall clock across a clock
change, hour offsets exact, the owners' heads-ups in their own zone, and what is due when."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from domain import golive as golives
from domain.calendar import WorkingHours, local_to_utc
from domain.errors import InvalidInput
from domain.golive_schedule import Offset, due, heads_up, parse_offset, poll_opens, step_moment
from handlers.golive import render
from storage.models.golive import GoLive, GoLiveStatus, GoLiveVote

BERLIN, NEW_YORK, TOKYO = "Europe/Berlin", "America/New_York", "Asia/Tokyo"
T = datetime(2027, 3, 30, 20, 0, tzinfo=UTC)  # Tuesday 22:00 in Berlin (CEST), two days after the EU change
HOURS = WorkingHours()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("T-7d", Offset(-7, 0)),
        ("t-2h", Offset(0, -120)),
        ("T+30m", Offset(0, 30)),
        ("T-1d6h", Offset(-1, -360)),
        ("T+1h15m", Offset(0, 75)),
        ("T-0", Offset()),
        ("T+0", Offset()),
        ("T", Offset()),
    ],
)
def test_offsets_are_read_as_people_write_them(said: str, expected: Offset) -> None:
    """Days, hours and minutes, either side of T, in any case; T alone is T-0."""
    assert expected == parse_offset(said)


@pytest.mark.parametrize("said", ["T-", "7d", "T-2x", "T-2h-1m", "-2h", "T-999d", "T+200h", "T-1.5h", "T-²h", ""])
def test_what_is_no_offset_is_refused_with_the_forms_it_takes(said: str) -> None:
    """No sign without an amount, no unit unknown, nothing beyond a year and a week either side."""
    with pytest.raises(InvalidInput) as refused:
        parse_offset(said)
    assert "T-7d" in refused.value.user_text() or "too far" in refused.value.user_text()


def test_offsets_are_shown_as_written() -> None:
    """An offset reads back in its own words."""
    assert ["T-7d", "T-2h", "T+30m", "T-1d6h", "T-0"] == [
        str(o) for o in (Offset(-7, 0), Offset(0, -120), Offset(0, 30), Offset(-1, -360), Offset())
    ]


def test_day_offsets_keep_the_wall_clock_across_the_clock_change_and_hours_are_exact() -> None:
    """T-7d of 22:00 Berlin after the change is 22:00 Berlin before it: 167 hours before, not 168; T-2d falls on
    the day of the change itself; T-2h and T+30m are exact."""
    week_before = step_moment(T, BERLIN, Offset(-7, 0))
    assert datetime(2027, 3, 23, 21, 0, tzinfo=UTC) == week_before  # 22:00 CET
    assert timedelta(hours=167) == T - week_before
    assert datetime(2027, 3, 28, 20, 0, tzinfo=UTC) == step_moment(T, BERLIN, Offset(-2, 0))  # 22:00 CEST
    assert T - timedelta(hours=2) == step_moment(T, BERLIN, Offset(0, -120))
    assert T + timedelta(minutes=30) == step_moment(T, BERLIN, Offset(0, 30))
    assert datetime(2027, 3, 29, 14, 0, tzinfo=UTC) == step_moment(T, BERLIN, Offset(-1, -360))


def test_a_tokyo_go_live_has_no_clock_change() -> None:
    """In a zone without DST a day is always 24 hours."""
    t = local_to_utc(date(2027, 3, 30), time(22, 0), TOKYO)
    assert timedelta(days=7) == t - step_moment(t, TOKYO, Offset(-7, 0))


def test_a_wall_time_lost_to_the_clock_change_moves_forward() -> None:
    """T at 02:30 Berlin on the day after the change: T-1d would be 02:30 on the day of the change, which does not
    exist; it is 03:30 CEST, as everywhere in pmbot."""
    t = local_to_utc(date(2027, 3, 29), time(2, 30), BERLIN)
    assert datetime(2027, 3, 28, 1, 30, tzinfo=UTC) == step_moment(t, BERLIN, Offset(-1, 0))


def test_heads_up_at_the_start_of_the_owners_working_day_or_a_quarter_hour_before() -> None:
    """A day step: 09:00 in the owner's zone on the day it falls for them (New York is already on summer time);
    when that day starts too late (Tokyo: the step is at 06:00 there) or the step is of hours, 15 minutes before."""
    week_before = step_moment(T, BERLIN, Offset(-7, 0))  # 22:00 Berlin, 17:00 New York, 06:00 Tokyo next day
    assert datetime(2027, 3, 23, 8, 0, tzinfo=UTC) == heads_up(week_before, Offset(-7, 0), owner_zone=BERLIN,
                                                               hours=HOURS)  # fmt: skip
    assert datetime(2027, 3, 23, 13, 0, tzinfo=UTC) == heads_up(week_before, Offset(-7, 0), owner_zone=NEW_YORK,
                                                                hours=HOURS)  # fmt: skip
    assert week_before - timedelta(minutes=15) == heads_up(week_before, Offset(-7, 0), owner_zone=TOKYO, hours=HOURS)
    two_hours = step_moment(T, BERLIN, Offset(0, -120))
    assert two_hours - timedelta(minutes=15) == heads_up(two_hours, Offset(0, -120), owner_zone=BERLIN, hours=HOURS)


def test_due_from_its_moment_for_twelve_hours_and_never_for_a_moment_before_the_plan() -> None:
    """Due at its moment, not a minute before; stale after twelve hours; never when planned after it passed."""
    moment, since = T, T - timedelta(days=10)
    assert not due(moment, now=moment - timedelta(minutes=1), since=since)
    assert due(moment, now=moment, since=since)
    assert due(moment, now=moment + timedelta(hours=11, minutes=59), since=since)
    assert not due(moment, now=moment + timedelta(hours=12), since=since)
    assert not due(moment, now=moment, since=moment + timedelta(minutes=1))
    assert T - timedelta(hours=1) == poll_opens(T)


PLANNED: dict[str, Any] = {"now": datetime(2026, 11, 23, 6, 0, tzinfo=UTC), "tz": "America/Los_Angeles"}  # Sun 22:00


@pytest.mark.parametrize(
    ("said", "day", "at"),
    [
        ('"Cutover" saturday 22:00', date(2026, 11, 28), time(22, 0)),
        ('"Cutover" in 2 weeks at 10pm <@U0LEAD>', date(2026, 12, 6), time(22, 0)),
        ('"Cutover" dec 12 6:30am', date(2026, 12, 12), time(6, 30)),
        ('"Cutover" tomorrow noon', date(2026, 11, 23), time(12, 0)),
        ('"Cutover" in 3 hours', date(2026, 11, 23), time(1, 0)),
    ],
)
def test_a_plan_reads_a_date_phrase_with_a_time_in_the_planners_zone(said: str, day: date, at: time) -> None:
    """Besides `2027-02-06 22:00`, a phrase the other commands read, with a time of day, in the planner's zone."""
    draft = golives.read_plan(said, **PLANNED)
    assert (day, at) == (draft.day, draft.at)


def test_a_plan_without_a_time_of_day_or_in_the_past_is_refused() -> None:
    with pytest.raises(InvalidInput, match="needs the time of day too"):
        golives.read_plan('"Cutover" saturday', **PLANNED)
    with pytest.raises(InvalidInput, match="in the past"):
        golives.read_plan('"Cutover" last friday 22:00', **PLANNED)


def test_plans_and_steps_are_read_forgivingly_and_refused_clearly() -> None:
    """Curly quotes, approvers after the time; a step's owner and condition; what cannot be read is named."""
    draft = golives.read_plan("“Payments cutover” 2027-02-06 22:00 <@U0LEAD|lead> <@U0DEV1>", **PLANNED)
    assert ("Payments cutover", date(2027, 2, 6), time(22, 0), ("U0LEAD", "U0DEV1")) == (
        draft.title,
        draft.day,
        draft.at,
        draft.approvers,
    )
    step = golives.read_step('T-3h "Notify support" <@U0DEV2|dev> if the release notes are out')
    assert (Offset(0, -180), "Notify support", "U0DEV2", "the release notes are out") == (
        step.offset,
        step.title,
        step.owner,
        step.condition,
    )
    refusals = {
        "Payments 2027-02-06 22:00": "title in quotes",
        '"Payments" tomorrow': "not a date and time",
        '"Payments" 2027-02-30 22:00': "no date and time",
        '"Payments" 2027-02-06 25:00': "no date and time",
        '"" 2027-02-06 22:00': "What is the go-live called?",
        '"Payments" 2027-02-06 22:00 soon': "I don't know what `soon` is",
        f'"{"x" * 201}" 2027-02-06 22:00': "at most 200 characters (201 now)",
    }
    for said, words in refusals.items():
        with pytest.raises(InvalidInput) as refused:
            golives.read_plan(said, **PLANNED)
        assert words in refused.value.user_text(), said
    with pytest.raises(InvalidInput, match="in quotes"):
        golives.read_step("T-3h Notify support")
    with pytest.raises(InvalidInput, match="I don't know what"):
        golives.read_step('T-3h "Notify support" <@U0DEV2> when ready')


def test_a_day_steps_heads_up_goes_on_the_owners_last_working_day_before_it() -> None:
    """A step on a Sunday (22:00 Berlin, 16:00 New York) is announced at 09:00 on the Friday before, in the owner's
    zone; a project holiday on that Friday moves it to Thursday; a heads-up whose working day started before the
    go-live was planned comes a quarter hour before the step instead; a weekday step keeps its own day."""
    sunday = step_moment(T, BERLIN, Offset(-2, 0))  # Sunday 28 March 2027, 20:00 UTC
    assert datetime(2027, 3, 26, 8, 0, tzinfo=UTC) == heads_up(sunday, Offset(-2, 0), owner_zone=BERLIN, hours=HOURS)
    assert datetime(2027, 3, 26, 13, 0, tzinfo=UTC) == heads_up(sunday, Offset(-2, 0), owner_zone=NEW_YORK,
                                                                hours=HOURS)  # fmt: skip
    friday_off = frozenset({date(2027, 3, 26)})
    assert datetime(2027, 3, 25, 8, 0, tzinfo=UTC) == heads_up(sunday, Offset(-2, 0), owner_zone=BERLIN, hours=HOURS,
                                                               holidays=friday_off)  # fmt: skip
    planned = datetime(2027, 3, 27, 10, 0, tzinfo=UTC)  # on the Saturday
    assert sunday - timedelta(minutes=15) == heads_up(sunday, Offset(-2, 0), owner_zone=BERLIN, hours=HOURS,
                                                      not_before=planned)  # fmt: skip
    six_day_week = WorkingHours(days=frozenset(range(6)))
    assert datetime(2027, 3, 27, 8, 0, tzinfo=UTC) == heads_up(sunday, Offset(-2, 0), owner_zone=BERLIN,
                                                               hours=six_day_week)  # fmt: skip
    tuesday = step_moment(T, BERLIN, Offset(-7, 0))
    assert datetime(2027, 3, 23, 8, 0, tzinfo=UTC) == heads_up(tuesday, Offset(-7, 0), owner_zone=BERLIN, hours=HOURS,
                                                               holidays=friday_off)  # fmt: skip


def test_the_polls_result_keeps_every_reason_within_slacks_section_limit() -> None:
    """Ten approvers' no-go reasons of 500 characters each: the result shows every one, in sections of at most 3,000
    characters."""
    approvers = [f"U0APP{n}" for n in range(10)]
    golive = GoLive(number=1, title="Cutover", at=T, zone=BERLIN, approver_ids=approvers, status=GoLiveStatus.NO_GO,
                    steps=[], votes=[GoLiveVote(user_id=a, vote="no_go", comment=f"{n} " + "why " * 124, at=T)
                                     for n, a in enumerate(approvers)])  # fmt: skip
    _, blocks = render.result(golive)
    sections = [b["text"]["text"] for b in blocks]
    assert max(len(s) for s in sections) <= 3000 and len(blocks) <= 50
    shown = "\n".join(sections)
    assert all(f"<@U0APP{n}> no-go: {n} why" in shown for n in range(10))
    assert "…" not in shown and "a lead may `/golive start G-1`" in shown
