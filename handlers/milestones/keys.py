"""Outbox keys of milestones' messages: the card in the project channel and its updates."""

from __future__ import annotations

from datetime import date, datetime


def card(milestone_id: int) -> str:
    """The milestone's card in the project channel."""
    return f"milestone:{milestone_id}:card"


def card_update(milestone_id: int, at: datetime, digest: str) -> str:
    """The card brought up to date at `at` with content `digest` (two changes in one request differ by content)."""
    return f"{card(milestone_id)}:{at:%Y%m%dT%H%M%S%f}:{digest}"


# Slip alerts and status alerts (handlers/milestones/notices.py and jobs.py)


def _slip(milestone_id: int, number: int) -> str:
    return f"milestone:{milestone_id}:slip{number}:"


def slip_dm(milestone_id: int, number: int, user_id: str) -> str:
    """A slip told to the milestone's owner or a lead of its project, once per slip and person."""
    return f"{_slip(milestone_id, number)}dm:{user_id}"


def slip_channel(milestone_id: int, number: int) -> str:
    """A slip noticed in the milestone's own channel, once per slip."""
    return f"{_slip(milestone_id, number)}channel"


def slip_downstream(milestone_id: int, number: int, project_id: int) -> str:
    """A slip told to the channel of a project whose milestones depend on it, once per slip and project."""
    return f"{_slip(milestone_id, number)}project:{project_id}"


def slip_downstream_lead(milestone_id: int, number: int, project_id: int, user_id: str) -> str:
    """A slip told to a lead of a dependent project, once per slip, project and lead."""
    return f"{slip_downstream(milestone_id, number, project_id)}:lead:{user_id}"


def status_alert(milestone_id: int, status: str, day: date, user_id: str) -> str:
    """A milestone become at risk or late told to its owner or a lead, once per status, day and person."""
    return f"milestone:{milestone_id}:status-{status}:{day.isoformat()}:{user_id}"
