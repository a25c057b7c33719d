"""Scheduled work for away: note who has gone away, and tell each person back, once, what happened meanwhile."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from domain import away, members
from domain.calendar import WorkingHours, in_working_hours
from handlers import outgoing
from handlers.away import keys, render

# A person's summary goes out in their own working morning; pmbot knows no working hours of a person, so the usual.
HOURS = WorkingHours()


def queue(session: Session, now: datetime) -> int:
    """Note absences under way, and queue the summary of each person back at work; return how many were queued."""
    away.mark_gone(session, now=now)
    queued = 0
    for found in away.returned(session, now=now):
        member = members.find(session, workspace_id=found.workspace_id, user_id=found.user_id)
        if (member is not None and member.deleted) or not any(n.kind == away.Kind.AWAY for n in found.notes):
            away.summarized(session, found, now=now)  # nobody would read it; or only a project holiday passed
            continue
        if not in_working_hours(now, tz=members.zone_of(member, fallback="UTC"), hours=HOURS):
            continue  # their first working morning back is still to come
        text, blocks = render.summary(found)
        queued += outgoing.post(
            session,
            workspace_id=found.workspace_id,
            key=keys.summary(found.user_id, found.first_note),
            channel=found.user_id,
            text=text,
            blocks=blocks,
            now=now,
        )
        away.summarized(session, found, now=now)
    return queued
