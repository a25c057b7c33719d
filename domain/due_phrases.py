"""Read the due-date phrases people type ("friday", "tomorrow 5pm", "by Dec 3") into aware UTC datetimes.

Pure: no Slack, no database, no clock; ``now`` is always passed in. Phrases are read in the creator's IANA
time zone and Slack locale; the end (or start) of a working day is the *owner's*, in the owner's zone. A small
regex layer handles the common phrases quickly; ``dateparser`` is the fallback for anything else, and is only
ever given short candidates.

Rules worth knowing (the product spec in one place):

* Whose clock: the calendar day a phrase names is the creator's ("tomorrow" is the day after the creator's
  today), and a time the creator typed ("5pm", "16h", "tonight", "by midnight") is the creator's wall time.
  What refers to a working day (a date without a time, "EOD", "EOW", "EOQ", "first thing monday", "morning")
  is the owner's working day in the owner's zone (``owner_tz``; the creator's when not given).
* A date without a time of day means the end of that working day (``hours.end`` local).
* Numeric dates follow the creator's locale: month first for en-US (also es-US, en-PH), day first elsewhere;
  "/" and "-" both separate ("12-03" needs a keyword or a year to count), dots are always day first.
  A date shaped like a real one that does not exist ("32/03", "31/02") is refused, never left in a title.
* "tonight" is 20:00 today, "midnight" is 23:59 of that day, "first thing" the start of the working day;
  "in a fortnight" is 14 days; "EOQ"/"end of quarter" is the end of the quarter's last working day.
  "16h", "16h30" (French, for fr-* locales; "16h30" everywhere) and "16 Uhr" are 24-hour times.
* "last friday", "3 days ago" and a time today that has passed ("today 3pm" at 16:00, "tonight" at 21:00)
  are refused with the date understood.
* A weekday ("friday") is its next occurrence still ahead; "next friday" is the first one after today.
* A month/day without a year is its next occurrence still ahead; a date with a year that is past is refused.
* "in N minutes/hours" is exact elapsed time; "in N days/weeks/months" is a calendar day, at ``hours.end``.
* A bare time ("5pm", "noon") is today if still ahead, otherwise tomorrow.
* "EOD"/"COB": the end of today's working day. On a non-working day it is the end of the next working day
  (the person is plainly asking for "the end of the next day we work"); on a working day whose end has
  passed it is refused, because silently moving it to tomorrow would hide the slip.
* "EOW"/"end of week" and "end of month": the end of the last working day of this week/month; refused once
  that has passed (including on the weekend after it), with a hint to say "end of next week" or similar.
  The working week starts on the first working day after the longest break (Monday for Mon-Fri, Sunday for
  Sun-Thu), so "this week" and "next week" follow the team's own week.
* "next week": the start (``hours.start``) of next week's first working day.
* Only EOD moves off a non-working day. A day the person named keeps its day even if nobody works then:
  "saturday", "today" on a Sunday, or "in 3 days" typed on a Wednesday (Saturday, 17:00).
* "Dec 3" typed on Dec 3 after the end of the working day is next year's Dec 3, by the "still ahead" rule
  (as "friday" typed on a Friday evening is next Friday).
* Local times that do not exist (DST gap) move forward by the gap (02:30 becomes 03:30); ambiguous local
  times (DST end) take the first occurrence.

Working days, the working week and time zones are ``domain.calendar``'s; this module only reads phrases.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.calendar import (
    MONTH_NAMES,
    WEEKDAY_NAMES,
    WorkingHours,
    describe,
    in_zone,
    is_working_day,
    local_day,
    local_to_utc,
    next_working_day,
    week_of,
    working,
    zone,
)
from domain.errors import DueDateError, InvalidInput
from domain.text import escape

__all__ = ["parse_when", "read_range", "split_due", "warm_up"]

HINT = 'Try "tomorrow 5pm", "friday", "in 3 days", "Dec 3" or "2026-12-03".'

# Our own layer only looks at phrases this long; longer text cannot be one of the phrases it knows.
_OWN_MAX_CHARS = 60
# dateparser is slow-ish and generous; only short candidates are worth (and safe) giving it.
_DATEPARSER_MAX_CHARS = 40
# The longest due clause we look for at the end of a title ("Fri, December 3rd, 2026 at 2:30 pm" is 7).
_MAX_CLAUSE_TOKENS = 8


class _DefiniteRefusal(DueDateError):
    """A refusal for a phrase that can only be a date (EOD, EOW...), so it stands even without a keyword."""


@dataclass(frozen=True)
class _Ctx:
    """Everything a phrase is read against."""

    now: datetime  # aware, UTC
    local_now: datetime  # aware, in zone
    zone: ZoneInfo
    tz: str
    month_first: bool
    hours: WorkingHours
    owner_zone: ZoneInfo
    owner_tz: str
    hour_h: bool  # "16h" alone is a time (French); "16h30" and "16 Uhr" are everywhere

    @property
    def today(self) -> date:
        """Return the creator's local date."""
        return self.local_now.date()

    def end_of(self, day: date) -> datetime:
        """Return the end of the owner's working day on ``day``, as aware UTC."""
        return _local(day, self.hours.end, self.owner_tz)

    def start_of(self, day: date) -> datetime:
        """Return the start of the owner's working day on ``day``, as aware UTC."""
        return _local(day, self.hours.start, self.owner_tz)


def warm_up() -> None:
    """Make the first real dateparser call now (its first call is slow: it loads language data)."""
    ctx = _context(datetime(2026, 1, 5, 12, 0, tzinfo=UTC), "UTC", None, WorkingHours(), None)
    _read_with_dateparser("a week from now", ctx)


