"""Outbox keys of RAID entries' messages: the card, review reminders, escalations."""

from __future__ import annotations

from datetime import datetime
from typing import NewType

Cause = NewType("Cause", str)  # why an entry is escalated, once per cause and recipient

UNOWNED = Cause("unowned")


def overdue(target_at: datetime) -> Cause:
    """An issue past this target date (a new target is escalated afresh)."""
    return Cause(f"overdue-{target_at:%Y%m%dT%H%M}")


def score_rise(score: int, revision: int) -> Cause:
    """A rise of the score to the threshold, at a revision."""
    return Cause(f"score-{score}-r{revision}")


def card(risk_id: int) -> str:
    """The entry's card in the project channel."""
    return f"risk:{risk_id}:card"


def card_update(risk_id: int, revision: int) -> str:
    """The card brought up to a revision."""
    return f"{card(risk_id)}:r{revision}"


def review(risk_id: int, due: datetime) -> str:
    """The owner's review reminder for the review due at `due`."""
    return f"risk:{risk_id}:review:{due:%Y%m%dT%H%M}"


def escalation(risk_id: int, cause: Cause, to: str) -> str:
    """An escalation of the entry for one recipient."""
    return f"risk:{risk_id}:escalation:{cause}:{to}"
