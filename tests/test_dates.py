"""Tests for domain.due_phrases and domain.calendar: due-date phrases read in the creator's time zone, locale and
working hours, and the working days they land on."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import (
    WorkingHours,
    describe,
    end_of_working_day,
    is_working_day,
    next_working_day,
    start_of_working_day,
    working_days_after,
    working_days_between,
)
from domain.due_phrases import parse_when, split_due, warm_up
from domain.errors import DueDateError

ZONES = ["America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Auckland"]
SUN_THU = WorkingHours(start=time(8, 0), end=time(16, 0), days=frozenset({6, 0, 1, 2, 3}))


def local(tz: str, y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """Return the wall time in tz as an aware UTC datetime (first occurrence of an ambiguous time)."""
    return datetime(y, mo, d, h, mi, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def wednesday(tz: str) -> datetime:
    """Return Wed 2 Dec 2026, 10:00 local: the 'now' most tests read phrases against."""
    return local(tz, 2026, 12, 2, 10)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """Return an aware UTC datetime."""
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


# Phrase -> expected local wall time, read on Wed 2 Dec 2026 at 10:00 with the default Mon-Fri 9-17 week.
PHRASES = [
    ("today", (2026, 12, 2, 17, 0)),
    ("Today", (2026, 12, 2, 17, 0)),
    ("tomorrow", (2026, 12, 3, 17, 0)),
    ("TOMORROW", (2026, 12, 3, 17, 0)),
    ("tomorrow 5pm", (2026, 12, 3, 17, 0)),
    ("tomorrow at 17:30", (2026, 12, 3, 17, 30)),
    ("5pm tomorrow", (2026, 12, 3, 17, 0)),
    ("tomorrow morning", (2026, 12, 3, 9, 0)),
    ("friday", (2026, 12, 4, 17, 0)),
    ("Fri", (2026, 12, 4, 17, 0)),
    ("this friday", (2026, 12, 4, 17, 0)),
    ("friday 3pm", (2026, 12, 4, 15, 0)),
    ("next tue", (2026, 12, 8, 17, 0)),
    ("next tuesday", (2026, 12, 8, 17, 0)),
    ("Next Tuesday", (2026, 12, 8, 17, 0)),
    ("in 3 days", (2026, 12, 5, 17, 0)),
    ("in 1 week", (2026, 12, 9, 17, 0)),
    ("in two weeks", (2026, 12, 16, 17, 0)),
    ("in 3 days at 10am", (2026, 12, 5, 10, 0)),
    ("Dec 3", (2026, 12, 3, 17, 0)),
    ("December 3", (2026, 12, 3, 17, 0)),
    ("3 Dec", (2026, 12, 3, 17, 0)),
    ("3rd of December", (2026, 12, 3, 17, 0)),
    ("Dec 3 2026", (2026, 12, 3, 17, 0)),
    ("Dec 3, 2026", (2026, 12, 3, 17, 0)),
    ("Dec 3 at 2pm", (2026, 12, 3, 14, 0)),
    ("dec 3 at 2:30 p.m.", (2026, 12, 3, 14, 30)),
    ("2026-12-03", (2026, 12, 3, 17, 0)),
    ("2026-12-03 14:00", (2026, 12, 3, 14, 0)),
    ("2026-12-03T14:00", (2026, 12, 3, 14, 0)),
    ("3/12/2027", (2027, 3, 12, 17, 0)),
    ("EOD", (2026, 12, 2, 17, 0)),
    ("eod", (2026, 12, 2, 17, 0)),
    ("COB", (2026, 12, 2, 17, 0)),
    ("end of day", (2026, 12, 2, 17, 0)),
    ("EOW", (2026, 12, 4, 17, 0)),
    ("end of week", (2026, 12, 4, 17, 0)),
    ("end of the week", (2026, 12, 4, 17, 0)),
    ("end of next week", (2026, 12, 11, 17, 0)),
    ("end of month", (2026, 12, 31, 17, 0)),
    ("end of next month", (2027, 1, 29, 17, 0)),
    ("next week", (2026, 12, 7, 9, 0)),
    ("next month", (2027, 1, 1, 9, 0)),
    ("noon", (2026, 12, 2, 12, 0)),
    ("5pm", (2026, 12, 2, 17, 0)),
    ("at 5pm", (2026, 12, 2, 17, 0)),
    ("17:30", (2026, 12, 2, 17, 30)),
    ("9am", (2026, 12, 3, 9, 0)),
    ("by friday", (2026, 12, 4, 17, 0)),
    ("the 3rd", (2026, 12, 3, 17, 0)),
    ("Fri 4 Dec 2026, 17:00", (2026, 12, 4, 17, 0)),
]


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize(("phrase", "wall"), PHRASES)
def test_parse_when_reads_common_phrases_in_local_time(tz: str, phrase: str, wall: tuple[int, ...]) -> None:
    """Each supported phrase lands on the expected local wall time in every zone."""
    assert local(tz, *wall) == parse_when(phrase, now=wednesday(tz), tz=tz)


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize(
    ("phrase", "delta"),
    [
        ("in 2 hours", timedelta(hours=2)),
        ("in 30 minutes", timedelta(minutes=30)),
        ("in 90m", timedelta(hours=1.5)),
    ],
)
def test_parse_when_minutes_and_hours_are_exact_elapsed_time(tz: str, phrase: str, delta: timedelta) -> None:
    """'in N hours/minutes' is now plus exactly that much time."""
    now = wednesday(tz)
    assert now + delta == parse_when(phrase, now=now, tz=tz)


@pytest.mark.parametrize(
    ("locale", "wall"),
    [
        (None, (2027, 3, 12, 17, 0)),
        ("en-US", (2027, 3, 12, 17, 0)),
        ("en-GB", (2026, 12, 3, 17, 0)),
        ("de-DE", (2026, 12, 3, 17, 0)),
    ],
)
def test_numeric_date_is_month_first_only_for_en_us(locale: str | None, wall: tuple[int, ...]) -> None:
    """'3/12' is March 12 for en-US (and no locale) but 3 December for en-GB and others."""
    tz = "Europe/Berlin"
    assert local(tz, *wall) == parse_when("3/12", now=wednesday(tz), tz=tz, locale=locale)


@pytest.mark.parametrize(("locale", "wall"), [("en-US", (2027, 3, 12, 17)), ("en-GB", (2027, 12, 3, 17))])
def test_numeric_date_with_year_follows_locale(locale: str, wall: tuple[int, ...]) -> None:
    """'3/12/2027' follows the same month/day order as '3/12'."""
    tz = "America/Los_Angeles"
    assert local(tz, *wall) == parse_when("3/12/2027", now=wednesday(tz), tz=tz, locale=locale)


def test_dotted_date_is_day_first() -> None:
    """'3.12.' (as typed in de-DE) is 3 December."""
    tz = "Europe/Berlin"
    assert local(tz, 2026, 12, 3, 17) == parse_when("3.12.", now=wednesday(tz), tz=tz, locale="de-DE")


def test_dateparser_fallback_reads_other_phrases() -> None:
    """Phrases our own layer does not know are read by dateparser, with a time kept as given."""
    tz = "Europe/Berlin"
    assert local(tz, 2026, 12, 2, 20) == parse_when("tonight", now=wednesday(tz), tz=tz)


def test_dateparser_fallback_date_without_time_is_end_of_day() -> None:
    """A dateparser date without a time of day lands at the end of the working day."""
    tz = "Asia/Kolkata"
    assert local(tz, 2026, 12, 12, 17) == parse_when("december the 12th", now=wednesday(tz), tz=tz)


# --- weekday and month/day rules ------------------------------------------------------------------------


def test_weekday_today_while_still_ahead() -> None:
    """'friday' typed on a Friday at 10:00 is today at 17:00."""
    tz = "Europe/Berlin"
    assert local(tz, 2026, 12, 4, 17) == parse_when("friday", now=local(tz, 2026, 12, 4, 10), tz=tz)


def test_weekday_after_end_of_day_is_next_week() -> None:
    """'friday' typed on a Friday at 18:00 is next Friday at 17:00."""
    tz = "Europe/Berlin"
    assert local(tz, 2026, 12, 11, 17) == parse_when("friday", now=local(tz, 2026, 12, 4, 18), tz=tz)


def test_next_weekday_is_strictly_after_today() -> None:
    """'next friday' typed on a Friday morning is the Friday after."""
    tz = "Europe/Berlin"
    assert local(tz, 2026, 12, 11, 17) == parse_when("next friday", now=local(tz, 2026, 12, 4, 10), tz=tz)


def test_next_weekday_can_be_tomorrow() -> None:
    """'next tue' typed on a Monday is the next day."""
    tz = "Europe/Berlin"
    assert local(tz, 2026, 12, 8, 17) == parse_when("next tue", now=local(tz, 2026, 12, 7, 10), tz=tz)


def test_month_day_without_year_rolls_to_next_year() -> None:
    """'Dec 3' typed on Dec 10 means next year's Dec 3."""
    tz = "Pacific/Auckland"
    assert local(tz, 2027, 12, 3, 17) == parse_when("Dec 3", now=local(tz, 2026, 12, 10, 9), tz=tz)