# ---------------------------------------------------------------------------------------------------------
# Entry points


def parse_when(
    text: str,
    *,
    now: datetime,
    tz: str,
    locale: str | None = None,
    hours: WorkingHours = WorkingHours(),
    owner_tz: str | None = None,
) -> datetime:
    """Read a standalone date/time phrase; return a future aware UTC datetime, or raise DueDateError.

    ``tz`` and ``locale`` are the writer's; ``owner_tz`` and ``hours`` say whose working day a date means.
    """
    ctx = _context(now, tz, locale, hours, owner_tz)
    phrase = _strip_keyword(_normalize(text))
    if not phrase:
        raise DueDateError("Please give a due date.", hint=HINT)
    due = _read(phrase, ctx, bare=False)
    if due is None:
        raise _unreadable(text)
    return _future(due, ctx)


_KEYWORDS = frozenset({"by", "due", "before", "on"})
_TOKEN = re.compile(r"\S+")
_SPACE = re.compile(r"\s")
_SEPARATORS = ",;:-\u2013\u2014"


def split_due(
    text: str,
    *,
    now: datetime,
    tz: str,
    locale: str | None = None,
    hours: WorkingHours = WorkingHours(),
    owner_tz: str | None = None,
) -> tuple[str, datetime | None]:
    """Split an action title from a trailing due-date clause; return (title, due or None).

    Only the end of the text is looked at, longest candidate first. A candidate introduced by a keyword
    (by, due, before, on; "due by" counts as one) is read with the full parser when it looks meant as a date
    (see ``_meant_as_date``); if it is meant as a date but cannot be read, or is past, that refusal is raised
    unless a shorter trailing candidate reads fine; a definite refusal ("by last friday") is raised at once.
    A bare candidate (no keyword) counts only when our own layer reads it as a future date; otherwise it stays
    in the title, except for definite refusals (EOD/EOW/EOM passed, an impossible numeric date, a time today
    that has passed).
    """
    ctx = _context(now, tz, locale, hours, owner_tz)
    tokens = _tail_tokens(text)
    refusal: DueDateError | None = None
    for index, token in enumerate(tokens):
        clause = _normalize(text[token.start() :])
        keyword = _keyword_before(tokens, index)
        if keyword is not None and _meant_as_date(text[token.start() :], after_due=keyword[1]):
            try:
                return _title(text, keyword[0]), _read_meant(clause, ctx)
            except _DefiniteRefusal:
                raise  # "by last friday" is past; its "friday" alone is no reading of it
            except DueDateError as err:
                refusal = refusal or err  # a shorter trailing clause may still read fine
            continue
        due = _read_bare(clause, ctx)
        if due is not None:  # "by noon" reads fine without being a date attempt; drop the keyword too
            return _title(text, keyword[0] if keyword else token.start()), due
    if refusal is not None:
        raise refusal
    return text.strip(), None


def _read_meant(clause: str, ctx: _Ctx) -> datetime:
    """Read a clause meant as a date; refuse it if it cannot be read or is past."""
    due = _read(clause, ctx, bare=False)
    if due is None:
        raise _unreadable(clause)
    return _future(due, ctx)


def _read_bare(clause: str, ctx: _Ctx) -> datetime | None:
    """Read a clause without a keyword; only a future date counts, and only EOD/EOW/EOM refusals stand."""
    try:
        due = _read(clause, ctx, bare=True)
    except _DefiniteRefusal:
        raise
    except DueDateError:
        return None  # "notes from 50/50" or "the call yesterday": part of the title, not a due date
    if due is not None and due <= ctx.now and due.astimezone(ctx.zone).date() == ctx.today:
        raise _DefiniteRefusal(f"I read that as {describe(due, tz=ctx.tz)}, which has already passed.", hint=HINT)
    return due if due is not None and due > ctx.now else None


def _tail_tokens(text: str) -> list[re.Match[str]]:
    """Return the last few whitespace-separated tokens after any Slack token or URL."""
    floor = max(0, len(text) - 400)
    start = max(floor, _guard_end(text))
    tokens = list(_TOKEN.finditer(text, start))
    if tokens and tokens[0].start() == start > 0 and not text[start - 1].isspace():
        tokens = tokens[1:]  # a fragment cut off, or glued to a Slack token
    return tokens[-_MAX_CLAUSE_TOKENS:]


def _guard_end(text: str) -> int:
    """Return where the last Slack token (<@U1>, <#C1|x>, <https://x|y>) or bare URL ends."""
    ends = [text.rfind(">") + 1]
    for marker in ("://", "www."):
        at = text.rfind(marker)
        if at >= 0:
            space = _SPACE.search(text, at)
            ends.append(space.start() if space else len(text))
    return max(ends)


def _keyword_before(tokens: list[re.Match[str]], index: int) -> tuple[int, bool] | None:
    """Return where the keyword before ``tokens[index]`` starts ("due by" as one) and whether it has "due"."""
    if index == 0:
        return None
    word = _bare_word(tokens[index - 1].group())
    if word not in _KEYWORDS:
        return None
    if word != "due" and index >= 2 and _bare_word(tokens[index - 2].group()) == "due":
        return tokens[index - 2].start(), True
    return tokens[index - 1].start(), word == "due"


def _bare_word(token: str) -> str:
    """Return a token lowercased, without surrounding punctuation."""
    return token.lower().strip(".,;:!?()[]\"'")


