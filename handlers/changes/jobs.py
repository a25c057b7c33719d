"""Scheduled work for change requests: nudge the approvers of a request past its needed-by date, daily."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from domain import away, members, outbox
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
        hours = working_hours(change.project)
        for approver in map(str, change.approver_ids):
            if (change.workspace_id, approver) in deactivated:  # nobody would read the nudge
                continue
            for person, tz in _nudged(session, change, approver, zones, now=now):
                day = nudge_day(tz=tz, hours=hours, now=now)
                if day is None:
                    continue
                payload = {"channel": person, "text": text, "blocks": blocks}
                key = keys.nudge(change.id, person, day)
                messages.append((change.workspace_id, Outgoing(key, "chat.postMessage", person, payload, now)))
    return outbox.enqueue_many(session, messages, now=now)


def _nudged(
    session: Session, change: ChangeRequest, approver: str, zones: dict[tuple[int, str], str], *, now: datetime
) -> list[tuple[str, str]]:
    """Who is nudged for an approver, each with their zone (the nudge goes in their own working hours): themself,
    or while they are away their stand-ins (their own nudge held; nobody to stand in, it waits for them)."""
    ws = change.workspace_id
    to = away.stand_ins(session, workspace_id=ws, user_id=approver, project=change.project, now=now)
    if to == [approver]:
        return [(approver, zones.get((ws, approver), change.project.time_zone))]
    away.hold(session, workspace_id=ws, user_id=approver, ref=change.ref, what=f"nudge: {change.title}",
              now=now)  # fmt: skip
    theirs, gone = members.zones_and_deactivated(session, user_ids=to, workspace_ids=[ws])
    return [(p, theirs.get((ws, p), change.project.time_zone)) for p in to if (ws, p) not in gone]