def test_feb_29_without_year_finds_next_leap_year() -> None:
    """'Feb 29' typed in 2026 is 29 Feb 2028."""
    tz = "Europe/Berlin"
    assert local(tz, 2028, 2, 29, 17) == parse_when("Feb 29", now=wednesday(tz), tz=tz)


def test_bare_time_after_it_passed_is_tomorrow() -> None:
    """A bare time of day that has passed today means tomorrow at that time."""
    tz = "Asia/Kathmandu"
    assert local(tz, 2026, 12, 3, 12) == parse_when("noon", now=local(tz, 2026, 12, 2, 13), tz=tz)


# --- refusals ---------------------------------------------------------------------------------------------


def test_full_date_in_the_past_is_refused_naming_the_date() -> None:
    """'Dec 3 2026' typed on Dec 10 2026 is refused and the message names the date understood."""
    tz = "Europe/Berlin"
    with pytest.raises(DueDateError) as caught:
        parse_when("Dec 3 2026", now=local(tz, 2026, 12, 10, 9), tz=tz)
    assert "Thu 3 Dec 2026, 17:00 (Europe/Berlin)" in caught.value.message
    assert caught.value.hint


@pytest.mark.parametrize("phrase", ["yesterday", "2020-01-01", "today 9am", "in 0 minutes", "3/12/2025"])
def test_past_phrases_are_refused(phrase: str) -> None:
    """Dates with a year and relative phrases that land in the past are refused."""
    tz = "America/Los_Angeles"
    with pytest.raises(DueDateError, match="in the past"):
        parse_when(phrase, now=wednesday(tz), tz=tz)