# Words that make a by/before/on clause a date attempt on their own. Left out on purpose: "sat", "sun" and
# "wed" (everyday words), "day", "week", "morning" & co. ("work on week planning"), and month names, which
# only count next to a number because "by Jan" or "by June" is as likely a person as a month.
_DATE_WORDS = frozenset(
    {"today", "tonight", "tomorrow", "tmrw", "tmr", "yesterday", "eod", "cob", "eob", "eow", "eom", "eoq"}
    | {"midnight", "quarter"}
    | {"days", "weeks", "months", "fortnight"}
    | {name.lower() for name in WEEKDAY_NAMES}
    | {"mon", "tue", "tues", "weds", "thu", "thur", "thurs", "fri"}
)
_MONTH_WORDS = frozenset({name.lower() for name in MONTH_NAMES} | {name[:3].lower() for name in MONTH_NAMES})
# A number shaped like a date or time: 2026-12-03, 3/12, 3.12., 17:30, 5pm, 3rd. "50%", "50/50", "2027" or
# the version number "3.12" are not.
_DATE_SHAPED = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|(?<![0-9])(?:[0-3]?[0-9])[/-](?:[0-3]?[0-9])(?![0-9%])"
    r"|[0-9]{1,2}\.[0-9]{1,2}\.|[0-9]{1,2}:[0-9]{2}|[0-9]{1,2} ?[ap]\.?m\b|[0-9]{1,2}(?:st|nd|rd|th)\b"
    r"|\b[0-9]{1,2}h[0-5][0-9]\b|\b[0-9]{1,2} ?uhr\b",
    re.ASCII | re.IGNORECASE,
)


def _meant_as_date(clause: str, *, after_due: bool) -> bool:
    """Decide whether a keyword clause is meant as a date: always after "due", else if it has date words.

    After by/before/on the clause counts when it has a number shaped like a date or time, a weekday or
    relative-date word, or a month name next to a number ("by Dec 3"). "by Alice", "on the parser",
    "before the demo", "by June" and "by 50%" do not.
    """
    if after_due or _DATE_SHAPED.search(clause):
        return True
    words = [_bare_word(word) for word in clause.split()]
    has_number = any(ch.isdigit() for ch in clause)
    return any(word in _DATE_WORDS or (has_number and word in _MONTH_WORDS) for word in words)


def _title(text: str, end: int) -> str:
    """Return the title before ``end``, without trailing separators."""
    title = text[:end].rstrip()
    while title and title[-1] in _SEPARATORS:
        title = title[:-1].rstrip()
    return title.strip()


# ---------------------------------------------------------------------------------------------------------
# Date ranges (whole local days: time away, holidays, reports)

_RANGE_SPLIT = re.compile(r"\s*(?:\s-\s|(?<=[a-z0-9])-(?=[a-z])|\u2013|\sto\s|\suntil\s)\s*", re.IGNORECASE)
_PAST_RANGE_SPLIT = re.compile(r"\s+(?:-|\u2013|to)\s+")


def read_range(phrase: str, *, at: datetime, tz: str, hours: WorkingHours) -> tuple[date, date]:
    """Read "until Dec 3", "Dec 24 - Jan 2", "tomorrow" or "2026-12-25" as an inclusive range of local dates."""
    text = phrase.strip()
    today = local_day(at, tz)
    if not text:
        raise InvalidInput("When?", hint="Like `until Dec 3`, `Dec 24 - Jan 2` or `tomorrow`.")
    lowered = text.lower()
    if lowered in ("today", "now"):
        return today, today
    if lowered.startswith("until "):
        return today, _local_date(text[6:], at=at, tz=tz, hours=hours)
    parts = _RANGE_SPLIT.split(text, maxsplit=1)
    first = _local_date(parts[0], at=at, tz=tz, hours=hours) if parts[0].lower() != "today" else today
    last = _local_date(parts[1], at=at, tz=tz, hours=hours) if len(parts) > 1 else first
    return first, last


def _local_date(phrase: str, *, at: datetime, tz: str, hours: WorkingHours) -> date:
    # Read from the start of today, so that today's date (after working hours too) is not "in the past".
    midnight = local_to_utc(local_day(at, tz), time(0), tz)
    return local_day(parse_when(phrase, now=midnight, tz=tz, hours=hours), tz)


def read_past_range(phrase: str, *, at: datetime, tz: str) -> tuple[date, date]:
    """Read a report's "today", "yesterday", "last week", "this week", a date or a range of them; dates may be past."""
    today = local_day(at, tz)
    if phrase == "today":
        return today, today
    if phrase == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if phrase == "last week":
        first = today - timedelta(days=today.weekday() + 7)
        return first, first + timedelta(days=6)
    if phrase in ("this week", "week"):
        return today - timedelta(days=today.weekday()), today
    parts = _PAST_RANGE_SPLIT.split(phrase, maxsplit=1)
    days = [_past_date(p, today=today) for p in parts]
    return days[0], days[-1]


