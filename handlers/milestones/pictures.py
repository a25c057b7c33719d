"""`/milestone timeline`: the channel's milestones read from the database, drawn (timeline.py) and uploaded after
the answer, with the same content as text for screen readers."""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from domain import milestones
from domain.calendar import local_day
from domain.text import escaped
from handlers.context import Job
from handlers.milestones import notices, timeline
from storage.db import unit_of_work
from storage.models import Milestone, Project

log = logging.getLogger(__name__)

RECENTLY_DONE = timedelta(days=30)


def upload_job(project: Project, *, user_id: str, at: datetime) -> Job:
    """The work to run after the answer: draw the project's timeline and upload it to its channel."""
    return functools.partial(_upload, project_id=project.id, user_id=user_id, at=at)


def _label(milestone: Milestone) -> str:
    return f"{milestone.ref} {milestone.name}"


def _row(milestone: Milestone, *, other: bool = False) -> timeline.Row:
    project = milestone.project
    label = f"#{project.name or project.channel_id} {milestone.ref}" if other else _label(milestone)
    return timeline.Row(
        key=milestone.id,
        label=label,
        baseline=milestones.day_of(milestone.baseline_at, project),
        forecast=milestones.day_of(milestone.forecast_at, project),
        status=milestone.status,
        slip_days=milestones.slip_days(milestone),
        other=other,
    )


def shown(session: Session, project: Project, *, at: datetime) -> list[Milestone]:
    """The milestones a project's timeline draws: its open ones and those done in the last 30 days."""
    return [
        m
        for m in milestones.list_for(session, project_id=project.id, include_done=True)
        if m.done_at is None or m.done_at >= at - RECENTLY_DONE
    ]


def build(session: Session, project: Project, *, at: datetime) -> timeline.Timeline:
    """The timeline of a project's channel: its open milestones and those done in the last 30 days, and what they
    wait for (another project's milestone only when that project's channel is public and each guest in this channel
    can see it: the picture is for everyone in this channel)."""
    drawn = shown(session, project, at=at)
    rows = [_row(m) for m in drawn]
    keys = {m.id for m in drawn}
    arrows: list[tuple[int, int]] = []
    hidden = 0
    in_channel = notices.channel_shown(session, project)
    for milestone in drawn:
        for upstream in milestones.upstreams(session, milestone):
            if not in_channel(upstream):
                hidden += 1
                continue
            if upstream.id not in keys:
                rows.append(_row(upstream, other=upstream.project_id != project.id))
                keys.add(upstream.id)
            arrows.append((upstream.id, milestone.id))
    title = f"#{project.name or project.channel_id} milestones"
    return timeline.Timeline(title, local_day(at, project.time_zone), rows, arrows, hidden)


def _upload(factory: sessionmaker[Session], client: WebClient, *, project_id: int, user_id: str, at: datetime) -> None:
    with unit_of_work(factory) as session:
        project = session.get(Project, project_id)
        if project is None:  # forgotten or uninstalled in the meantime
            return
        channel_id, drawn = project.channel_id, build(session, project, at=at)
    if not drawn.rows:  # all gone since the answer: an empty picture tells the channel nothing
        client.chat_postEphemeral(channel=channel_id, user=user_id, text="There are no milestones to draw now.")
        return
    words = timeline.text(drawn)
    try:
        client.files_upload_v2(
            channel=channel_id,
            content=timeline.png(drawn),
            filename="milestone-timeline.png",
            title=drawn.title,
            alt_txt=words[:1000],
            initial_comment=escaped(words, 3000),
        )
    except SlackApiError as err:
        code = err.response.get("error") if isinstance(err.response.data, dict) else err.response.status_code
        log.warning("timeline upload to %s failed: %s", channel_id, code)
        client.chat_postEphemeral(
            channel=channel_id, user=user_id, text=f"I couldn't upload the timeline (`{code}`). Try again."
        )
