"""Time zones by name, loaded once per process.

zoneinfo keeps only eight zones strongly cached; with more (a team in nine zones) each lookup reads the
zone file from disk again, thousands of times per scheduler tick.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo


@cache
def zone(name: str) -> ZoneInfo:
    """Return the ZoneInfo for an IANA name (raises ZoneInfoNotFoundError for an unknown one)."""
    return ZoneInfo(name)


def local_text(moment: datetime, name: str) -> str:
    """`Fri 2026-12-04 17:00 CET`: a moment as it reads in the zone named, for files that cannot use Slack's tokens."""
    return moment.astimezone(zone(name)).strftime("%a %Y-%m-%d %H:%M %Z")