@pytest.mark.parametrize(
    ("phrase", "locale"),
    [
        ("blorsday", None),
        ("2026-13-45", None),
        ("31/02", "en-GB"),
        ("31/02", "en-US"),
        ("Feb 30", None),
        ("13pm", None),
        ("25:00", None),
        ("", None),
        ("   ", None),
        ("by", None),
        ("may", None),
        ("morning", None),
        ("Mon 4 Dec 2026", None),
    ],
)
def test_unreadable_phrases_are_refused_with_a_hint(phrase: str, locale: str | None) -> None:
    """A phrase that is not a (single, existing) day is refused with a hint on how to say it."""
    tz = "Europe/Berlin"
    with pytest.raises(DueDateError) as caught:
        parse_when(phrase, now=wednesday(tz), tz=tz, locale=locale)
    assert "tomorrow 5pm" in (caught.value.hint or "")


def test_refusal_quotes_user_text_escaped_for_slack() -> None:
    """User text quoted in a refusal cannot turn into a Slack mention or link."""
    with pytest.raises(DueDateError) as caught:
        parse_when("<!channel> soon", now=utc(2026, 12, 2, 9), tz="UTC")
    expected = 'I couldn\'t read "&lt;!channel&gt; soon" as a date.'
    assert expected == caught.value.message


def test_unknown_time_zone_is_refused() -> None:
    """An unknown IANA zone raises DueDateError, not ZoneInfoNotFoundError."""
    with pytest.raises(DueDateError, match="time zone"):
        parse_when("friday", now=utc(2026, 12, 2, 9), tz="Mars/Olympus_Mons")


def test_naive_now_is_a_programming_error() -> None:
    """A naive 'now' is rejected loudly rather than guessed."""
    with pytest.raises(ValueError, match="aware"):
        parse_when("friday", now=datetime(2026, 12, 2, 9), tz="UTC")


# --- EOD / EOW / end of month -------------------------------------------------------------------------------


def test_eod_after_working_day_ended_is_refused() -> None:
    """'EOD' after 17:00 on a working day is refused, saying so, with a hint for tomorrow."""
    tz = "Europe/Berlin"
    with pytest.raises(DueDateError) as caught:
        parse_when("EOD", now=local(tz, 2026, 12, 2, 17, 30), tz=tz)
    expected = ("End of today's working day (17:00) has already passed.", 'Try "tomorrow" or "tomorrow 5pm".')
    assert expected == (caught.value.message, caught.value.hint)


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("day", [5, 6])
def test_eod_on_weekend_is_end_of_next_working_day(tz: str, day: int) -> None:
    """'EOD' on a Saturday or Sunday is the end of Monday's working day."""
    assert local(tz, 2026, 12, 7, 17) == parse_when("EOD", now=local(tz, 2026, 12, day, 11), tz=tz)


def test_eod_before_work_starts_is_today() -> None:
    """'COB' early on a working day is the end of that day."""
    tz = "Asia/Kolkata"
    assert local(tz, 2026, 12, 2, 17) == parse_when("COB", now=local(tz, 2026, 12, 2, 6), tz=tz)


