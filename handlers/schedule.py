"""Every piece of scheduled work, listed in the order `bot.jobs.run_due` runs it.

Each job, in one transaction, finds what is due at `now` and queues it in the outbox under keys that make a
second run queue nothing new; it returns how many messages it queued. The late ones run after all the others:
they gather what the others queued.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from domain import events, forms, outbox
from handlers.actions import jobs as action_reminders
from handlers.away import jobs as away_jobs
from handlers.changes import jobs as change_jobs
from handlers.decisions import jobs as decision_jobs
from handlers.digests import jobs as digest_jobs
from handlers.escalations import jobs as escalation_jobs
from handlers.golive import jobs as golive_jobs
from handlers.meetings import jobs as meeting_jobs
from handlers.milestones import jobs as milestone_jobs
from handlers.retros import jobs as retro_jobs
from handlers.risks import jobs as risk_jobs
from handlers.standups import jobs as standup_jobs

Producer = Callable[[Session, datetime], int]  # returns how many messages it queued


@dataclass(frozen=True)
class Job:
    """One piece of scheduled work, run at every tick."""

    name: str
    run: Producer
    late: bool = False  # after every other job: it gathers what they queued


def housekeeping(session: Session, now: datetime) -> int:
    """Forget event ids too old to be retried by Slack, forms kept past their week, and Slack's paces of a day ago."""
    events.forget_old(session, now=now)
    forms.forget_old(session, now=now)
    outbox.forget_old_pace(session, now=now)
    return 0


JOBS: tuple[Job, ...] = (
    Job("housekeeping", housekeeping),
    Job("action reminders", action_reminders.queue_action_reminders),
    Job("decision nudges", decision_jobs.queue_decision_nudges),
    Job("digests", digest_jobs.queue_digests),
    Job("status reports", digest_jobs.queue_status_reports),
    Job("meetings", meeting_jobs.queue_meetings),
    Job("milestones", milestone_jobs.queue_milestone_alerts),
    Job("change nudges", change_jobs.queue_change_nudges),
    Job("risk reviews", risk_jobs.queue_risk_reviews),
    Job("stand-ups", standup_jobs.queue_standups),
    Job("retros", retro_jobs.queue),
    Job("go-lives", golive_jobs.queue),
    Job("away", away_jobs.queue),
    Job("escalations", escalation_jobs.send_held_escalations, late=True),
)


def in_order(jobs: Iterable[Job]) -> list[Job]:
    """The jobs in the order they run: as listed, the late ones last."""
    listed = list(jobs)
    return [job for job in listed if not job.late] + [job for job in listed if job.late]
