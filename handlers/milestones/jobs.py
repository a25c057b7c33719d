"""Scheduled work for milestones: statuses brought up to date, and alerts when linked items put one at risk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from domain import milestones, outbox
from handlers.milestones import cards, keys, notices
from storage.models import Milestone


def queue_milestone_alerts(session: Session, now: datetime) -> int:
    """Refresh every open milestone's status; tell the owner and the leads of each that became at risk or late, once
    a status and day, in their working hours. Return how many messages were queued."""
    open_ones = list(
        session.scalars(
            select(Milestone)
            .options(joinedload(Milestone.project, innerjoin=True))
            .where(Milestone.done_at.is_(None))
            .with_for_update(skip_locked=True, of=Milestone)
        )
    )
    stood = {m.id: (m.status, m.status_why) for m in open_ones}
    before = milestones.refresh_downstream(session, open_ones, now=now)
    _refresh_cards(session, [m for m in open_ones if (m.status, m.status_why) != stood[m.id]], now=now)
    return notices.troubled(session, milestones.newly_troubled(open_ones, before), now=now)


def _refresh_cards(session: Session, changed: list[Milestone], *, now: datetime) -> None:
    """Cards say a milestone's status and why: bring those of the changed ones up to date (those that have a card)."""
    for milestone in changed:
        if outbox.find(session, workspace_id=milestone.workspace_id, key=keys.card(milestone.id)) is not None:
            cards.refresh_card(session, milestone, now=now)