@pytest.mark.parametrize("now_wall", [(2026, 12, 4, 17, 1), (2026, 12, 5, 10, 0), (2026, 12, 6, 10, 0)])
def test_eow_after_last_working_day_is_refused(now_wall: tuple[int, ...]) -> None:
    """'EOW' after Friday's working day has ended (Friday evening, the weekend) is refused."""
    tz = "Europe/Berlin"
    with pytest.raises(DueDateError) as caught:
        parse_when("EOW", now=local(tz, *now_wall), tz=tz)
    assert "Fri 4 Dec 2026, 17:00 (Europe/Berlin)" in caught.value.message
    assert "end of next week" in (caught.value.hint or "")


def test_end_of_next_week_on_weekend() -> None:
    """'end of next week' on a Saturday is the Friday after the coming Monday."""
    tz = "Europe/Berlin"
    assert local(tz, 2026, 12, 11, 17) == parse_when("end of next week", now=local(tz, 2026, 12, 5, 10), tz=tz)


def test_next_week_on_sunday_is_tomorrow_morning() -> None:
    """'next week' on a Sunday is Monday at the start of the working day."""
    tz = "Pacific/Auckland"
    assert local(tz, 2026, 12, 7, 9) == parse_when("next week", now=local(tz, 2026, 12, 6, 10), tz=tz)


def test_end_of_month_skips_weekend() -> None:
    """'end of month' in January 2027 is Friday 29 Jan, the last working day."""
    tz = "America/Los_Angeles"
    assert local(tz, 2027, 1, 29, 17) == parse_when("end of month", now=local(tz, 2027, 1, 20, 9), tz=tz)


def test_end_of_month_after_it_ended_is_refused() -> None:
    """'end of month' after the month's last working day ended is refused."""
    tz = "America/Los_Angeles"
    with pytest.raises(DueDateError, match="month's last working day"):
        parse_when("end of month", now=local(tz, 2027, 1, 30, 9), tz=tz)


# --- custom working hours: 08:00-16:00, Sunday to Thursday -----------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "now_wall", "wall"),
    [
        ("tomorrow", (2026, 12, 2, 10), (2026, 12, 3, 16)),
        ("tomorrow morning", (2026, 12, 2, 10), (2026, 12, 3, 8)),
        ("EOD", (2026, 12, 2, 10), (2026, 12, 2, 16)),
        ("EOD", (2026, 12, 4, 10), (2026, 12, 6, 16)),
        ("EOW", (2026, 12, 2, 10), (2026, 12, 3, 16)),
        ("next week", (2026, 12, 2, 10), (2026, 12, 6, 8)),
        ("next week", (2026, 12, 5, 10), (2026, 12, 6, 8)),
        ("end of next week", (2026, 12, 2, 10), (2026, 12, 10, 16)),
        ("end of month", (2027, 1, 20, 10), (2027, 1, 31, 16)),
        ("Dec 10", (2026, 12, 2, 10), (2026, 12, 10, 16)),
    ],
)
def test_custom_working_hours(phrase: str, now_wall: tuple[int, ...], wall: tuple[int, ...]) -> None:
    """A Sunday-Thursday, 08:00-16:00 team gets its own ends of day, weeks and months."""
    tz = "Asia/Kolkata"
    assert local(tz, *wall) == parse_when(phrase, now=local(tz, *now_wall), tz=tz, hours=SUN_THU)


def test_custom_working_week_eow_on_friday_is_refused() -> None:
    """For a Sunday-Thursday team, 'EOW' on Friday is refused: Thursday's working day has ended."""
    tz = "Asia/Kolkata"
    with pytest.raises(DueDateError, match="Thu 3 Dec 2026, 16:00"):
        parse_when("EOW", now=local(tz, 2026, 12, 4, 10), tz=tz, hours=SUN_THU)


def test_custom_eod_refusal_hint_uses_team_end_of_day() -> None:
    """The EOD refusal names the team's own end of day."""
    tz = "Asia/Kolkata"
    with pytest.raises(DueDateError) as caught:
        parse_when("EOD", now=local(tz, 2026, 12, 2, 16, 5), tz=tz, hours=SUN_THU)
    expected = ("End of today's working day (16:00) has already passed.", 'Try "tomorrow" or "tomorrow 4pm".')
    assert expected == (caught.value.message, caught.value.hint)


@pytest.mark.parametrize(
    "bad",
    [
        {"start": time(17, 0), "end": time(9, 0)},
        {"days": frozenset()},
        {"days": frozenset({7})},
    ],
)
def test_working_hours_reject_impossible_settings(bad: dict[str, object]) -> None:
    """WorkingHours refuses a day that ends before it starts, or no/invalid working days."""
    with pytest.raises(ValueError):
        WorkingHours(**bad)  # type: ignore[arg-type]


