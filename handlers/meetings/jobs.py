"""Scheduled work for meetings: the agenda an hour before each recurring meeting; meetings left open closed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from domain import meetings, outbox
from domain import risks as risk_rules
from domain.meeting_schedule import agenda_due
from domain.text import date_token, escaped, user_mention
from handlers import outgoing
from handlers.meetings import commands as meeting_handlers
from handlers.meetings import keys, render
from storage.models import ActionItem, ActionStatus, Decision, DecisionStatus, Meeting, MeetingSeries


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
    """Open actions due before the next meeting, risks at high or above, pending decisions, last minutes' items."""
    project_id = series.project_id
    next_meeting = starts + timedelta(days=7)
    due = session.scalars(
        select(ActionItem)
        .where(
            ActionItem.project_id == project_id,
            ActionItem.status == ActionStatus.OPEN,
            ActionItem.due_at < next_meeting,
        )
        .order_by(ActionItem.due_at)
    )
    high = [r for r in risk_rules.list_open(session, project_id=project_id) if r.score >= 10]
    pending = session.scalars(
        select(Decision).where(Decision.project_id == project_id, Decision.status == DecisionStatus.PROPOSED)
    )
    last = session.scalar(
        select(Meeting).where(Meeting.series_id == series.id, Meeting.ended_at.is_not(None)).order_by(Meeting.id.desc())
    )
    carried = (
        [f"• *{i.ref}* {escaped(i.text, 200)}" for i in meetings.captured_items(session, last) if i.kind == "action"]
        if last
        else []
    )
    return {
        "Actions due before the next meeting": [
            f"• *{a.ref}* {escaped(a.title, 200)} · {user_mention(a.owner_id)} · due {date_token(a.due_at)}"
            for a in due
            if a.due_at
        ],
        "Risks at high or above": [f"• *{r.ref}* {escaped(r.title, 200)} · score {r.score}" for r in high],
        "Pending decisions": [f"• *{d.ref}* {escaped(d.statement, 200)}" for d in pending],
        "Open items from the last minutes": carried,
    }
