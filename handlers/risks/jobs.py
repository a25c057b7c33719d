"""Scheduled work for the RAID log: review reminders to owners in their working hours; issues that escalate."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from domain import away, members, outbox, risks
from domain.outbox import Outgoing
from domain.reminders import review_due
from domain.workspaces import working_hours
from handlers.risks import keys, render
from handlers.risks import notices as risk_notices
from storage.models import Risk, RiskStatus


def queue_risk_reviews(session: Session, now: datetime) -> int:
    """Queue a review DM for each open entry whose review is due; escalate issues with no owner or past target."""
    open_risks = list(
        session.scalars(
            select(Risk)
            .options(joinedload(Risk.project, innerjoin=True))
            .where(Risk.status == RiskStatus.OPEN)
            .with_for_update(skip_locked=True, of=Risk)
        )
    )
    owners = {r.owner_id for r in open_risks if r.owner_id}
    zones, deactivated = members.zones_and_deactivated(session, user_ids=owners)
    messages: list[tuple[int, Outgoing]] = []
    for risk in open_risks:
        due = risks.next_review(risk)
        if risk.owner_id and (risk.workspace_id, risk.owner_id) not in deactivated:
            tz = zones.get((risk.workspace_id, risk.owner_id), risk.project.time_zone)
            if review_due(due, tz=tz, hours=working_hours(risk.project), now=now) and not _held(session, risk, now):
                text, blocks = render.review_prompt(risk)
                key = keys.review(risk.id, due)
                payload = {"channel": risk.owner_id, "text": text, "blocks": blocks}
                messages.append((risk.workspace_id, Outgoing(key, "chat.postMessage", risk.owner_id, payload, now)))
        if risk.kind == "issue":
            _escalate_issue(session, risk, now=now)
    return outbox.enqueue_many(session, messages, now=now)


def _held(session: Session, risk: Risk, now: datetime) -> bool:
    """Whether the owner is away: their review reminder waits (noted once for their return), not sent."""
    assert risk.owner_id is not None
    if not away.is_away(session, workspace_id=risk.workspace_id, user_id=risk.owner_id, now=now, project=risk.project):
        return False
    away.hold(session, workspace_id=risk.workspace_id, user_id=risk.owner_id, ref=risk.ref,
              what=f"review: {risk.title}", now=now)  # fmt: skip
    return True


def _escalate_issue(session: Session, risk: Risk, *, now: datetime) -> None:
    """An issue with no owner, or past its target date, goes to the leads and the escalation channel once."""
    if risk.owner_id is None:
        risk_notices.send_escalation(session, risk, cause=keys.UNOWNED, reason="an issue with no owner", now=now)
    if risk.target_at is not None and risk.target_at < now:
        risk_notices.send_escalation(
            session,
            risk,
            cause=keys.overdue(risk.target_at),
            reason=f"past its target date ({risk.target_at:%Y-%m-%d})",
            now=now,
        )
