"""Outbox keys of digests: weekly, escalation, roll-up, posted by hand, acknowledgements (a long one's parts:
`handlers.outgoing.part_key`)."""

from __future__ import annotations

from datetime import date, datetime


def weekly(project_id: int, day: date) -> str:
    """A project's weekly digest for `day`."""
    return f"digest:weekly:{project_id}:{day.isoformat()}"


def escalation(project_id: int, day: date, to: str) -> str:
    """A project's escalation digest for one recipient's `day`."""
    return f"digest:escalation:{project_id}:{day.isoformat()}:{to}"


def rollup(subscription_id: int, day: date) -> str:
    """A subscriber's weekly roll-up for their `day`."""
    return f"digest:rollup:{subscription_id}:{day.isoformat()}"


def manual(kind: str, project_id: int, at: datetime) -> str:
    """A digest posted by hand with `/digest <kind> post`, at `at`."""
    return f"digest:{kind}:{project_id}:manual:{int(at.timestamp())}"


def acknowledgement(kind: str, ref: str, user: str, at: datetime) -> str:
    """Someone acknowledging an escalated item, at `at`."""
    return f"digest:ack:{kind}:{ref}:{user}:{int(at.timestamp())}"
