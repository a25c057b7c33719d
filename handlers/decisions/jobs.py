"""Scheduled work for decisions: nudge the approver of a pending decision past its needed-by date, daily."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from domain import away, members, outbox
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
        messages += _nudges(session, decision, zones, now=now)
    return outbox.enqueue_many(session, messages, now=now)


def _nudges(
    session: Session, decision: Decision, zones: dict[tuple[int, str], str], *, now: datetime
) -> list[tuple[int, Outgoing]]:
    """The approver's nudge, in their working hours; while they are away, their stand-ins' instead, each in their
    own working hours (the approver's is held; nobody to stand in, it waits for them)."""
    assert decision.approver_id is not None
    ws, approver, hours = decision.workspace_id, decision.approver_id, working_hours(decision.project)
    to = away.stand_ins(session, workspace_id=ws, user_id=approver, project=decision.project, now=now)
    if to == [approver]:
        day = nudge_day(tz=zones.get((ws, approver), decision.project.time_zone), hours=hours, now=now)
        if day is None:
            return []
        text, blocks = render.nudge(decision)
        payload = {"channel": approver, "text": text, "blocks": blocks}
        return [(ws, Outgoing(keys.nudge(decision.id, day), "chat.postMessage", approver, payload, now))]
    away.hold(session, workspace_id=ws, user_id=approver, ref=decision.ref, what=f"nudge: {decision.statement}",
              now=now)  # fmt: skip
    text, blocks = render.nudge(decision, away=approver)
    theirs, gone = members.zones_and_deactivated(session, user_ids=to, workspace_ids=[ws])
    found = []
    for person in to:
        day = nudge_day(tz=theirs.get((ws, person), decision.project.time_zone), hours=hours, now=now)
        if day is None or (ws, person) in gone:
            continue
        payload = {"channel": person, "text": text, "blocks": blocks}
        found.append((ws, Outgoing(keys.nudge_for(decision.id, person, day), "chat.postMessage", person, payload, now)))
    return found
