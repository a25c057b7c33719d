"""`pmbot scheduler`: runs the scheduled work every tick, with one active process per database.

On PostgreSQL the active scheduler holds a session-level advisory lock on a connection of its own;
a second process waits for it and takes over when the first dies (its connection closes and the
lock goes with it). SQLite is single-process by nature, so there the lock is always granted.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import DeliveryLoop
from bot.jobs import run_due
from bot.notifier import ClientFor, Sender
from domain.clock import utcnow
from domain.lifecycle import Policy
from storage.workers import live_workers

log = logging.getLogger(__name__)

LOCK_KEY = 0x706D626F74  # "pmbot"
POLL_SECONDS = 5.0


class LeaderLock:
    """The right to be the active scheduler, held for as long as its connection lives."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection | None = None

    @property
    def exclusive(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def try_acquire(self) -> bool:
        """Take the lock if it is free; return whether this process now holds it."""
        if not self.exclusive:
            return True
        try:
            if self.conn is None:
                self.conn = self.engine.connect()
                # A health check that hangs on a half-open connection must fail instead.
                self.conn.execute(text("SET statement_timeout = 5000"))
            got = bool(self.conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar())
            self.conn.commit()
            return got
        except Exception:
            log.warning("cannot reach the database to take the scheduler lock; will retry")
            self.release()
            return False

    def still_held(self) -> bool:
        """Return whether the lock's connection is alive (a dead connection has lost the lock)."""
        if not self.exclusive:
            return True
        try:
            assert self.conn is not None
            held = self.conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                    "AND objid = :lo AND granted"
                ),
                {"lo": LOCK_KEY & 0xFFFFFFFF},
            ).scalar()
            self.conn.commit()
            return bool(held)
        except Exception:
            return False

    def release(self) -> None:
        """Let go of the lock at once, then drop its connection (never back to the pool: it would keep the lock)."""
        if self.conn is not None:
            try:
                self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                self.conn.commit()
            except Exception:
                pass  # a dead connection has lost the lock already
            try:
                self.conn.invalidate()
                self.conn.close()
            except Exception:
                pass
            self.conn = None


def tick(
    factory: sessionmaker[Session],
    client: WebClient | ClientFor,
    delivery: DeliveryLoop,
    policy: Policy | None = None,
) -> None:
    """Queue the scheduled work due now, then wake the delivery loop: the tick never waits for Slack. While `pmbot
    worker` processes run, they do the work instead (their own clock ticks), and this process stands by."""
    if live_workers(factory):
        log.debug("pmbot workers are running: they do the scheduled work and the sending")
        return
    report = run_due(factory, client, now=utcnow(), policy=policy, deliver=False)
    if sum(report.queued.values()):
        log.info("tick at %s: queued %d", report.now.isoformat(), sum(report.queued.values()))
    delivery.wake()  # also retries what failed earlier and is due again


def run(
    engine: Engine,
    factory: sessionmaker[Session],
    client: WebClient | ClientFor,
    *,
    every: int,
    stop: threading.Event,
    policy: Policy | None = None,
) -> None:
    """Be the active scheduler whenever this process holds the lock, until `stop` is set."""
    lock = LeaderLock(engine)
    delivery = DeliveryLoop(Sender(factory, client))
    while not stop.is_set():
        if not lock.try_acquire():
            log.info("another scheduler is active; waiting to take over")
            stop.wait(POLL_SECONDS)
            continue
        log.info("this process is the active scheduler (tick every %ss)", every)
        scheduler = BackgroundScheduler(timezone=UTC)
        scheduler.add_job(
            tick,
            "interval",
            seconds=every,
            args=[factory, client, delivery, policy],
            id="tick",
            max_instances=1,
            coalesce=True,
            next_run_time=utcnow(),
        )
        scheduler.start()
        while not stop.is_set() and lock.still_held():
            stop.wait(POLL_SECONDS)
        scheduler.shutdown(wait=True)
        if not stop.is_set():
            log.warning("lost the scheduler lock (database connection dropped); trying to take it again")
            lock.release()
    delivery.stop()
    lock.release()
