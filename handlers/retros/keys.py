"""Outbox keys of retros' messages: the start in the channel, each person's prompt and reminder, the board, the
summary."""

from __future__ import annotations


def _retro(retro_id: int) -> str:
    return f"retro:{retro_id}:"


def started(retro_id: int) -> str:
    """The channel's notice that a retro started and who is asked."""
    return f"{_retro(retro_id)}started"


def prompt(retro_id: int, user_id: str) -> str:
    """A participant's DM asking for notes."""
    return f"{_retro(retro_id)}prompt:{user_id}"


def prompt_update(retro_id: int, user_id: str, step: str) -> str:
    """A participant's DM brought up to date (notes given, the reveal)."""
    return f"{prompt(retro_id, user_id)}:{step}"


def reminder(retro_id: int, user_id: str) -> str:
    """The one reminder to a participant who has not added notes, a few working hours before the reveal."""
    return f"{_retro(retro_id)}remind:{user_id}"


def reminder_update(retro_id: int, user_id: str, step: str) -> str:
    """The reminder brought up to date like the prompt (notes given, the reveal), so its button stays true."""
    return f"{reminder(retro_id, user_id)}:{step}"


def board(retro_id: int) -> str:
    """The revealed notes with their Vote buttons, in the channel (its later parts: `outgoing.part_key`)."""
    return f"{_retro(retro_id)}board"


def board_update(retro_id: int, revision: int) -> str:
    """The board brought up to a vote (or the close)."""
    return f"{board(retro_id)}:r{revision}"


def summary(retro_id: int) -> str:
    """The close's summary: the top notes and the action items they became."""
    return f"{_retro(retro_id)}summary"


def told(retro_id: int, user_id: str, click: str) -> str:
    """An ephemeral answer to one person's click (a vote counted once, the votes used up); `click` tells the click
    apart (Slack's action_ts, unique per click)."""
    return f"{_retro(retro_id)}told:{user_id}:{click}"
