"""Scheduled work: what `pmbot run-due` and the scheduler do at an instant.

The jobs are listed in `handlers.schedule.JOBS`: each, in one transaction, finds what is due at `now`
and queues it in the outbox under keys that make a second run queue nothing new. After the
jobs, the sender delivers every due message.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from bot.notifier import ClientFor, DeliveryReport, Sender
from bot.settings import Settings
from domain import lifecycle
from domain.lifecycle import Policy
from handlers import schedule
from storage.db import unit_of_work
from storage.models import OAUTH_STATES

log = logging.getLogger(__name__)


def policy_of(settings: Settings) -> Policy:
    """How long data is kept, from PMBOT_UNINSTALL_GRACE_DAYS and PMBOT_RETENTION_DAYS."""
    retention = timedelta(days=settings.retention_days) if settings.retention_days else None
    return Policy(uninstall_grace=timedelta(days=settings.uninstall_grace_days), retention=retention)


def purge(session: Session, *, now: datetime, policy: Policy) -> dict[str, int]:
    """Delete uninstalled workspaces past their grace period and closed records past retention; count them."""
    teams = lifecycle.purge_uninstalled(session, now=now, policy=policy)
    for team in teams:
        log.info("deleted the data of workspace %s, uninstalled more than %s ago", team, policy.uninstall_grace)
    counts = {"workspaces": len(teams), **lifecycle.purge_closed(session, now=now, policy=policy)}
    counts["oauth_states"] = forget_expired_states(session, now=now)
    return {kind: n for kind, n in counts.items() if n}


def forget_expired_states(session: Session, *, now: datetime) -> int:
    """Delete "Add to Slack" states past their expiry (an unused one is never deleted otherwise); count them."""
    # slack_sdk keeps expire_at as naive UTC
    expired = OAUTH_STATES.c.expire_at <= now.astimezone(UTC).replace(tzinfo=None)
    return int(session.execute(delete(OAUTH_STATES).where(expired)).rowcount)  # type: ignore[attr-defined]


@dataclass
class TickReport:
    """What one run of the scheduled work did."""

    now: datetime
    queued: dict[str, int] = field(default_factory=dict)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    purged: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        d = self.delivery
        return (
            f"run-due at {self.now.isoformat()}: queued {sum(self.queued.values())}, sent {d.sent}, "
            f"failed {d.failed}, gave up {d.gave_up}"
        )


def run_due(
    factory: sessionmaker[Session],
    client: WebClient | ClientFor,
    *,
    now: datetime,
    policy: Policy | None = None,
    budget: float | None = None,
    stop: threading.Event | None = None,
    deliver: bool = True,
) -> TickReport:
    """Run every producer for `now`, then deliver what is due; idempotent for the same instant.

    `client` speaks for every workspace, or is a function giving each workspace's own (`Tokens.client_for`).
    With a `policy`, data past its keeping time (uninstalled workspaces, closed records) is deleted first.
    Delivery stops after `budget` seconds or once `stop` is set; what is left goes at the next run. Without
    `deliver` only the producers run (a process with a delivery loop wakes it instead).
    """
    report = TickReport(now=now)
    if policy is not None:
        try:
            with unit_of_work(factory) as session:
                report.purged = purge(session, now=now, policy=policy)
        except Exception:
            log.exception("deleting data past its keeping time failed at %s", now.isoformat())
    for job in schedule.in_order(schedule.JOBS):
        try:
            with unit_of_work(factory) as session:
                report.queued[job.name] = job.run(session, now)
        except Exception:  # one broken job must not stop the others
            log.exception("scheduled work %r failed at %s", job.name, now.isoformat())
    if not deliver:
        return report
    try:
        report.delivery = Sender(factory, client).deliver_due(now=now, budget=budget, stop=stop)
    except Exception:  # the database went away mid-delivery: what was not marked sent is sent at the next tick
        log.exception("delivering due messages failed at %s; the next tick goes on", now.isoformat())
    return report
