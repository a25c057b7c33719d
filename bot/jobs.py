"""Scheduled work: what `pmbot run-due` and the scheduler do at an instant.

Each feature registers a producer: a function that, in one transaction, finds what is due at `now`
and queues it in the outbox under keys that make a second run queue nothing new. After the
producers, the sender delivers every due message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.notifier import DeliveryReport, Sender
from domain import events
from storage.db import unit_of_work

log = logging.getLogger(__name__)

Producer = Callable[[Session, datetime], int]  # returns how many messages it queued
PRODUCERS: list[tuple[str, Producer]] = []


def producer(name: str) -> Callable[[Producer], Producer]:
    """Register a function as scheduled work, run at every tick."""

    def add(func: Producer) -> Producer:
        PRODUCERS.append((name, func))
        return func

    return add


@producer("housekeeping")
def housekeeping(session: Session, now: datetime) -> int:
    """Forget event ids too old to be retried by Slack."""
    events.forget_old(session, now=now)
    return 0


@dataclass
class TickReport:
    """What one run of the scheduled work did."""

    now: datetime
    queued: dict[str, int] = field(default_factory=dict)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)

    def summary(self) -> str:
        d = self.delivery
        return (
            f"run-due at {self.now.isoformat()}: queued {sum(self.queued.values())}, sent {d.sent}, "
            f"failed {d.failed}, gave up {d.gave_up}"
        )


def run_due(factory: sessionmaker[Session], client: WebClient, *, now: datetime) -> TickReport:
    """Run every producer for `now`, then deliver what is due; idempotent for the same instant."""
    import handlers.scheduled  # noqa: F401  (registers the features' producers)

    report = TickReport(now=now)
    for name, func in PRODUCERS:
        try:
            with unit_of_work(factory) as session:
                report.queued[name] = func(session, now)
        except Exception:  # one broken producer must not stop the others
            log.exception("scheduled work %r failed at %s", name, now.isoformat())
    report.delivery = Sender(factory, client).deliver_due(now=now)
    return report