# --- DST, odd offsets, the date line ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "phrase", "now_wall", "expected"),
    [
        # Europe/Berlin falls back on 2026-10-25: 17:00 CET is 16:00 UTC, 17:00 CEST was 15:00 UTC.
        ("Europe/Berlin", "in 3 days", (2026, 10, 23, 10), utc(2026, 10, 26, 16)),
        ("Europe/Berlin", "next tue", (2026, 10, 23, 10), utc(2026, 10, 27, 16)),
        ("Europe/Berlin", "tomorrow", (2026, 10, 24, 10), utc(2026, 10, 25, 16)),
        # Los Angeles falls back on 2026-11-01: 17:00 PST is 01:00 UTC the next day.
        ("America/Los_Angeles", "in 3 days", (2026, 10, 29, 10), utc(2026, 11, 2, 1)),
        ("America/Los_Angeles", "next tue", (2026, 10, 29, 10), utc(2026, 11, 4, 1)),
        # Los Angeles springs forward on 2026-03-08; Berlin on 2026-03-29.
        ("America/Los_Angeles", "next monday", (2026, 3, 6, 10), utc(2026, 3, 10, 0)),
        ("Europe/Berlin", "in 3 days", (2026, 3, 27, 10), utc(2026, 3, 30, 15)),
        # Auckland (southern hemisphere) falls back on 2026-04-05 and springs forward on 2026-09-27.
        ("Pacific/Auckland", "in 3 days", (2026, 4, 2, 10), utc(2026, 4, 5, 5)),
        ("Pacific/Auckland", "next tue", (2026, 4, 2, 10), utc(2026, 4, 7, 5)),
        ("Pacific/Auckland", "in 3 days", (2026, 9, 24, 10), utc(2026, 9, 27, 4)),
        ("Pacific/Auckland", "next tue", (2026, 9, 24, 10), utc(2026, 9, 29, 4)),
    ],
)
def test_local_end_of_day_is_right_across_dst(
    tz: str, phrase: str, now_wall: tuple[int, ...], expected: datetime
) -> None:
    """Day-based phrases spanning a DST change land at 17:00 local in the new offset."""
    assert expected == parse_when(phrase, now=local(tz, *now_wall), tz=tz)


def test_hours_across_dst_gap_are_elapsed_time() -> None:
    """'in 2 hours' at 01:30 on Berlin's spring-forward night is 04:30 CEST (two real hours later)."""
    tz = "Europe/Berlin"
    assert utc(2026, 3, 29, 2, 30) == parse_when("in 2 hours", now=local(tz, 2026, 3, 29, 1, 30), tz=tz)


@pytest.mark.parametrize(
    ("tz", "phrase", "expected"),
    [
        ("Europe/Berlin", "2026-03-29 02:30", utc(2026, 3, 29, 1, 30)),  # gap: 02:30 reads as 03:30 CEST
        ("America/Los_Angeles", "2026-03-08 02:30", utc(2026, 3, 8, 10, 30)),  # gap: 03:30 PDT
        ("Europe/Berlin", "2026-10-25 02:30", utc(2026, 10, 25, 0, 30)),  # fold: first, CEST
        ("America/Los_Angeles", "2026-11-01 01:30", utc(2026, 11, 1, 8, 30)),  # fold: first, PDT
    ],
)
def test_nonexistent_times_move_forward_and_ambiguous_take_first(tz: str, phrase: str, expected: datetime) -> None:
    """A local time in a DST gap moves forward by the gap; an ambiguous one is its first occurrence."""
    assert expected == parse_when(phrase, now=utc(2026, 1, 10), tz=tz)


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        ("Asia/Kolkata", utc(2026, 12, 3, 11, 30)),
        ("Asia/Kathmandu", utc(2026, 12, 3, 11, 15)),
        ("America/St_Johns", utc(2026, 12, 3, 20, 30)),
    ],
)
def test_half_and_quarter_hour_offsets(tz: str, expected: datetime) -> None:
    """'tomorrow 5pm' honours +05:30, +05:45 and -03:30 offsets."""
    assert expected == parse_when("tomorrow 5pm", now=wednesday(tz), tz=tz)


@pytest.mark.parametrize(
    ("tz", "phrase", "expected"),
    [
        ("Pacific/Kiritimati", "today", utc(2026, 12, 3, 3)),  # +14: it is already Thu 3 Dec there
        ("Pacific/Kiritimati", "tomorrow", utc(2026, 12, 4, 3)),
        ("Pacific/Pago_Pago", "today", utc(2026, 12, 3, 4)),  # -11: it is Wed 2 Dec, 01:00 there
        ("Pacific/Auckland", "today", utc(2026, 12, 3, 4)),  # +13 in summer: Thu 3 Dec
    ],
)
def test_today_follows_the_creators_date_across_the_date_line(tz: str, phrase: str, expected: datetime) -> None:
    """At one UTC instant, 'today' means each creator's own local date."""
    assert expected == parse_when(phrase, now=utc(2026, 12, 2, 12), tz=tz)


