"""Outbox keys of stand-ups' messages: prompts, reminders, the day's thread, answers in it, the summary."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum


class Kind(StrEnum):
    """The messages a stand-up sends for a day."""

    PROMPT = "prompt"
    REMIND = "remind"
    THREAD = "thread"
    ANSWER = "answer"
    SUMMARY = "summary"


# Every prompt of any stand-up, as an SQL LIKE pattern.
PROMPTS_LIKE = f"standup:%:{Kind.PROMPT}:%"


def message(standup_id: int, kind: Kind, day: date, user: str | None = None) -> str:
    """One message per stand-up, kind, day (and person)."""
    return f"standup:{standup_id}:{kind}:{day.isoformat()}" + (f":{user}" if user else "")


def answer_edit(answer_key: str, at: datetime) -> str:
    """An answer message updated to an edit made at `at`."""
    return f"{answer_key}:v{int(at.timestamp())}"


def closed(dm_key: str) -> str:
    """A prompt (or reminder) DM whose buttons gave way to a note once answered."""
    return f"{dm_key}:closed"


def blocker_update(answer_key: str, blocker_id: int, status: str) -> str:
    """An answer message updated to its blocker's status."""
    return f"{answer_key}:blocker-{blocker_id}-{status}"


def answered_blocker(prompt_key: str, blocker_id: int, answer: str) -> str:
    """A prompt DM (its outbox key) updated to its person's answer to "Still blocked?" about one blocker."""
    return f"{prompt_key}:blocker-{blocker_id}-{answer}"


def blocker_made(blocker_id: int, user: str) -> str:
    """The note, only to whoever clicked "Make an action item", that the item was made, with its Edit (once)."""
    return f"standup:blocker-{blocker_id}:made:{user}"
