"""What follows a lesson recorded: its card in the channel, and (from the form) the recorder's confirmation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from handlers import outgoing
from handlers.lessons import keys, render
from storage.models import Lesson


def recorded(session: Session, lesson: Lesson, *, now: datetime) -> None:
    """Post the lesson's card in its project's channel (once)."""
    text, blocks = render.card(lesson)
    outgoing.post(
        session,
        workspace_id=lesson.workspace_id,
        key=keys.card(lesson.id),
        channel=lesson.project.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )


def confirmed(session: Session, lesson: Lesson, *, user_id: str, now: datetime) -> None:
    """Tell whoever filled in the form, in the channel and only to them, the lesson's id."""
    outgoing.ephemeral(
        session,
        workspace_id=lesson.workspace_id,
        key=keys.confirmation(lesson.id),
        channel=lesson.project.channel_id,
        user=user_id,
        text=render.confirmation(lesson),
        now=now,
    )