def test_far_future_that_cannot_be_represented_is_refused() -> None:
    """A date whose UTC form would overflow is refused, not crashed on."""
    with pytest.raises(DueDateError):
        parse_when("Dec 31 9999", now=utc(2026, 12, 2), tz="Pacific/Pago_Pago")


# --- split_due ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title", "wall"),
    [
        ("fix DNS for the may release", "fix DNS for the may release", None),
        ("call March about the budget tomorrow", "call March about the budget", (2026, 12, 3, 17)),
        ("send the deck by friday", "send the deck", (2026, 12, 4, 17)),
        ("send the deck due friday", "send the deck", (2026, 12, 4, 17)),
        ("send the deck before Dec 3", "send the deck", (2026, 12, 3, 17)),
        ("send the deck on 2026-12-03", "send the deck", (2026, 12, 3, 17)),
        ("send the deck due by friday", "send the deck", (2026, 12, 4, 17)),
        ("send the deck, by friday.", "send the deck", (2026, 12, 4, 17)),
        ("send the deck - friday", "send the deck", (2026, 12, 4, 17)),
        ("  send the deck   by   Friday  ", "send the deck", (2026, 12, 4, 17)),
        ("work on the parser", "work on the parser", None),
        ("review the PR by Alice", "review the PR by Alice", None),
        ("prepare slides before the demo", "prepare slides before the demo", None),
        ("reduce latency by 50%", "reduce latency by 50%", None),
        ("upgrade python by 3.12", "upgrade python by 3.12", None),
        ("call vendor tomorrow 5pm", "call vendor", (2026, 12, 3, 17)),
        ("call vendor 5pm", "call vendor", (2026, 12, 2, 17)),
        ("draft notes in 3 days", "draft notes", (2026, 12, 5, 17)),
        ("plan the offsite next week", "plan the offsite", (2026, 12, 7, 9)),
        ("send report EOD", "send report", (2026, 12, 2, 17)),
        ("renew cert 3/12", "renew cert", (2027, 3, 12, 17)),
        ("meet on the roof tomorrow", "meet on the roof", (2026, 12, 3, 17)),
        ("rehearse before the demo on friday", "rehearse before the demo", (2026, 12, 4, 17)),
        ("review the PR by Jan", "review the PR by Jan", None),
        ("split costs by 50/50", "split costs by 50/50", None),
        ("demo on morning standup", "demo on morning standup", None),
        ("lunch by noon", "lunch", (2026, 12, 2, 12)),
        ("send invoice on the 3rd", "send invoice", (2026, 12, 3, 17)),
        ("ship by the end of the week", "ship", (2026, 12, 4, 17)),
        ("pay vendor due: Dec 3", "pay vendor", (2026, 12, 3, 17)),
        ("notes from the call yesterday", "notes from the call yesterday", None),
        ("read the sun", "read the sun", None),
        ("tomorrow", "", (2026, 12, 3, 17)),
        ("", "", None),
    ],
)
def test_split_due_takes_only_a_trailing_clause(text: str, title: str, wall: tuple[int, ...] | None) -> None:
    """The title keeps everything except a trailing due clause and its keyword."""
    tz = "Europe/Berlin"
    due = local(tz, *wall) if wall else None
    assert (title, due) == split_due(text, now=wednesday(tz), tz=tz)


@pytest.mark.parametrize("tz", ZONES)
def test_split_due_reads_in_creators_zone(tz: str) -> None:
    """The trailing clause is read in the creator's time zone."""
    assert ("ship it", local(tz, 2026, 12, 8, 17)) == split_due("ship it by next tue", now=wednesday(tz), tz=tz)


@pytest.mark.parametrize(
    ("locale", "wall"),
    [("en-US", (2027, 3, 12, 17)), ("en-GB", (2026, 12, 3, 17)), ("de-DE", (2026, 12, 3, 17))],
)
def test_split_due_numeric_date_follows_locale(locale: str, wall: tuple[int, ...]) -> None:
    """'by 3/12' is read month-first only for en-US."""
    tz = "Europe/Berlin"
    assert ("pay invoice", local(tz, *wall)) == split_due(
        "pay invoice by 3/12", now=wednesday(tz), tz=tz, locale=locale
    )


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("ship it by 2026-13-45", None),
        ("ship it due blorsday", None),
        ("ship it by 31/02", "en-GB"),
        ("ship it by 31/02", "en-US"),
        ("ship it by yesterday", None),
        ("ship it on 2020-01-01", None),
        ("ship it due Q3", None),
        ("ship it by 13pm", None),
    ],
)
def test_split_due_refuses_unreadable_or_past_keyword_clause(text: str, locale: str | None) -> None:
    """A keyword clause meant as a date that is unreadable or past raises DueDateError with a hint."""
    tz = "Europe/Berlin"
    with pytest.raises(DueDateError) as caught:
        split_due(text, now=wednesday(tz), tz=tz, locale=locale)
    assert caught.value.hint


