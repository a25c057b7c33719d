"""Retried Slack events and repeated form submissions: remember each event_id, and each form's view as submitted,
so their work is done once."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.models import ProcessedEvent
from storage.queries import insert_once

KEEP_FOR = timedelta(days=2)  # Slack retries for minutes, not days (and a form is submitted again at once)
KEY_LENGTH = 64  # processed_event.event_id


def first_sight(session: Session, *, event_id: str, team_id: str, now: datetime) -> bool:
    """Record an event id in the current transaction; return False if it was processed before."""
    values = {"event_id": event_id, "team_id": team_id, "received_at": now}
    return insert_once(session, ProcessedEvent, values, unique=["event_id"])


def submission_key(view: dict[str, Any]) -> str | None:
    """What tells one submission of a form from any other: its view id and hash (Slack sends the same pair again
    for the same form as it stood; a form reopened is a new view). None for a view without them.

    Kept beside event ids (`view:` cannot begin an event id), within their column: a long pair is hashed."""
    view_id, stamp = str(view.get("id") or ""), str(view.get("hash") or "")
    if not view_id or not stamp:
        return None
    key = f"view:{view_id}:{stamp}"
    return key if len(key) <= KEY_LENGTH else "view:" + hashlib.sha256(key.encode()).hexdigest()[: KEY_LENGTH - 5]


def first_submission(session: Session, *, view: dict[str, Any], team_id: str, now: datetime) -> bool:
    """Record a form's submission in the current transaction (rolled back with it if its work fails); return False
    if the same submission (view id and hash) was recorded before."""
    key = submission_key(view)
    return key is None or first_sight(session, event_id=key, team_id=team_id[:32], now=now)


def forget_old(session: Session, *, now: datetime) -> int:
    """Delete event ids (and form submissions) too old to be retried; return how many."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < now - KEEP_FOR))
    return int(result.rowcount)  # type: ignore[attr-defined]
