"""A milestone's card in its project's channel: posted once when it is made, updated whenever it changes."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy.orm import Session

from domain import milestones, outbox
from handlers import outgoing
from handlers.milestones import keys, notices, render
from storage.models import Milestone, MilestoneStatus


def post_card(session: Session, milestone: Milestone, *, now: datetime) -> None:
    """Queue the new milestone's card in its channel (once)."""
    text, blocks = render.card(milestone)
    outgoing.post(
        session,
        workspace_id=milestone.workspace_id,
        key=keys.card(milestone.id),
        channel=milestone.project.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )


def refresh_card(session: Session, milestone: Milestone, *, now: datetime) -> None:
    """Queue an update of the milestone's card to what it says now (moved, done, reopened, linked, rebaselined,
    its status changed); the same content at the same moment is queued once. A milestone without a card (none was
    ever posted) has nothing to update."""
    if not _has_card(session, milestone):
        return
    text, blocks = render.card(milestone)
    digest = hashlib.sha256(json.dumps([text, blocks], sort_keys=True).encode()).hexdigest()[:10]
    outgoing.update(
        session,
        workspace_id=milestone.workspace_id,
        key=keys.card_update(milestone.id, now, digest),
        of_key=keys.card(milestone.id),
        conversation=milestone.project.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )


def statuses(session: Session, milestone: Milestone) -> dict[int, tuple[MilestoneStatus, str]]:
    """The status and its reason of the milestone and of every milestone waiting for it, directly or not: taken
    before a change, so that `changed` refreshes the cards of those it moved and tells those it put in trouble."""
    stood = {milestone.id: (milestone.status, milestone.status_why)}
    stood.update({m.id: (m.status, m.status_why) for m, _chain in milestones.downstream(session, milestone)})
    return stood


def changed(
    session: Session,
    milestone: Milestone,
    *,
    now: datetime,
    before: dict[int, tuple[MilestoneStatus, str]] | None = None,
    slipped: bool = False,
) -> None:
    """After a change to `milestone`: bring its status and those of the milestones waiting for it up to date
    (nearest first, each seeing the one before it), refresh its card and the cards of those whose status or reason
    changed since `before` (by default: since now), and tell the people of each that became at risk or late, as the
    job would (under the same keys, so the job never tells it again). With `slipped`, the milestone's own people
    are told by the slip alert instead."""
    found = milestones.downstream(session, milestone)
    if before is None:
        before = {m.id: (m.status, m.status_why) for m in [milestone, *(m for m, _chain in found)]}
    milestones.refresh_along(session, milestone, found, now=now)
    refresh_card(session, milestone, now=now)
    for other, _chain in found:
        if (other.status, other.status_why) != before.get(other.id):
            refresh_card(session, other, now=now)
    # After a slip, its owner and the leads of every project waiting on it had the slip's own message, which says
    # what it puts at risk: the same news is not sent to them twice.
    heard = {milestone.owner_id, *(lead for m in [milestone, *(d for d, _c in found)]
                                   for lead in m.project.lead_user_ids or [])} if slipped else set()  # fmt: skip
    _tell_troubled(session, [milestone, *(m for m, _chain in found)], before, now=now,
                   skip=milestone.id if slipped else None, heard=heard)  # fmt: skip


def told(session: Session, milestone: Milestone, /, *, now: datetime) -> None:
    """What follows a milestone made or changed by another feature (an approved change request's new baseline): its
    status brought up to date and its card posted if it has none; else `changed`."""
    if _has_card(session, milestone):
        changed(session, milestone, now=now)
        return
    before = {milestone.id: (milestone.status, milestone.status_why)}
    milestones.refresh(session, [milestone], now=now)
    post_card(session, milestone, now=now)
    _tell_troubled(session, [milestone], before, now=now)


def _tell_troubled(
    session: Session,
    found: list[Milestone],
    before: dict[int, tuple[MilestoneStatus, str]],
    *,
    now: datetime,
    skip: int | None = None,
    heard: set[str] | None = None,
) -> None:
    was = {mid: status for mid, (status, _why) in before.items()}
    worse = [m for m in milestones.newly_troubled(found, was) if m.id != skip]
    notices.troubled(session, worse, now=now, heard=heard or set())


def _has_card(session: Session, milestone: Milestone) -> bool:
    return outbox.find(session, workspace_id=milestone.workspace_id, key=keys.card(milestone.id)) is not None
