"""Retried Slack events: remember each event_id so its work is done once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.models import ProcessedEvent
from storage.queries import insert_once

KEEP_FOR = timedelta(days=2)  # Slack retries for minutes, not days


def first_sight(session: Session, *, event_id: str, team_id: str, now: datetime) -> bool:
    """Record an event id in the current transaction; return False if it was processed before."""
    values = {"event_id": event_id, "team_id": team_id, "received_at": now}
    return insert_once(session, ProcessedEvent, values, unique=["event_id"])


def forget_old(session: Session, *, now: datetime) -> int:
    """Delete event ids too old to be retried; return how many."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < now - KEEP_FOR))
    return int(result.rowcount)  # type: ignore[attr-defined]
