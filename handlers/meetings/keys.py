"""Outbox keys of meetings' messages: started, minutes, capture errors and reactions, agendas."""

from __future__ import annotations

from datetime import date


def _meeting(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:"


def started(meeting_id: int) -> str:
    """The channel message saying the meeting started."""
    return f"{_meeting(meeting_id)}started"


def started_at_end(meeting_id: int) -> str:
    """The started message brought up to date when the meeting ends (the items it opened with, closed or not)."""
    return f"{started(meeting_id)}:end"


def started_refresh(meeting_id: int, change: str) -> str:
    """The started message brought up to date after a carried item's Done (`change` names the item's revision)."""
    return f"{started(meeting_id)}:refresh:{change}"


def minutes(meeting_id: int) -> str:
    """The minutes posted when it ends."""
    return f"{_meeting(meeting_id)}minutes"


def capture_error(meeting_id: int, ts: str | None, line: int = 0) -> str:
    """What was wrong with a captured line (the n-th of a message, the first unnumbered)."""
    return f"{_meeting(meeting_id)}err:{ts}" + (f":{line}" if line else "")


def reaction(meeting_id: int, ts: str) -> str:
    """The reaction acknowledging a captured message."""
    return f"{_meeting(meeting_id)}react:{ts}"


def agenda(series_id: int, day: date) -> str:
    """A recurring meeting's agenda for the meeting on `day`."""
    return f"meeting-series:{series_id}:agenda:{day.isoformat()}"
