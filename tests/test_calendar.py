"""The one calendar: zones loaded once, local <-> UTC, snoozes; and no time code outside it and the phrase reader."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from domain.calendar import (
    WorkingHours,
    is_zone,
    local_day,
    local_moment,
    local_to_utc,
    snooze_until,
    zone,
)
from domain.due_phrases import parse_when
from domain.errors import DueDateError

ROOT = Path(__file__).resolve().parent.parent


def _modules(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_only_the_calendar_builds_a_zoneinfo() -> None:
    """No module in handlers/, domain/ or bot/ but domain/calendar.py calls ZoneInfo(...): zones come from one cache."""
    app = _modules("handlers", "domain", "bot")
    found = [_name(path) for path in app if "ZoneInfo(" in path.read_text(encoding="utf-8")]
    assert ["domain/calendar.py"] == found


def test_only_the_phrase_reader_imports_dateparser() -> None:
    """No module but domain/due_phrases.py imports dateparser."""
    importers = []
    for path in _modules("handlers", "domain", "bot", "storage", "sandbox", "bench"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name == "dateparser" or name.startswith("dateparser.") for name in names):
                importers.append(_name(path))
    assert ["domain/due_phrases.py"] == importers


def test_a_zone_is_loaded_once_and_an_unknown_one_is_refused_in_words() -> None:
    """The same ZoneInfo comes back for a name; an unknown name, a folder or an empty name is no zone."""
    assert zone("Europe/Berlin") is zone("Europe/Berlin")
    assert is_zone("Asia/Kathmandu")
    assert not any(is_zone(name) for name in ("Mars/Olympus", "America", "", "../etc/passwd", "x" * 300))
    with pytest.raises(DueDateError, match="time zone"):
        zone("Mars/Olympus")


def test_local_to_utc_moves_a_gap_forward_and_takes_the_first_of_a_fold() -> None:
    """02:30 on the spring-forward day is 03:30 local; 02:30 on the fall-back day is its first occurrence."""
    assert datetime(2026, 3, 29, 1, 30, tzinfo=UTC) == local_to_utc(date(2026, 3, 29), time(2, 30), "Europe/Berlin")
    assert datetime(2026, 10, 25, 0, 30, tzinfo=UTC) == local_to_utc(date(2026, 10, 25), time(2, 30), "Europe/Berlin")
    assert local_to_utc(date(2026, 3, 29), time(2, 30), "Europe/Berlin") == local_moment(
        date(2026, 3, 29), 150, "Europe/Berlin"
    )


def test_local_day_is_the_day_on_the_wall_calendar() -> None:
    """23:30 UTC on 1 December is already 2 December in Berlin and still 1 December in Los Angeles."""
    at = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert (date(2026, 12, 2), date(2026, 12, 1)) == (
        local_day(at, "Europe/Berlin"),
        local_day(at, "America/Los_Angeles"),
    )


@pytest.mark.parametrize("tz", ["Europe/Berlin", "Pacific/Auckland", "America/Los_Angeles"])
def test_snoozes_land_in_working_hours(tz: str) -> None:
    """Friday 16:30: an hour is Friday 17:30 moved to Monday 09:00; the next day is Monday 09:00; next week is the
    start of next week's first working day, as "next week" reads."""
    hours = WorkingHours()
    at = local_to_utc(date(2026, 12, 4), time(16, 30), tz)
    monday = local_to_utc(date(2026, 12, 7), time(9, 0), tz)
    assert monday == snooze_until("1h", at=at, tz=tz, hours=hours)
    assert monday == snooze_until("next-day", at=at, tz=tz, hours=hours)
    assert monday == snooze_until("next-week", at=at, tz=tz, hours=hours)
    assert parse_when("next week", now=at, tz=tz, hours=hours) == snooze_until("next-week", at=at, tz=tz, hours=hours)
    sun_thu = WorkingHours(days=frozenset({6, 0, 1, 2, 3}))
    wednesday = local_to_utc(date(2026, 12, 2), time(10, 0), tz)
    assert local_to_utc(date(2026, 12, 6), time(9, 0), tz) == snooze_until(
        "next-week", at=wednesday, tz=tz, hours=sun_thu
    )
