"""Forms that failed after Slack had closed them: kept for a while so that the person can open them again as typed.

A form is acknowledged before it is saved (only what the form alone can tell is checked in the acknowledgement),
so a rule that needs the database or Slack (an owner who is a bot, a date in the past in the person's own zone, a
record changed meanwhile) fails after the modal has gone. Nothing typed is lost: the submitted view is kept here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from domain.errors import NotFound
from storage.models import FormDraft

KEEP_FOR = timedelta(days=7)
WHOLE_FORM = ""  # the errors key of what is wrong with the form as a whole rather than one field


def keep(
    session: Session, *, workspace_id: int, user_id: str, view: dict[str, Any], errors: dict[str, str], now: datetime
) -> int:
    """Keep a submitted form and what was wrong with it; return its id."""
    draft = FormDraft(workspace_id=workspace_id, user_id=user_id, view=view, errors=errors, created_at=now)
    session.add(draft)
    session.flush()
    return draft.id


def take(session: Session, *, workspace_id: int, user_id: str, draft_id: int, now: datetime) -> FormDraft:
    """The form a person kept (only its author may open it again, and only within KEEP_FOR)."""
    draft = session.scalars(
        select(FormDraft).where(
            FormDraft.id == draft_id,
            FormDraft.workspace_id == workspace_id,
            FormDraft.user_id == user_id,
            FormDraft.created_at >= now - KEEP_FOR,
        )
    ).first()
    if draft is None:
        raise NotFound("That form is no longer kept (I keep one for a week). Please start it again.")
    return draft


def forget_old(session: Session, *, now: datetime) -> int:
    """Delete forms kept longer than KEEP_FOR; return how many."""
    result = session.execute(delete(FormDraft).where(FormDraft.created_at < now - KEEP_FOR))
    return int(result.rowcount)  # type: ignore[attr-defined]
