"""Which `pmbot worker` processes are alive: the task engine's heartbeats, read from the database we share.

Read by the workers (whose claims to free, how to split the ticks), by the scheduler (which stands by while they
run) and by `serve` (which then sends only its own requests' messages, leaving the rest to them).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from storage.db import read_only

STALLED_SECONDS = 10.0  # a worker silent this long is taken for dead, and its running jobs are retried
LIVE_WORKER_IDS = "SELECT id FROM procrastinate_workers WHERE last_heartbeat > now() - make_interval(secs => :s)"


def live_ids(session: Session) -> set[int]:
    """The ids of the workers that beat now (PostgreSQL, once migration 0024 made the task engine's tables)."""
    return set(session.scalars(text(LIVE_WORKER_IDS), {"s": STALLED_SECONDS}))


def live_workers(factory: sessionmaker[Session]) -> int:
    """How many workers beat now (0 on SQLite, before migration 0024, or while the database is away)."""
    try:
        with read_only(factory) as session:
            if session.get_bind().dialect.name != "postgresql":
                return 0
            return len(live_ids(session))
    except DBAPIError:
        return 0