def _past_date(text: str, *, today: date) -> date:
    """Read an ISO or month-day date directly (the phrase reader would move a past one ahead a year)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    for fmt in ("%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y"):
        try:
            day = datetime.strptime(f"{text.strip()} {today.year}", fmt).date()
        except ValueError:
            continue
        return day if day <= today else day.replace(year=day.year - 1)
    raise InvalidInput(
        f"I can't read `{escape(text[:40])}` as a date.",
        hint="Try `today`, `yesterday`, `last week`, `2026-11-02 - 2026-11-06` or `Nov 2 - Nov 6`.",
    )


# ---------------------------------------------------------------------------------------------------------
# Shared reading


_MONTH_FIRST_LOCALES = frozenset({"en-us", "es-us", "en-ph"})


def _context(now: datetime, tz: str, locale: str | None, hours: WorkingHours, owner_tz: str | None) -> _Ctx:
    """Bundle the reading context; ``now`` must be aware."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    local_zone = zone(tz)
    owner_tz = owner_tz or tz
    tag = (locale or "en-US").replace("_", "-").lower()
    return _Ctx(
        now.astimezone(UTC),
        now.astimezone(local_zone),
        local_zone,
        tz,
        tag in _MONTH_FIRST_LOCALES,
        hours,
        zone(owner_tz),
        owner_tz,
        tag == "fr" or tag.startswith("fr-"),
    )


def _local(day: date, at: time, tz: str) -> datetime:
    """Return local ``day`` at ``at`` in ``tz`` as aware UTC; a date too far away is refused with the hint."""
    try:
        return local_to_utc(day, at, tz)
    except DueDateError as err:
        raise DueDateError(err.message, hint=HINT) from err.__cause__


def _normalize(text: str) -> str:
    """Lowercase, collapse whitespace and drop trailing sentence punctuation."""
    return " ".join(text.lower().split()).rstrip(".!?,;:")


_LEADING_KEYWORD = re.compile(r"^(?:due(?: (?:by|on|before))?|by|on|before)\b[ :]*")


def _strip_keyword(phrase: str) -> str:
    """Drop a leading connecting keyword ("by friday" reads as "friday")."""
    return _LEADING_KEYWORD.sub("", phrase, count=1)


def _future(due: datetime, ctx: _Ctx) -> datetime:
    """Return ``due`` if it is ahead of now; refuse it, naming the date understood, otherwise."""
    if due <= ctx.now:
        raise DueDateError(f"I read that as {describe(due, tz=ctx.tz)}, which is in the past.", hint=HINT)
    return due


def _unreadable(text: str) -> DueDateError:
    """Build the refusal for a phrase nobody could read."""
    return DueDateError(f'I couldn\'t read "{_shown(text)}" as a date.', hint=HINT)


def _shown(text: str) -> str:
    """Quote user text safely in a Slack message: printable, short, with Slack's three escapes applied."""
    shown = "".join(ch if ch.isprintable() else " " for ch in text.strip())
    shown = shown if len(shown) <= 40 else shown[:39] + "\u2026"
    return escape(shown)


def _read(phrase: str, ctx: _Ctx, *, bare: bool) -> datetime | None:
    """Read a normalized phrase with our layer, then (unless ``bare``) with dateparser; None if unreadable."""
    phrase = _hour_h.sub(_as_colon_time, phrase) if ctx.hour_h else _hour_hmm.sub(_as_colon_time, phrase)
    if len(phrase) <= _OWN_MAX_CHARS:
        due = _read_own(phrase.removeprefix("the "), ctx, bare=bare)
        if due is not None:
            return due
    if bare or len(phrase) > _DATEPARSER_MAX_CHARS:
        return None
    return _read_with_dateparser(phrase, ctx)


# "16h", "16h30", "16 h 30", "16 Uhr", "16:30 Uhr" -> "16:00", "16:30"; not "in 2h" or "2h from now" (durations).
_hour_h = re.compile(
    r"(?<!in )\b(?P<h>[01]?[0-9]|2[0-3])(?::(?P<m0>[0-5][0-9]))? ?(?:h|uhr)(?: ?(?P<m>[0-5][0-9]))?\b(?! from)",
    re.ASCII,
)
_hour_hmm = re.compile(
    r"(?<!in )\b(?P<h>[01]?[0-9]|2[0-3])(?::(?P<m0>[0-5][0-9]))?(?:h(?P<m>[0-5][0-9])| ?uhr)\b(?! from)", re.ASCII
)


def _as_colon_time(match: re.Match[str]) -> str:
    """Rewrite a matched 24-hour time as HH:MM."""
    return f"{int(match['h']):02d}:{match['m0'] or match['m'] or '00'}"


# ---------------------------------------------------------------------------------------------------------
# Our own layer


@dataclass(frozen=True)
class _On:
    """A fixed calendar day."""

    day: date


@dataclass(frozen=True)
class _Weekday:
    """A weekday; ``strict`` means after today ("next fri"), else the next one still ahead."""

    weekday: int
    strict: bool


@dataclass(frozen=True)
class _Annual:
    """A month and day without a year: the next occurrence still ahead."""

    month: int
    day: int


@dataclass(frozen=True)
class _Monthly:
    """A day of the month ("the 3rd"): the next occurrence still ahead."""

    day: int


_DateSpec = _On | _Weekday | _Annual | _Monthly

_WD = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues|tue|weds|wed|thurs|thur|thu|fri|sat|sun)"
)
_MON = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
)
_COUNTED = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_NUMBER_WORDS = {"a": 1, "an": 1} | {word: n for n, word in enumerate(_COUNTED, start=1)}
_NUM = rf"(?:[0-9]{{1,4}} ?|(?:{'|'.join(_NUMBER_WORDS)}) )"
_TIME_SRC = (
    r"(?:[0-9]{1,2}(?::[0-9]{2})? ?(?:am|pm|a\.m\.?|p\.m\.?)|[0-9]{1,2}:[0-9]{2}"
    r"|noon|midday|midnight|morning|eod|cob|end of (?:the )?day)"
)


