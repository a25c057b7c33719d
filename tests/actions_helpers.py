"""Helpers for the action item scenarios: frozen time, and reading what the app stored and sent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from freezegun import freeze_time
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import ActionItem, OutboxMessage


@contextmanager
def frozen(moment: datetime) -> Iterator[Any]:
    """Freeze the clock of every thread (the app's server included) at `moment`, ticking from there."""
    with freeze_time(moment, tick=True) as clock:
        yield clock


def items(session: Session) -> list[ActionItem]:
    """Read the stored items, then end the read transaction (on SQLite it holds the database's lock)."""
    session.expire_all()
    found = list(session.scalars(select(ActionItem).order_by(ActionItem.number)))
    session.expunge_all()
    session.rollback()
    return found


def outbox_count(session: Session) -> int:
    count = int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)
    session.rollback()
    return count


def dm_texts(fake: Any, user: str) -> list[str]:
    """Everything pmbot said to a user in their DM, as one string per message (text and blocks)."""
    return [f"{m.get('text')} {m.get('blocks')}" for m in fake.messages(f"D{user}")]