def test_split_due_past_refusal_names_the_date() -> None:
    """Refusing 'on 2020-01-01' says which date was understood."""
    tz = "Europe/Berlin"
    with pytest.raises(DueDateError, match=r"Wed 1 Jan 2020, 17:00 \(Europe/Berlin\)"):
        split_due("ship it on 2020-01-01", now=wednesday(tz), tz=tz)


def test_split_due_bare_eod_after_hours_is_refused() -> None:
    """A bare trailing 'EOD' after the working day ended is refused rather than kept in the title."""
    tz = "Europe/Berlin"
    with pytest.raises(DueDateError, match="already passed"):
        split_due("send report EOD", now=local(tz, 2026, 12, 2, 18), tz=tz)


@pytest.mark.parametrize(
    "text",
    [
        "ping <@U123ABC>",
        "post in <#C123|general>",
        "read <https://example.com/2026-12-03|the notes>",
        "read <https://example.com/3/12>",
        "read https://example.com/friday",
        "ask <@U123ABC|dec 3>",
    ],
)
def test_split_due_never_reads_slack_tokens_or_urls(text: str) -> None:
    """Mentions, channels and links stay in the title and are never read as dates."""
    tz = "Europe/Berlin"
    assert (text, None) == split_due(text, now=wednesday(tz), tz=tz)


def test_split_due_reads_date_after_slack_token() -> None:
    """A due clause after a mention is still read, and the mention stays in the title."""
    tz = "Europe/Berlin"
    assert ("ask <@U123ABC> about <#C1|ops>", local(tz, 2026, 12, 4, 17)) == split_due(
        "ask <@U123ABC> about <#C1|ops> by friday", now=wednesday(tz), tz=tz
    )


def test_split_due_long_title_with_date() -> None:
    """A 10 kB title with a trailing date keeps the whole title and reads the date."""
    tz = "Europe/Berlin"
    title = "word " * 2000
    assert (title.strip(), local(tz, 2026, 12, 4, 17)) == split_due(title + "by friday", now=wednesday(tz), tz=tz)


HOSTILE = [
    "",
    " ",
    "\x00",
    "\x00by friday\x07",
    "\u202eyadirf yb",
    "by \u200bfriday",
    "💥" * 500,
    "x" * 10_000,
    "by " + "9" * 10_000,
    "due " + "a " * 5_000,
    " ," * 5_000 + "x by friday",
    "<" * 5_000,
    "'; DROP TABLE actions; --",
    "Robert'); DROP TABLE students;-- by friday",
    "${jndi:ldap://x/a} by friday",
    "by 0/0",
    "by 00:00:00",
    "on 2026-02-29",
    "by 29/02/2027",
    "due \t\n",
    "by <@U1>",
    "due ١٢/٣",
    "due \uff12\uff10\uff12\uff16-\uff11\uff12-\uff10\uff13",  # full-width digits
    "by 3.12.",
    "by 12am",
    "in 99999 days",
    "in 9999 months",
    "due Dec 31 9999",
    "due 9999-12-31 23:59",
    "due 0001-01-01",
    "by the end of next week",
    "due %s %d {0} \\N{BELL}",
    "by -1 days",
    "in -3 days",
    "due next next next friday",
    "due " + "friday " * 50,
]