def _rx(pattern: str) -> re.Pattern[str]:
    """Compile an ASCII-only pattern (so other scripts' digits are left to dateparser)."""
    return re.compile(pattern, re.ASCII)


_TIME = _rx(
    r"(?P<h>[0-9]{1,2})(?::(?P<m>[0-9]{2}))? ?(?P<ap>[ap])\.?m\.?|(?P<h24>[0-9]{1,2}):(?P<m24>[0-9]{2})"
    r"|(?P<word>noon|midday|midnight|morning|eod|cob|end of (?:the )?day)"
)
_BARE_TIME = _rx(rf"(?:at |@ ?)?(?P<time>{_TIME_SRC})")
_DATE_THEN_TIME = _rx(rf"(?P<date>.+?),?(?: at | ?@ ?| )(?P<time>{_TIME_SRC})")
_TIME_THEN_DATE = _rx(rf"(?:at |@ ?)?(?P<time>{_TIME_SRC}),? (?:on )?(?P<date>.+)")
_IN_DURATION = _rx(rf"(?:in (?P<n>{_NUM})(?P<unit>[a-z]+)|(?P<n2>{_NUM})(?P<unit2>[a-z]+) from (?:now|today))")
_DURATION_UNITS: dict[str, tuple[str, int]] = {
    **dict.fromkeys(("minute", "minutes", "min", "mins", "m"), ("minutes", 1)),
    **dict.fromkeys(("hour", "hours", "hr", "hrs", "h"), ("hours", 1)),
    **dict.fromkeys(("day", "days", "d"), ("days", 1)),
    **dict.fromkeys(("week", "weeks", "wk", "wks", "w"), ("days", 7)),
    **dict.fromkeys(("fortnight", "fortnights"), ("days", 14)),
    **dict.fromkeys(("month", "months"), ("months", 1)),
}
_RELATIVE_DAY = _rx(r"today|tomorrow|tmrw|tmr|yesterday|day after tomorrow")
_WEEKDAY = _rx(rf"(?:(?P<mode>next|this) )?(?P<wd>{_WD})")
_ISO = _rx(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})")
_NUMERIC = _rx(r"(?P<a>[0-9]{1,2})(?P<sep>[/-])(?P<b>[0-9]{1,2})(?:(?P=sep)(?P<y>[0-9]{4}|[0-9]{2}))?")
_DOTTED = _rx(r"(?P<a>[0-9]{1,2})\.(?P<b>[0-9]{1,2})(?:\.(?P<y>[0-9]{4}|[0-9]{2})?)?")
_MONTH_DAY = _rx(
    rf"(?:(?P<wd>{_WD}),? )?(?P<mon>{_MON})\.? (?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?(?:,? (?P<y>[0-9]{{4}}))?"
)
_DAY_MONTH = _rx(
    rf"(?:(?P<wd>{_WD}),? )?(?:the )?(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<mon>{_MON})\.?"
    rf"(?:,? (?P<y>[0-9]{{4}}))?"
)
_ORDINAL = _rx(r"(?:the )?(?P<d>[0-9]{1,2})(?:st|nd|rd|th)")
_PAST = _rx(rf"last (?:{_WD}|week|month|quarter|year|night)|(?:the )?day before yesterday|(?:{_NUM})[a-z]+ ago")
_TONIGHT = _rx(r"(?:by |at )?(?:tonight|this evening)")
_FIRST_THING = _rx(r"first thing(?: (?:on |in the )?(?P<date>.+?))?(?: morning)?")
_QUARTER = _rx(r"eoq|end of (?:the |this )?quarter|end of (?P<next>the next|next) quarter|end of (?:q(?P<q>[1-4]))")
_TONIGHT_AT = time(20, 0)
# Weekday abbreviations that are also everyday words; without a keyword they stay in the title.
_AMBIGUOUS_BARE = frozenset({"sat", "sun", "wed"})


def _read_own(phrase: str, ctx: _Ctx, *, bare: bool) -> datetime | None:
    """Read the common phrases with regexes; None if the phrase is not one of them."""
    if bare and phrase in _AMBIGUOUS_BARE:
        return None
    if match := _BARE_TIME.fullmatch(phrase):
        phrase = match["time"]  # "at eod" is "eod"
    special = _SPECIALS.get(phrase)
    if special is not None:
        return special(ctx)
    if (phrased := _read_day_part(phrase, ctx, bare=bare)) is not None:
        return phrased
    duration = _IN_DURATION.fullmatch(phrase)
    if duration and (unit := _duration_unit(duration)) in ("minutes", "hours"):
        minutes = _duration_amount(duration) * (60 if unit == "hours" else 1)
        return ctx.now + timedelta(minutes=minutes)
    if match:
        return _bare_time(_time_of(phrase, ctx.hours), phrase, ctx)
    parsed = _date_spec(phrase, ctx, bare=bare)
    if parsed is not None:
        return _resolve(*parsed, ctx.hours.end, ctx, ctx.owner_tz)
    for pattern in (_DATE_THEN_TIME, _TIME_THEN_DATE):
        match = pattern.fullmatch(phrase)
        if match and (parsed := _date_spec(match["date"].rstrip(","), ctx, bare=bare)) is not None:
            return _resolve(*parsed, _time_of(match["time"], ctx.hours), ctx, _zone_of_time(match["time"], ctx))
    return None


def _zone_of_time(text: str, ctx: _Ctx) -> str:
    """Return whose clock a time phrase is on: a working-day word is the owner's, a typed time the creator's."""
    return ctx.owner_tz if text in ("morning", "eod", "cob", "end of day", "end of the day") else ctx.tz


