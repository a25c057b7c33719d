"""Scheduled work for action items: reminders in the owner's working hours, and escalations noted for the leads."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from domain import actions, away, escalations, members, outbox, reminders
from domain.calendar import working_days_between
from domain.outbox import Outgoing
from domain.text import plural
from domain.workspaces import working_hours
from handlers.actions import keys, render
from storage.models import ActionItem
from storage.models.actions import ActionStatus

# How far ahead a due date can be for its "day before" reminder to have arrived (a long weekend and a
# Sun-Thu week included).
LOOKAHEAD = timedelta(days=7)
DEFAULT_ESCALATION_DAYS = 2


def queue_action_reminders(session: Session, now: datetime) -> int:
    """Queue each open item's current reminder and any escalation it has reached; return how many were new."""
    items = list(
        session.scalars(
            select(ActionItem)
            .options(joinedload(ActionItem.project, innerjoin=True))
            .where(
                ActionItem.status == ActionStatus.OPEN,
                ActionItem.due_at.is_not(None),
                ActionItem.due_at <= now + LOOKAHEAD,
            )
            # An item being completed right now is locked: skip it this tick rather than remind about it after.
            .with_for_update(skip_locked=True, of=ActionItem)
        )
    )
    zones, deactivated = members.zones_and_deactivated(session, user_ids={i.owner_id for i in items})
    messages: list[tuple[int, Outgoing]] = []
    due: list[tuple[ActionItem, reminders.Reminder]] = []
    for item in items:
        assert item.due_at is not None
        tz = zones.get((item.workspace_id, item.owner_id), item.project.time_zone)
        current = reminders.current_reminder(
            due_at=item.due_at,
            created_at=item.created_at,
            snoozed_until=item.snoozed_until,
            tz=tz,
            hours=working_hours(item.project),
            now=now,
        )
        # Nobody reads a deactivated account's DMs; the leads still hear of the item once it is overdue.
        if current is not None and (item.workspace_id, item.owner_id) not in deactivated:
            due.append((item, current))
        messages += _escalations(session, item, now=now)
    for item, current in _present(session, due, now=now):
        text, blocks = render.reminder(item, current)
        payload = {"channel": item.owner_id, "text": text, "blocks": blocks}
        key = keys.reminder(item.id, item.owner_id, current)
        messages.append((item.workspace_id, Outgoing(key, "chat.postMessage", item.owner_id, payload, current.at)))
    return outbox.enqueue_many(session, messages, now=now)


def _present(
    session: Session, due: list[tuple[ActionItem, reminders.Reminder]], *, now: datetime
) -> list[tuple[ActionItem, reminders.Reminder]]:
    """The reminders whose owners are here; those of owners away are held (noted once for their return)."""
    by_project: dict[int, list[tuple[ActionItem, reminders.Reminder]]] = {}
    for item, current in due:
        by_project.setdefault(item.project_id, []).append((item, current))
    sent = []
    for found in by_project.values():
        project = found[0][0].project
        owners = {i.owner_id for i, _ in found}
        gone = away.absent(session, workspace_id=project.workspace_id, user_ids=owners, now=now, project=project)
        for item, current in found:
            if item.owner_id not in gone:
                sent.append((item, current))
                continue
            away.hold(session, workspace_id=item.workspace_id, user_id=item.owner_id, ref=item.ref,
                      what=f"reminder: {item.title}", now=now)  # fmt: skip
    return sent


def _escalations(session: Session, item: ActionItem, *, now: datetime) -> list[tuple[int, Outgoing]]:
    """Note an escalation once per level reached, for each lead (in their working hours) and the escalation channel."""
    assert item.due_at is not None
    project = item.project
    threshold = int((project.settings or {}).get("escalation_days", DEFAULT_ESCALATION_DAYS))
    hours = working_hours(project)
    level = reminders.escalation_level(
        due_at=item.due_at, threshold_days=threshold, tz=project.time_zone, hours=hours, now=now
    )
    if level <= item.escalation_level:
        return []
    recipients = escalations.recipients(session, project, now=now, about=item.ref)
    if not recipients:
        return []
    actions.escalate(session, item, level=level, now=now)
    days = working_days_between(item.due_at, now, tz=project.time_zone, hours=hours)
    reason = f"overdue by {plural(days, 'working day')} (level {level})"
    note = escalations.Note(project.id, "action", item.id, reason)
    return [
        (
            item.workspace_id,
            escalations.held(keys.escalation(item.id, item.due_at, level, to), to=to, note=note, not_before=at),
        )
        for to, at in recipients
    ]