@pytest.mark.parametrize("tz", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Berlin"])
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_returns_or_raises_due_date_error_only(tz: str, text: str) -> None:
    """Any string gives a result or a DueDateError, never another exception."""
    now = utc(2026, 12, 2, 12)
    for call in (parse_when, split_due):
        try:
            call(text, now=now, tz=tz, locale="en-GB")
        except DueDateError as err:
            assert err.message


# --- helpers -----------------------------------------------------------------------------------------------


def test_describe_renders_local_time_with_zone() -> None:
    """describe() shows weekday, date, 24-hour time and the zone name."""
    expected = "Fri 4 Dec 2026, 17:00 (Europe/Berlin)"
    assert expected == describe(utc(2026, 12, 4, 16), tz="Europe/Berlin")


def test_describe_refuses_naive_datetimes() -> None:
    """describe() refuses a naive datetime instead of guessing its zone."""
    with pytest.raises(ValueError):
        describe(datetime(2026, 12, 4, 16), tz="UTC")


@pytest.mark.parametrize(
    ("day", "expected_end", "expected_start"),
    [
        (date(2026, 10, 23), utc(2026, 10, 23, 15), utc(2026, 10, 23, 7)),  # CEST
        (date(2026, 10, 26), utc(2026, 10, 26, 16), utc(2026, 10, 26, 8)),  # CET
    ],
)
def test_working_day_bounds_across_dst(day: date, expected_end: datetime, expected_start: datetime) -> None:
    """Start and end of the working day are 09:00 and 17:00 local on both sides of a DST change."""
    hours = WorkingHours()
    assert expected_end == end_of_working_day(day, tz="Europe/Berlin", hours=hours)
    assert expected_start == start_of_working_day(day, tz="Europe/Berlin", hours=hours)


@pytest.mark.parametrize(
    ("day", "hours", "expected"),
    [
        (date(2026, 12, 4), WorkingHours(), date(2026, 12, 7)),
        (date(2026, 12, 2), WorkingHours(), date(2026, 12, 3)),
        (date(2026, 12, 5), WorkingHours(), date(2026, 12, 7)),
        (date(2026, 12, 3), SUN_THU, date(2026, 12, 6)),
        (date(2026, 12, 6), SUN_THU, date(2026, 12, 7)),
    ],
)
def test_next_working_day_is_strictly_after(day: date, hours: WorkingHours, expected: date) -> None:
    """next_working_day skips non-working days and never returns the day itself."""
    assert expected == next_working_day(day, hours)


def test_is_working_day_follows_the_days_set() -> None:
    """Sunday is a working day for a Sunday-Thursday team and Friday is not."""
    expected = (True, False, False, True)
    assert expected == (
        is_working_day(date(2026, 12, 6), SUN_THU),
        is_working_day(date(2026, 12, 4), SUN_THU),
        is_working_day(date(2026, 12, 6), WorkingHours()),
        is_working_day(date(2026, 12, 4), WorkingHours()),
    )


def test_the_clock_is_never_read() -> None:
    """Results depend only on the 'now' passed in, also on the dateparser path."""
    tz = "Europe/Berlin"
    now = wednesday(tz)
    with freeze_time("1999-06-15 03:00:00"):
        assert local(tz, 2026, 12, 4, 17) == parse_when("friday", now=now, tz=tz)
        assert local(tz, 2026, 12, 2, 20) == parse_when("tonight", now=now, tz=tz)


def test_warm_up_runs_cleanly() -> None:
    """warm_up() makes a dateparser call without raising or warning."""
    warm_up()


def _day_by_day(first: date, last: date, hours: WorkingHours) -> int:
    """The reference count: walk the days after `first` up to `last`, one at a time."""
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        count += is_working_day(day, hours)
    return count


WEEKDAY_SETS = st.frozensets(st.integers(min_value=0, max_value=6), min_size=1)
DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31))


@settings(max_examples=400, deadline=None)
@given(first=DAYS, last=DAYS, days=WEEKDAY_SETS)
def test_working_days_in_closed_form_equal_the_day_by_day_count(first: date, last: date, days: frozenset[int]) -> None:
    """Whole weeks times working days a week plus the remainder counts what walking day by day counts."""
    hours = WorkingHours(days=days)
    assert _day_by_day(first, last, hours) == working_days_after(first, last, hours)


ALL_ZONES = [*ZONES, "UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Santiago", "Australia/Lord_Howe"]
MOMENTS = st.datetimes(min_value=datetime(2021, 1, 1), max_value=datetime(2031, 1, 1), timezones=st.just(UTC))


@settings(max_examples=400, deadline=None)
@given(start=MOMENTS, end=MOMENTS, tz=st.sampled_from(ALL_ZONES), days=WEEKDAY_SETS)
def test_working_days_between_moments_equal_the_day_by_day_count_in_every_zone(
    start: datetime, end: datetime, tz: str, days: frozenset[int]
) -> None:
    """Between two instants, the working days after the first's local date up to the second's are the same
    counted in closed form as day by day (capped at 1000, as the status rules always were)."""
    hours = WorkingHours(days=days)
    first, last = start.astimezone(ZoneInfo(tz)).date(), end.astimezone(ZoneInfo(tz)).date()
    assert min(1000, _day_by_day(first, last, hours)) == working_days_between(start, end, tz=tz, hours=hours)


@pytest.mark.parametrize(
    "days", [frozenset({0, 1, 2, 3, 4}), frozenset({6, 0, 1, 2, 3}), frozenset({5}), frozenset(range(7))]
)
@pytest.mark.parametrize("span", [0, 1, 6, 7, 8, 13, 14, 15, 365, 2000])
def test_working_days_table(days: frozenset[int], span: int) -> None:
    """A table of spans from every weekday: the closed form agrees with the walk, and an empty range counts 0."""
    hours = WorkingHours(days=days)
    for offset in range(7):
        first = date(2026, 11, 23) + timedelta(days=offset)
        assert _day_by_day(first, first + timedelta(days=span), hours) == working_days_after(
            first, first + timedelta(days=span), hours
        )
        assert 0 == working_days_after(first + timedelta(days=span), first, hours)
