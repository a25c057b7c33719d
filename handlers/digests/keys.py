"""Outbox keys of digests: weekly, escalation, roll-up, posted by hand, acknowledgements (a long one's parts:
`handlers.outgoing.part_key`), and the status report's draft DMs and its post to the stakeholders."""

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


def report_draft(report_id: int, lead: str) -> str:
    """A lead's DM with a week's draft status report and its Edit / Send / Skip buttons."""
    return f"report:{report_id}:draft:{lead}"


def report_draft_update(report_id: int, lead: str, step: str) -> str:
    """That DM brought up to a step: an edit (`r2`, `r3`...), or the report `sent` or `skipped` (once each)."""
    return f"{report_draft(report_id, lead)}:{step}"


def report_draft_back(report_id: int, lead: str) -> str:
    """The draft DM'd to a lead back from time away who asks for it (`/digest report draft`), when it went to their
    stand-in while they were away, with its Edit / Send / Skip buttons."""
    return f"report:{report_id}:back:{lead}"


def report_draft_back_update(report_id: int, lead: str, step: str) -> str:
    """That DM brought up to a step, like `report_draft_update`."""
    return f"{report_draft_back(report_id, lead)}:{step}"


def report_sent(report_id: int) -> str:
    """The approved status report, posted to the stakeholder channel (once)."""
    return f"report:{report_id}:sent"
