"""The due phrases people type, by locale and zone: the exact UTC instant each means, or why it is refused.

Pure: every phrase is read against an explicit `now`, Wed 2 Dec 2026 18:00 UTC (10:00 in Los Angeles, 19:00 in
Berlin, 23:30 in Kolkata, 07:00 Thursday in Auckland), with the default Mon-Fri 9:00-17:00 working day.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.due_phrases import parse_when, split_due
from domain.errors import DueDateError

NOW = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
LA, BERLIN, PARIS, LONDON = "America/Los_Angeles", "Europe/Berlin", "Europe/Paris", "Europe/London"
KOLKATA, AUCKLAND, KATHMANDU, MOSCOW = "Asia/Kolkata", "Pacific/Auckland", "Asia/Kathmandu", "Europe/Moscow"


def utc(mo: int, d: int, h: int, mi: int = 0, y: int = 2026) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


# phrase, writer's locale, writer's zone, owner's zone, expected UTC instant or the words of the refusal
TABLE: list[tuple[str, str, str, str, datetime | str]] = [
    # a date without a time is the end of the OWNER's working day, in the owner's zone
    ("3/12", "en-US", LA, BERLIN, utc(3, 12, 16, y=2027)),  # LA's "3/12" for the Berlin lead: 17:00 Berlin
    ("friday", "en-US", LA, BERLIN, utc(12, 4, 16)),
    ("next tue", "en-US", LA, BERLIN, utc(12, 8, 16)),
    ("EOW", "en-US", LA, BERLIN, utc(12, 4, 16)),
    ("in 2 weeks", "en-US", LA, BERLIN, utc(12, 16, 16)),
    ("EOD", "en-GB", BERLIN, LA, utc(12, 3, 1)),  # 17:00 in LA is still ahead
    ("tomorrow", "en-US", KATHMANDU, AUCKLAND, utc(12, 3, 4)),  # the writer's tomorrow (Thu), Auckland's 17:00
    ("end of quarter", "en-US", LA, BERLIN, utc(12, 31, 16)),
    ("first thing monday", "en-US", LA, BERLIN, utc(12, 7, 8)),  # the owner's 09:00
    # each locale's numeric order and separators
    ("3/12", "en-GB", BERLIN, BERLIN, utc(12, 3, 16)),
    ("12-03", "en-GB", LONDON, LONDON, utc(3, 12, 17, y=2027)),
    ("12.03.", "de-DE", BERLIN, BERLIN, utc(3, 12, 16, y=2027)),
    ("12.03.2027", "de-DE", BERLIN, BERLIN, utc(3, 12, 16, y=2027)),
    ("03/12/2027", "fr-FR", PARIS, PARIS, utc(12, 3, 16, y=2027)),
    ("3-12", "en-US", LA, LA, utc(3, 13, 1, y=2027)),  # month first: 12 March, 17:00 PST
    ("25/12", "en-IN", KOLKATA, KOLKATA, utc(12, 25, 11, 30)),
    ("25-12", "en-NZ", AUCKLAND, AUCKLAND, utc(12, 25, 4)),
    ("2027-01-15", "en-US", LA, LA, utc(1, 16, 1, y=2027)),
    # spans
    ("in a fortnight", "en-GB", BERLIN, BERLIN, utc(12, 16, 16)),
    ("a fortnight from now", "en-US", LA, BERLIN, utc(12, 16, 16)),
    ("in 3 days", "en-IN", KOLKATA, KOLKATA, utc(12, 5, 11, 30)),
    ("in 2 hours", "en-US", LA, BERLIN, utc(12, 2, 20)),
    # parts of the day (on the writer's clock) and working-day words (on the owner's)
    ("tonight", "en-US", LA, BERLIN, utc(12, 3, 4)),  # 20:00 in LA
    ("tonight", "en-GB", BERLIN, BERLIN, utc(12, 2, 19)),
    ("by midnight", "en-US", LA, LA, utc(12, 3, 7, 59)),
    ("friday midnight", "en-GB", BERLIN, BERLIN, utc(12, 4, 22, 59)),
    ("first thing tomorrow", "en-GB", BERLIN, BERLIN, utc(12, 3, 8)),
    ("first thing", "en-IN", KOLKATA, KOLKATA, utc(12, 3, 3, 30)),  # 23:30 now: Thursday 09:00
    # quarter ends
    ("EOQ", "en-GB", BERLIN, BERLIN, utc(12, 31, 16)),
    ("end of next quarter", "en-GB", BERLIN, BERLIN, utc(3, 31, 15, y=2027)),  # CEST by then
    ("end of Q2", "en-GB", BERLIN, BERLIN, utc(6, 30, 15, y=2027)),
    # 24-hour styles
    ("friday 16h", "fr-FR", PARIS, PARIS, utc(12, 4, 15)),
    ("fri 16 h", "fr-FR", PARIS, PARIS, utc(12, 4, 15)),
    ("16h30", "fr-FR", PARIS, PARIS, utc(12, 3, 15, 30)),  # 16:30 has passed today: tomorrow
    ("friday 16h30", "en-GB", LONDON, LONDON, utc(12, 4, 16, 30)),
    ("friday 16 Uhr", "de-DE", BERLIN, BERLIN, utc(12, 4, 15)),
    ("tomorrow 17:30", "en-GB", LONDON, LONDON, utc(12, 3, 17, 30)),
    ("friday 5pm", "en-US", LA, BERLIN, utc(12, 5, 1)),  # a typed time is the writer's 5pm
    # refused, with the reason
    ("32/03", "en-GB", BERLIN, BERLIN, "is not a date that exists (read as day/month)"),
    ("31/02", "en-GB", BERLIN, BERLIN, "is not a date that exists"),
    ("13/13", "en-US", LA, LA, "read as month/day"),
    ("31.04.", "de-DE", BERLIN, BERLIN, "is not a date that exists"),
    ("last friday", "en-GB", BERLIN, BERLIN, "is in the past"),
    ("3 days ago", "en-US", LA, LA, "is in the past"),
    ("today 9am", "en-US", LA, LA, "Wed 2 Dec 2026, 09:00 (America/Los_Angeles), which is in the past"),
    ("today 5pm", "en-GB", BERLIN, BERLIN, "which is in the past"),
    ("tonight", "en-GB", MOSCOW, MOSCOW, "Tonight (20:00) has already passed"),
    ("EOD", "en-US", LA, BERLIN, "End of today's working day (17:00 Europe/Berlin) has already passed"),
    ("2020-01-01", "en-US", LA, LA, "which is in the past"),
    ("Fri 5 Dec", "en-GB", BERLIN, BERLIN, "5 December 2026 is a Saturday, not a Friday"),
]


@pytest.mark.parametrize(("phrase", "locale", "writer", "owner", "expected"), TABLE)
def test_each_phrase_means_one_instant_or_is_refused(
    phrase: str, locale: str, writer: str, owner: str, expected: datetime | str
) -> None:
    """The phrase, written in that locale and zone for an owner in theirs, means the expected instant or is refused."""
    if isinstance(expected, datetime):
        assert expected == parse_when(phrase, now=NOW, tz=writer, locale=locale, owner_tz=owner)
        return
    with pytest.raises(DueDateError) as caught:
        parse_when(phrase, now=NOW, tz=writer, locale=locale, owner_tz=owner)
    assert expected in caught.value.message
    assert caught.value.hint


TITLES: list[tuple[str, str, tuple[str, datetime | None] | str]] = [
    ("ship it in a fortnight", "en-GB", ("ship it", utc(12, 16, 16))),
    ("ship it by EOQ", "en-GB", ("ship it", utc(12, 31, 16))),
    ("ship it first thing monday", "en-GB", ("ship it", utc(12, 7, 8))),
    ("ship it 12.03.2027", "de-DE", ("ship it", utc(3, 12, 16, y=2027))),
    ("read pages 3-12", "en-GB", ("read pages 3-12", None)),
    ("split costs 50/50", "en-GB", ("split costs 50/50", None)),
    ("ship it 32/03", "en-GB", "is not a date that exists"),
    ("ship it last friday", "en-GB", "is in the past"),
    ("ship it today 9am", "en-GB", "which has already passed"),
]


@pytest.mark.parametrize(("text", "locale", "expected"), TITLES)
def test_a_due_clause_is_taken_off_the_title_or_refused_never_left_in_it(
    text: str, locale: str, expected: tuple[str, datetime | None] | str
) -> None:
    """A trailing due clause becomes the due date; an impossible or past one is refused rather than kept as words."""
    if not isinstance(expected, str):
        assert expected == split_due(text, now=NOW, tz=BERLIN, locale=locale)
        return
    with pytest.raises(DueDateError) as caught:
        split_due(text, now=NOW, tz=BERLIN, locale=locale)
    assert expected in caught.value.message
