"""Scheduled work that sends held escalations: one message per recipient per run, after every other producer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from domain import escalations
from handlers import outgoing
from handlers.escalations import keys, render


def send_held_escalations(session: Session, now: datetime) -> int:
    """Queue one message per recipient for the escalations due; return how many messages."""
    return flush(session, now=now)


def flush(session: Session, *, now: datetime, workspace_id: int | None = None, to: frozenset[str] | None = None) -> int:
    """Gather the escalations due (for `to` in `workspace_id` if given) into one message per recipient."""
    queued = 0
    for (ws, recipient), notes in escalations.due(session, now=now, workspace_id=workspace_id, to=to).items():
        items = escalations.release(session, notes, now=now)
        if not items:
            continue
        text, blocks = render.batch(items)
        key = keys.batch(recipient, notes[0].id)
        queued += outgoing.post_in_parts(
            session, workspace_id=ws, key=key, channel=recipient, text=text, blocks=blocks, now=now
        )
    return queued
