"""Scheduled work for decisions: nudge the approver of a pending decision past its needed-by date, daily."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from domain import members, outbox
from domain.outbox import Outgoing
from domain.reminders import nudge_day
from domain.workspaces import working_hours
from handlers.decisions import keys, render
from storage.models import Decision, DecisionStatus


def queue_decision_nudges(session: Session, now: datetime) -> int:
    """Once per day of the approver's, in their working hours, remind them of each overdue pending decision."""
    pending = list(
        session.scalars(
            select(Decision)
            .options(joinedload(Decision.project, innerjoin=True))
            .where(
                Decision.status == DecisionStatus.PROPOSED,
                Decision.needed_by.is_not(None),
                Decision.needed_by < now,
                Decision.approver_id.is_not(None),
            )
        )
    )
    approvers = {d.approver_id for d in pending}
    zones, deactivated = members.zones_and_deactivated(session, user_ids={a for a in approvers if a})
    messages: list[tuple[int, Outgoing]] = []
    for decision in pending:
        assert decision.approver_id is not None
        if (decision.workspace_id, decision.approver_id) in deactivated:  # nobody would read the nudge
            continue
        tz = zones.get((decision.workspace_id, decision.approver_id), decision.project.time_zone)
        day = nudge_day(tz=tz, hours=working_hours(decision.project), now=now)
        if day is None:
            continue
        text, blocks = render.nudge(decision)
        payload = {"channel": decision.approver_id, "text": text, "blocks": blocks}
        key = keys.nudge(decision.id, day)
        messages.append((decision.workspace_id, Outgoing(key, "chat.postMessage", decision.approver_id, payload, now)))
    return outbox.enqueue_many(session, messages, now=now)
