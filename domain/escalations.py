"""Escalations gathered into one message per recipient: each is held as a note, then sent with the others due.

A record's escalation is noted once per recipient under a key that makes a re-run note nothing new. A lead's
note waits for the lead's working hours in the lead's own zone; a channel's is due at once. At each run the
notes due for a recipient become one message, listing the records still open and why each is there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain import away, members, outbox, visibility
from domain.calendar import WorkingHours, next_working_moment
from domain.outbox import HELD, Outgoing
from domain.workspaces import working_hours
from storage.models import ActionItem, ActionStatus, OutboxMessage, Project, Risk, RiskStatus


@dataclass(frozen=True)
class Note:
    """What one escalation says: which record, and why it is escalated."""

    project_id: int
    kind: str  # action | risk
    record_id: int
    reason: str


@dataclass(frozen=True)
class Escalated:
    """A noted escalation whose record is still open, ready to render."""

    project: Project
    kind: str
    record: ActionItem | Risk
    reason: str


def recipients(
    session: Session, project: Project, *, now: datetime, exclude: frozenset[str] = frozenset(), about: str = ""
) -> list[tuple[str, datetime]]:
    """Return who hears of the project's escalations and from when: each active lead at the next moment of their
    own working hours (a lead away: their delegate, else the other leads), the escalation channel at once. Those in
    `exclude` are left out. A lead away is noted as stood in for, about the record `about` (A-3), for their return.

    Only leads who can see the project's channel hear of its escalations (a lead not in a private channel, or gone
    from it, is left out, and nobody stands in for them); with none such, only the escalation channel does, if
    there is one, else nobody (the owner has their own reminders, and the records stay in the channel)."""
    ws = project.workspace_id
    routed = _stood_in(session, project, now=now, about=about)
    people = list(dict.fromkeys(person for to in routed.values() for person in to))
    zones, deactivated = members.zones_and_deactivated(session, user_ids=people, workspace_ids=[ws])
    leads = [
        (lead, zones.get((ws, lead), project.time_zone))
        for lead in people
        if (ws, lead) not in deactivated and lead not in exclude
    ]
    return delivery_times(leads, channel=project.escalation_channel_id, hours=working_hours(project), now=now)


def _stood_in(session: Session, project: Project, *, now: datetime, about: str) -> dict[str, list[str]]:
    """Each lead's stand-ins: themself when here, else whom `away.route` names, only people who can see the
    channel (noted for the lead's return); nobody such, it waits in the lead's own DM."""
    found: dict[str, list[str]] = {}
    for lead in visibility.may_hear(session, project=project, user_ids=map(str, project.lead_user_ids or [])):
        to = away.route(session, workspace_id=project.workspace_id, user_id=lead, project=project, now=now)
        found[lead] = to
        if to != [lead]:
            what = "escalation" if about else "an escalation"
            away.note_routed(session, workspace_id=project.workspace_id, user_id=lead, to=to, ref=about, what=what,
                             now=now)  # fmt: skip
    return found


def delivery_times(
    leads: Iterable[tuple[str, str]], *, channel: str | None, hours: WorkingHours, now: datetime
) -> list[tuple[str, datetime]]:
    """Return when each of these (lead, zone) hears of an escalation noted at `now`: at the next moment of their
    own working hours; and the escalation `channel`, if any, at once."""
    found = [(lead, next_working_moment(now, tz=tz, hours=hours)) for lead, tz in leads]
    if channel:
        found.append((channel, now))
    return found


def held(key: str, *, to: str, note: Note, not_before: datetime) -> Outgoing:
    """A note for `to`, queued like a message under `key` but sent only with the others due for `to`."""
    return Outgoing(key, HELD, to, asdict(note), not_before)


def hold(session: Session, *, workspace_id: int, message: Outgoing, now: datetime) -> bool:
    """Queue a note (from `held`) unless its key exists; return whether it was new."""
    return outbox.enqueue(session, workspace_id=workspace_id, message=message, now=now)


def due(
    session: Session, *, now: datetime, workspace_id: int | None = None, to: frozenset[str] | None = None
) -> dict[tuple[int, str], list[OutboxMessage]]:
    """Return the unsent notes due by `now`, by (workspace, recipient), oldest first; locked until the commit."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.method == HELD, OutboxMessage.sent_at.is_(None), OutboxMessage.not_before <= now)
        .order_by(OutboxMessage.id)
        .with_for_update(skip_locked=True)
    )
    if workspace_id is not None:
        stmt = stmt.where(OutboxMessage.workspace_id == workspace_id)
    if to is not None:
        stmt = stmt.where(OutboxMessage.channel.in_(to))
    found: dict[tuple[int, str], list[OutboxMessage]] = defaultdict(list)
    for message in session.scalars(stmt):
        found[(message.workspace_id, message.channel)].append(message)
    return dict(found)


def release(session: Session, notes: list[OutboxMessage], *, now: datetime) -> list[Escalated]:
    """Mark the notes sent and return those whose record is still open (one per record), to put in one message;
    not one a person (not the project's channel or escalation channel) may no longer read: they left its private
    channel since it was noted, and are not a party to the record."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([n.id for n in notes]))
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    )
    found: dict[tuple[str, int], Escalated] = {}
    for note in notes:
        payload: dict[str, Any] = note.payload
        kind, record_id = str(payload["kind"]), int(payload["record_id"])
        record: ActionItem | Risk | None = (
            session.get(ActionItem, record_id) if kind == "action" else session.get(Risk, record_id)
        )
        if record is None or record.status != (ActionStatus.OPEN if kind == "action" else RiskStatus.OPEN):
            continue  # done, closed or withdrawn since: nothing to escalate any more
        if not visibility.hears_about(record.project, note.channel) and not visibility.may_use(
            session, record=record, user_id=note.channel
        ):
            continue
        found[(kind, record_id)] = Escalated(record.project, kind, record, str(payload["reason"]))
    return list(found.values())
