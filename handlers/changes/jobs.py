"""Scheduled work for change requests: nudge the approvers of a request past its needed-by date, daily."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from domain import members, outbox
from domain.outbox import Outgoing
from domain.reminders import nudge_day
from domain.workspaces import working_hours
from handlers.changes import keys, render
from storage.models import ChangeRequest, ChangeStatus


def queue_change_nudges(session: Session, now: datetime) -> int:
    """Once per day of each approver's, in their working hours, remind them of each pending request past its
    needed-by date (the request they were sent keeps the buttons, so that no nudge's button outlives its answer)."""
    pending = list(
        session.scalars(
            select(ChangeRequest)
            .options(joinedload(ChangeRequest.project, innerjoin=True))
            .where(
                ChangeRequest.status == ChangeStatus.PENDING,
                ChangeRequest.needed_by.is_not(None),
                ChangeRequest.needed_by < now,
            )
        )
    )
    approvers = {str(a) for change in pending for a in change.approver_ids}
    zones, deactivated = members.zones_and_deactivated(session, user_ids=approvers)
    messages: list[tuple[int, Outgoing]] = []
    for change in pending:
        text, blocks = render.nudge(change)
        for approver in map(str, change.approver_ids):
            if (change.workspace_id, approver) in deactivated:  # nobody would read the nudge
                continue
            tz = zones.get((change.workspace_id, approver), change.project.time_zone)
            day = nudge_day(tz=tz, hours=working_hours(change.project), now=now)
            if day is None:
                continue
            payload = {"channel": approver, "text": text, "blocks": blocks}
            key = keys.nudge(change.id, approver, day)
            messages.append((change.workspace_id, Outgoing(key, "chat.postMessage", approver, payload, now)))
    return outbox.enqueue_many(session, messages, now=now)