def _read_day_part(phrase: str, ctx: _Ctx, *, bare: bool) -> datetime | None:
    """Read past phrases (refused), "tonight", "first thing ..." and quarter ends; None for anything else."""
    if _PAST.fullmatch(phrase):  # refused even without a keyword: "ship it last friday" is no title to keep
        raise _DefiniteRefusal(
            f'"{_shown(phrase)}" is in the past; a due date has to be ahead.',
            hint='If it belongs in the title, give a due date after it, like "... by tomorrow".',
        )
    if _TONIGHT.fullmatch(phrase):
        due = _local(ctx.today, _TONIGHT_AT, ctx.tz)
        if due <= ctx.now:
            raise _DefiniteRefusal(
                f"Tonight ({_TONIGHT_AT:%H:%M}) has already passed.", hint='Try "by midnight" or "tomorrow 9am".'
            )
        return due
    if match := _FIRST_THING.fullmatch(phrase):
        if match["date"] is None:
            if bare:
                return None  # "do the first thing" is a title
            day = ctx.today if ctx.start_of(ctx.today) > ctx.now and is_working_day(ctx.today, ctx.hours) else None
            return ctx.start_of(day or next_working_day(ctx.today, ctx.hours))
        parsed = _date_spec(match["date"], ctx, bare=bare)
        return None if parsed is None else _resolve(*parsed, ctx.hours.start, ctx, ctx.owner_tz)
    if match := _QUARTER.fullmatch(phrase):
        return _end_of_quarter(ctx, nxt=bool(match["next"]), named=int(match["q"]) if match["q"] else None)
    return None


