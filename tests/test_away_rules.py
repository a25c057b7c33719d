"""The rules of away: which Slack statuses say someone is on holiday, and who gets what is meant for someone away."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.away import choose, read_when, spelled_out, status_says_away
from domain.calendar import WorkingHours

NOW = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "emoji"),
    [
        ("Vacation", ":palm_tree:"),
        ("", ":palm_tree:"),
        ("", ":beach_with_umbrella:"),
        ("", ":airplane:"),
        ("On holiday until Jan 4", ""),
        ("on leave", ""),
        ("OOO", ""),
        ("Out of office - back Monday", ""),
        ("VACATION!!", ":sunglasses:"),
        ("parental leave", ":baby:"),
    ],
)
def test_a_holiday_status_counts_as_away(text: str, emoji: str) -> None:
    """A holiday emoji, or words like vacation, holiday, on leave, OOO, out of office (any case), say away."""
    assert status_says_away(text, emoji, expires_at=None, now=NOW)


@pytest.mark.parametrize(
    ("text", "emoji"),
    [
        ("", ""),
        ("In a meeting", ":spiral_calendar_pad:"),
        ("Commuting", ":bus:"),
        ("Focusing", ":headphones:"),
        ("leaves at 5", ""),  # "leave" inside another word is not leave
        ("booking holidayinn.com", ""),  # nor "holiday" inside a longer word
        ("Reviewing the vacationplanner PR", ""),
    ],
)
def test_an_ordinary_status_does_not(text: str, emoji: str) -> None:
    """Meetings, commuting, focus, and the words inside longer words do not count."""
    assert not status_says_away(text, emoji, expires_at=None, now=NOW)


def test_an_expired_status_no_longer_counts() -> None:
    """A status whose expiration has passed is as if unset; one still to expire counts."""
    assert not status_says_away("Vacation", ":palm_tree:", expires_at=NOW - timedelta(minutes=1), now=NOW)
    assert status_says_away("Vacation", ":palm_tree:", expires_at=NOW + timedelta(days=3), now=NOW)


def test_someone_present_gets_their_own() -> None:
    """Not away: it is theirs, whoever their delegate is."""
    assert ["U1"] == choose("U1", away=frozenset({"U2"}), delegate="U2", leads=["U9"])


def test_the_delegate_stands_in_when_present() -> None:
    """Away with a delegate who is here: the delegate, not the leads."""
    assert ["U2"] == choose("U1", away=frozenset({"U1"}), delegate="U2", leads=["U8", "U9"])


def test_the_leads_stand_in_without_a_delegate_or_when_the_delegate_is_away() -> None:
    """No delegate, or the delegate away too: the leads who are here (never the person themself, once)."""
    assert ["U8", "U9"] == choose("U1", away=frozenset({"U1"}), delegate=None, leads=["U8", "U1", "U9", "U8"])
    assert ["U9"] == choose("U1", away=frozenset({"U1", "U2", "U8"}), delegate="U2", leads=["U8", "U9"])


def test_nobody_there_keeps_it_for_the_person() -> None:
    """Everyone away (or a lead away with no one else): it waits for the person, rather than going nowhere."""
    assert ["U1"] == choose("U1", away=frozenset({"U1", "U2", "U9"}), delegate="U2", leads=["U9"])
    assert ["U1"] == choose("U1", away=frozenset({"U1"}), delegate=None, leads=["U1"])
    assert ["U1"] == choose("U1", away=frozenset({"U1"}), delegate="U1", leads=[])


@pytest.mark.parametrize(
    ("said", "read"),
    [
        ("21-31 dec", "21 dec - 31 dec"),
        ("21 - 31 Dec", "21 Dec - 31 Dec"),
        ("Dec 21-31", "Dec 21 - Dec 31"),
        ("dec. 21\u201331", "dec. 21 - dec. 31"),
        ("Dec 21 - Jan 2", "Dec 21 - Jan 2"),
        ("until Dec 3", "until Dec 3"),
        ("2026-12-21 to 2026-12-31", "2026-12-21 to 2026-12-31"),
    ],
)
def test_a_span_of_days_in_one_month_is_spelled_out_for_the_range_reader(said: str, read: str) -> None:
    """`21-31 dec` and `Dec 21-31` name both ends; other ranges pass unchanged."""
    assert read == spelled_out(said)


@pytest.mark.parametrize(
    ("said", "days", "first", "last"),
    [
        ("next week", frozenset({0, 1, 2, 3, 4}), date(2026, 12, 28), date(2027, 1, 1)),
        ("Next  Week", frozenset({0, 1, 2, 3}), date(2026, 12, 28), date(2026, 12, 31)),
        ("this week", frozenset({0, 1, 2, 3, 4}), date(2026, 12, 21), date(2026, 12, 25)),
        ("this week", frozenset({1, 2, 3}), date(2026, 12, 22), date(2026, 12, 24)),
    ],
)
def test_this_and_next_week_are_that_weeks_working_days(
    said: str, days: frozenset[int], first: date, last: date
) -> None:
    """On Monday 21 Dec, `next week` is the next week's working days, `this week` this one's from today."""
    assert (first, last) == read_when(said, at=NOW, tz="Europe/Berlin", hours=WorkingHours(days=days))
