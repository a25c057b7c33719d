"""Scheduled work for meetings: the agenda an hour before each recurring meeting; meetings left open closed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from domain import meetings, outbox
from domain import risks as risk_rules
from domain.meeting_schedule import agenda_due
from domain.text import date_token, escape, escaped, plural, user_mention
from handlers import outgoing
from handlers.meetings import commands as meeting_handlers
from handlers.meetings import keys, render
from storage.models import ActionItem, ActionStatus, Decision, DecisionStatus, MeetingSeries


def queue_meetings(session: Session, now: datetime) -> int:
    """Close meetings open for over three hours (with minutes), and post agendas an hour ahead."""
    queued = 0
    for meeting in meetings.overdue_open(session, now=now):
        meeting_handlers.close(session, meeting, now=now)
        queued += 1
    for series in session.scalars(select(MeetingSeries).options(joinedload(MeetingSeries.project, innerjoin=True))):
        due = agenda_due(weekday=series.weekday, minute=series.minute, tz=series.project.time_zone, now=now)
        if due is None:
            continue
        day, starts = due
        key = keys.agenda(series.id, day)
        if outbox.find(session, workspace_id=series.project.workspace_id, key=key):
            continue
        text, blocks = render.agenda(series.title, _agenda(session, series, starts))
        queued += outgoing.post(
            session,
            workspace_id=series.project.workspace_id,
            key=key,
            channel=series.project.channel_id,
            text=text,
            blocks=blocks,
            now=now,
        )
    return queued


def _agenda(session: Session, series: MeetingSeries, starts: datetime) -> dict[str, list[str]]:
    """Open actions due before the next meeting, risks at high or above, pending decisions; the last meetings' open
    items are counted, not listed: they open the meeting with their Done buttons (each item in one place)."""
    project_id = series.project_id
    next_meeting = starts + timedelta(days=7)
    carried = meetings.carried_over(session, series_id=series.id, workspace_id=series.project.workspace_id)
    due = session.scalars(
        select(ActionItem)
        .where(
            ActionItem.project_id == project_id,
            ActionItem.status == ActionStatus.OPEN,
            ActionItem.due_at < next_meeting,
            ActionItem.id.not_in([a.id for a in carried]),
        )
        .order_by(ActionItem.due_at)
    )
    high = [r for r in risk_rules.list_open(session, project_id=project_id) if r.score >= 10]
    pending = session.scalars(
        select(Decision).where(Decision.project_id == project_id, Decision.status == DecisionStatus.PROPOSED)
    )
    opening = (
        [f"{plural(len(carried), 'open item')} ({', '.join(a.ref for a in carried[:10])}"
         f"{', …' if len(carried) > 10 else ''}): `/meeting start {escape(series.title)}` opens with them."]
        if carried
        else []
    )  # fmt: skip
    return {
        "Actions due before the next meeting": [
            f"• *{a.ref}* {escaped(a.title, 200)} · {user_mention(a.owner_id)} · due {date_token(a.due_at)}"
            for a in due
            if a.due_at
        ],
        "Risks at high or above": [f"• *{r.ref}* {escaped(r.title, 200)} · score {r.score}" for r in high],
        "Pending decisions": [f"• *{d.ref}* {escaped(d.statement, 200)}" for d in pending],
        "Open items from the last meeting": opening,
    }