def _time_of(text: str, hours: WorkingHours) -> time:
    """Return the time of day a time phrase names; refuse impossible times such as 13pm or 25:00."""
    match = _TIME.fullmatch(text)
    if match is None:  # pragma: no cover - callers only pass text matched by _TIME_SRC
        raise _unreadable(text)
    if match["word"]:
        word = match["word"]
        words = {"noon": time(12), "midday": time(12), "midnight": time(23, 59), "morning": hours.start}
        return words.get(word, hours.end)
    if match["ap"]:
        hour, minute = int(match["h"]), int(match["m"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise DueDateError(f'"{text}" is not a time of day.', hint=HINT)
        return time(hour % 12 + (12 if match["ap"] == "p" else 0), minute)
    hour, minute = int(match["h24"]), int(match["m24"])
    if hour > 23 or minute > 59:
        raise DueDateError(f'"{text}" is not a time of day.', hint=HINT)
    return time(hour, minute)


def _bare_time(at: time, text: str, ctx: _Ctx) -> datetime | None:
    """Return today at ``at`` if still ahead, else tomorrow; "morning" alone is too vague to count."""
    if text == "morning":
        return None
    due = _local(ctx.today, at, ctx.tz)
    return due if due > ctx.now else _local(ctx.today + timedelta(days=1), at, ctx.tz)


def _duration_unit(match: re.Match[str]) -> str | None:
    """Return the unit of an "in N units" phrase: minutes, hours, days or months; None if unknown."""
    unit = _DURATION_UNITS.get(match["unit"] or match["unit2"])
    return unit[0] if unit else None


def _duration_amount(match: re.Match[str]) -> int:
    """Return N of an "in N units" phrase in the unit ``_duration_unit`` names (weeks count as 7 days)."""
    number = (match["n"] or match["n2"]).strip()
    unit = _DURATION_UNITS[match["unit"] or match["unit2"]]
    return (_NUMBER_WORDS[number] if number in _NUMBER_WORDS else int(number)) * unit[1]


def _in_days(match: re.Match[str], ctx: _Ctx) -> _On | None:
    """Return the day "in N days/weeks/months" names, or None for minutes and hours."""
    unit = _duration_unit(match)
    if unit == "days":
        return _On(ctx.today + timedelta(days=_duration_amount(match)))
    if unit == "months":
        return _On(_add_months(ctx.today, _duration_amount(match)))
    return None


def _add_months(day: date, months: int) -> date:
    """Return ``day`` moved by whole months, clamped to the end of shorter months."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def _date_spec(text: str, ctx: _Ctx, *, bare: bool) -> tuple[_DateSpec, int | None] | None:
    """Read a date without a time; return the spec and the weekday it was said to be, or None."""
    if (duration := _IN_DURATION.fullmatch(text)) and (day := _in_days(duration, ctx)):
        return day, None
    if _RELATIVE_DAY.fullmatch(text):
        offsets = {"yesterday": -1, "today": 0, "day after tomorrow": 2}
        return _On(ctx.today + timedelta(days=offsets.get(text, 1))), None
    if match := _WEEKDAY.fullmatch(text):
        return _Weekday(_weekday_index(match["wd"]), match["mode"] == "next"), None
    if match := _ISO.fullmatch(text):
        return _On(_valid_date(int(match["y"]), int(match["m"]), int(match["d"]), text)), None
    if (match := _NUMERIC.fullmatch(text)) and (match["sep"] == "/" or match["y"] or not bare):
        return _numeric(match, text, month_first=ctx.month_first), None
    # 3.12. / 3.12.2026 are day-first wherever people write them; without a year "3.12" may be a version.
    if (match := _DOTTED.fullmatch(text)) and (match["y"] or not bare):
        return _numeric(match, text, month_first=False), None
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        if match := pattern.fullmatch(text):
            month = _month_index(match["mon"])
            said = _weekday_index(match["wd"]) if match["wd"] else None
            return _month_day(int(match["d"]), month, match["y"], text), said
    if not bare and (match := _ORDINAL.fullmatch(text)):
        if not 1 <= int(match["d"]) <= 31:
            raise DueDateError(f'"{text}" is not a day of the month.', hint=HINT)
        return _Monthly(int(match["d"])), None
    return None


def _weekday_index(name: str) -> int:
    """Return Monday=0 ... Sunday=6 for a weekday name or abbreviation."""
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(name[:3])


def _month_index(name: str) -> int:
    """Return 1-12 for a month name or abbreviation."""
    return [m[:3].lower() for m in MONTH_NAMES].index(name[:3]) + 1


def _valid_date(year: int, month: int, day: int, text: str) -> date:
    """Return the date, or refuse a date that does not exist."""
    try:
        return date(year, month, day)
    except ValueError:
        raise DueDateError(f'"{text}" is not a date that exists.', hint=HINT) from None


def _numeric(match: re.Match[str], text: str, *, month_first: bool) -> _DateSpec:
    """Read 3/12 or 3/12/2027 as month/day (en-US) or day/month (every other locale)."""
    first, second = int(match["a"]), int(match["b"])
    month, day = (first, second) if month_first else (second, first)
    year = None if match["y"] is None else int(match["y"]) + (2000 if len(match["y"]) == 2 else 0)
    try:
        found = date(year or 2000, month, day)  # without a year: a leap year, so 29 Feb is allowed
    except ValueError:
        order = "month/day" if month_first else "day/month"
        # Shaped like a real date (a month that exists, a day up to 39): refused even without a keyword.
        refusal = _DefiniteRefusal if 1 <= month <= 12 and 1 <= day <= 39 else DueDateError
        raise refusal(f'"{text}" is not a date that exists (read as {order}).', hint=HINT) from None
    return _Annual(month, day) if year is None else _On(found)


def _month_day(day: int, month: int, year: str | None, text: str) -> _DateSpec:
    """Return a fixed date when the year is given, else the next occurrence of month and day."""
    if year is not None:
        return _On(_valid_date(int(year), month, day, text))
    _valid_date(2000, month, day, text)  # a leap year, so Feb 29 is allowed
    return _Annual(month, day)


def _resolve(spec: _DateSpec, said_weekday: int | None, at: time, ctx: _Ctx, tz: str) -> datetime:
    """Turn a date spec and a time of day on ``tz``'s clock into an aware UTC datetime."""
    due = _resolve_spec(spec, at, ctx, tz)
    if said_weekday is not None:
        local = in_zone(due, tz)
        if local.weekday() != said_weekday:
            day = f"{local.day} {MONTH_NAMES[local.month - 1]} {local.year}"
            actual, said = WEEKDAY_NAMES[local.weekday()], WEEKDAY_NAMES[said_weekday]
            raise DueDateError(f"{day} is a {actual}, not a {said}.", hint=HINT)
    return due


def _resolve_spec(spec: _DateSpec, at: time, ctx: _Ctx, tz: str) -> datetime:
    """Pick the concrete day for a spec: fixed days as given, the others at their next occurrence ahead."""
    match spec:
        case _On(day):
            return _local(day, at, tz)
        case _Weekday(weekday, strict):
            ahead = (weekday - ctx.today.weekday()) % 7 or (7 if strict else 0)
            due = _local(ctx.today + timedelta(days=ahead), at, tz)
            return due if due > ctx.now else _local(ctx.today + timedelta(days=ahead + 7), at, tz)
        case _Annual(month, day):
            years = range(ctx.today.year, ctx.today.year + 9)  # Feb 29 may be up to 8 years away
            return _first_ahead([(year, month, day) for year in years], at, ctx, tz)
        case _Monthly(day):
            firsts = [_add_months(ctx.today.replace(day=1), n) for n in range(5)]
            return _first_ahead([(first.year, first.month, day) for first in firsts], at, ctx, tz)


def _first_ahead(candidates: list[tuple[int, int, int]], at: time, ctx: _Ctx, tz: str) -> datetime:
    """Return the first (year, month, day) that exists and whose time ``at`` is still ahead."""
    for year, month, day in candidates:
        try:
            due = _local(date(year, month, day), at, tz)
        except ValueError:
            continue  # Feb 29 in a common year, or the 31st of a short month
        if due > ctx.now:
            return due
    raise DueDateError("I couldn't find that date in the coming years.", hint=HINT)


# ---------------------------------------------------------------------------------------------------------
# Phrases about working days and weeks


def _month_days(day: date, months_ahead: int) -> list[date]:
    """Return every day of the month ``months_ahead`` after the one containing ``day``."""
    first = _add_months(day.replace(day=1), months_ahead)
    length = calendar.monthrange(first.year, first.month)[1]
    return [first + timedelta(days=n) for n in range(length)]


def _end_of_day(ctx: _Ctx) -> datetime:
    """Return the end of today's working day (or of the next one on a non-working day)."""
    if not is_working_day(ctx.today, ctx.hours):
        return ctx.end_of(next_working_day(ctx.today, ctx.hours))
    end = ctx.end_of(ctx.today)
    if end <= ctx.now:
        raise _DefiniteRefusal(
            f"End of today's working day ({_owners(end, ctx)}) has already passed.",
            hint=f'Try "tomorrow" or "tomorrow {_spoken(ctx.hours.end)}".',
        )
    return end


def _owners(moment: datetime, ctx: _Ctx) -> str:
    """Render the time of an owner's working-day boundary, naming the zone when it is not the writer's."""
    local = moment.astimezone(ctx.owner_zone)
    return f"{local:%H:%M}" if ctx.owner_tz == ctx.tz else f"{local:%H:%M} {ctx.owner_tz}"


def _end_of_week(ctx: _Ctx) -> datetime:
    """Return the end of this week's last working day; refuse once it has passed."""
    end = ctx.end_of(working(week_of(ctx.today, ctx.hours), ctx.hours)[-1])
    if end <= ctx.now:
        raise _DefiniteRefusal(
            f"This week's last working day ended {describe(end, tz=ctx.owner_tz)}.",
            hint='Try "end of next week" or "next week".',
        )
    return end


def _end_of_next_week(ctx: _Ctx) -> datetime:
    """Return the end of next week's last working day."""
    return ctx.end_of(working(week_of(ctx.today + timedelta(days=7), ctx.hours), ctx.hours)[-1])


def _next_week(ctx: _Ctx) -> datetime:
    """Return the start of next week's first working day."""
    return ctx.start_of(working(week_of(ctx.today + timedelta(days=7), ctx.hours), ctx.hours)[0])


def _end_of_month(ctx: _Ctx) -> datetime:
    """Return the end of this month's last working day; refuse once it has passed."""
    end = ctx.end_of(working(_month_days(ctx.today, 0), ctx.hours)[-1])
    if end <= ctx.now:
        raise _DefiniteRefusal(
            f"This month's last working day ended {describe(end, tz=ctx.owner_tz)}.",
            hint='Try "end of next month" or "next week".',
        )
    return end


def _end_of_next_month(ctx: _Ctx) -> datetime:
    """Return the end of next month's last working day."""
    return ctx.end_of(working(_month_days(ctx.today, 1), ctx.hours)[-1])


def _next_month(ctx: _Ctx) -> datetime:
    """Return the start of next month's first working day."""
    return ctx.start_of(working(_month_days(ctx.today, 1), ctx.hours)[0])


def _end_of_quarter(ctx: _Ctx, *, nxt: bool, named: int | None) -> datetime:
    """Return the end of the quarter's last working day: this one (refused once past), the next, or Q1-Q4 ahead."""
    this_q = (ctx.today.month - 1) // 3
    if named is None:
        last = _quarter_end(ctx.today.year, this_q + (1 if nxt else 0))
        end = ctx.end_of(working(_month_days(last, 0), ctx.hours)[-1])
        if end <= ctx.now:
            raise _DefiniteRefusal(
                f"This quarter's last working day ended {describe(end, tz=ctx.owner_tz)}.",
                hint='Try "end of next quarter".',
            )
        return end
    for year in (ctx.today.year, ctx.today.year + 1):
        end = ctx.end_of(working(_month_days(_quarter_end(year, named - 1), 0), ctx.hours)[-1])
        if end > ctx.now:
            return end
    raise DueDateError("I couldn't find that quarter ahead.", hint=HINT)  # pragma: no cover - next year's is ahead


def _quarter_end(year: int, quarter: int) -> date:
    """Return the first day of the last month of quarter ``quarter`` (0-based, may run into the next year)."""
    return _add_months(date(year, 1, 1), quarter * 3 + 2)


def _spoken(at: time) -> str:
    """Render a time the way people type it: 5pm, 5:30pm."""
    hour = at.hour % 12 or 12
    minutes = f":{at.minute:02d}" if at.minute else ""
    return f"{hour}{minutes}{'am' if at.hour < 12 else 'pm'}"


_SPECIALS: dict[str, Callable[[_Ctx], datetime]] = {
    **dict.fromkeys(
        (
            "eod",
            "cob",
            "eob",
            "close of business",
            "end of day",
            "end of the day",
            "end of today",
            "end of business",
            "end of the working day",
            "end of working day",
            "end of business day",
        ),
        _end_of_day,
    ),
    **dict.fromkeys(
        ("eow", "end of week", "end of the week", "end of this week", "end of the working week"), _end_of_week
    ),
    **dict.fromkeys(("end of next week", "end of the next week"), _end_of_next_week),
    **dict.fromkeys(("eom", "end of month", "end of the month", "end of this month"), _end_of_month),
    **dict.fromkeys(("end of next month", "end of the next month"), _end_of_next_month),
    "next week": _next_week,
    "next month": _next_month,
}


# ---------------------------------------------------------------------------------------------------------
# dateparser fallback


def _read_with_dateparser(phrase: str, ctx: _Ctx) -> datetime | None:
    """Read a short phrase with dateparser; a date without a time lands at the end of the working day."""
    from dateparser.date import DateDataParser  # imported late: it is slow to import and rarely needed

    settings = {
        "RELATIVE_BASE": ctx.local_now.replace(tzinfo=None),
        "TIMEZONE": ctx.tz,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "MDY" if ctx.month_first else "DMY",
        "RETURN_TIME_AS_PERIOD": True,  # tells us whether a time of day was given
    }
    try:
        data = DateDataParser(languages=["en"], settings=settings).get_date_data(phrase)
    except Exception:  # a third-party parser fed arbitrary user text: any failure just means "unreadable"
        return None
    found, period = data.date_obj, str(data.period or "day")
    if found is None:
        return None
    if period in ("time", "part_of_day"):
        # Re-localize the wall time with zoneinfo so DST gaps and folds follow the same rule as our layer.
        return _local(found.date(), found.time(), ctx.tz)
    if period in ("day", "week"):
        return ctx.end_of(found.date())
    raise DueDateError(f'I read "{_shown(phrase)}" as a whole {period}; please name a day.', hint=HINT)
