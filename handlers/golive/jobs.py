"""Scheduled work for go-lives: each step's heads-up and its DM to the owner (in the owner's zone), the approvers'
go/no-go poll at T-1h, the poll decided at T with what was answered, and the cutover started after a go.

When each falls: `domain.golive_schedule`. Every message has a key naming its moment, so a second tick queues
nothing new.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from domain import golive as golives
from domain import golive_schedule as schedule
from domain import members
from domain.workspaces import working_hours
from handlers import outgoing
from handlers.golive import keys, notices, render
from storage.models.golive import GoLive, GoLiveStatus, GoLiveStep, StepStatus


def queue(session: Session, now: datetime) -> int:
    """Queue what is due at `now`; return how many messages were queued."""
    return sum(_one(session, golive, now) for golive in golives.open_golives(session))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M")


def _one(session: Session, golive: GoLive, now: datetime) -> int:
    """The poll at T-1h; at T the poll decided and, after a go, the cutover started; each step's reminders."""
    count = _poll(session, golive, now)
    if golive.at <= now < golive.at + schedule.LATE:
        if golives.decide(golive, now=now, final=True):
            notices.decided(session, golive, now=now)
            count += 1
        if golive.status == GoLiveStatus.GO and golives.start(golive, actor=None, now=now):
            notices.started(session, golive, now=now)
            count += 1
    holidays = golives.holidays_of(session, golive, since=(now - timedelta(days=1)).date())
    people = {s.owner_id for s in golive.steps}
    known = members.known(session, user_ids=people, workspace_ids=[golive.workspace_id])
    for step in golive.steps:
        if step.status != StepStatus.PENDING or (golive.workspace_id, step.owner_id) in known.deactivated:
            continue  # done already, or nobody would read it
        if golives.at_or_after_t(step) and golive.status != GoLiveStatus.LIVE:
            continue  # T and after: only once the cutover is live
        tz = known.zones.get((golive.workspace_id, step.owner_id), golive.project.time_zone)
        count += _remind(session, golive, step, tz=tz, holidays=holidays, now=now)
    return count


def _remind(
    session: Session, golive: GoLive, step: GoLiveStep, *, tz: str, holidays: frozenset[date], now: datetime
) -> int:
    """The step's heads-up (before its moment only; a day step's on the owner's last working day up to it, the
    project's holidays skipped) and its DM with the buttons, each once, in the owner's zone."""
    moment = golives.moment_of(golive, step)
    heads_up = schedule.heads_up(moment, golives.offset_of(step), owner_zone=tz, hours=working_hours(golive.project),
                                 holidays=holidays, not_before=golive.created_at)  # fmt: skip
    stamp, owner = _stamp(moment), step.owner_id
    due: list[tuple[str, tuple[str, list[dict[str, Any]]]]] = []
    if now < moment and schedule.due(heads_up, now=now, since=golive.created_at):
        due.append((keys.heads_up(golive.id, step.id, owner, stamp), render.heads_up(golive, step, moment, tz=tz)))
    if schedule.due(moment, now=now, since=golive.created_at):
        due.append((keys.step_due(golive.id, step.id, owner, stamp), render.step_due(golive, step, moment, tz=tz)))
    return sum(
        outgoing.post(
            session, workspace_id=golive.workspace_id, key=key, channel=owner, text=text, blocks=blocks, now=now
        )
        for key, (text, blocks) in due
    )


def _poll(session: Session, golive: GoLive, now: datetime) -> int:
    """At T-1h (or at once, for a go-live planned closer than that), each approver asked: go or no-go?"""
    if golive.status != GoLiveStatus.PLANNED or golive.decided_at is not None:
        return 0
    if not schedule.poll_opens(golive.at) <= now < golive.at:
        return 0
    count = 0
    for approver in map(str, golive.approver_ids):
        text, blocks = render.poll(golive, approver)
        count += outgoing.post(session, workspace_id=golive.workspace_id, key=keys.poll(golive.id, approver),
                               channel=approver, text=text, blocks=blocks, now=now)  # fmt: skip
    return count
