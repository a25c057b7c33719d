"""Outbox keys of lessons' messages: the card in the channel, and the recorder's confirmation of a form."""

from __future__ import annotations


def _lesson(lesson_id: int) -> str:
    return f"lesson:{lesson_id}:"


def card(lesson_id: int) -> str:
    """The lesson's card in the project channel."""
    return f"{_lesson(lesson_id)}card"


def confirmation(lesson_id: int) -> str:
    """The ephemeral "Recorded L-3" to whoever filled in the form."""
    return f"{_lesson(lesson_id)}confirmation"
