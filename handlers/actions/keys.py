"""Outbox keys of action items' messages: the card, the owner's DMs, reminders and escalations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from domain.reminders import Reminder


class Pending(StrEnum):
    """The kinds of an item's scheduled messages that a change can cancel before they are sent."""

    REMINDERS = "remind:"
    ESCALATIONS = "escalation:"


def _item(item_id: int) -> str:
    return f"action:{item_id}:"


def card(item_id: int) -> str:
    """The item's card in the project channel."""
    return f"{_item(item_id)}card"


def card_ephemeral(item_id: int) -> str:
    """The card shown to its creator alone (a project with ephemeral confirmations)."""
    return f"{card(item_id)}:ephemeral"


def card_update(item_id: int, revision: int) -> str:
    """The card brought up to a revision."""
    return f"{card(item_id)}:r{revision}"


def assigned(item_id: int, owner: str, revision: int) -> str:
    """The "new action item for you" DM to an owner, once per revision that gave it to them."""
    return f"{assigned_prefix(item_id)}{owner}:r{revision}"


def assigned_prefix(item_id: int) -> str:
    """What every "new action item for you" DM of the item starts with."""
    return f"{_item(item_id)}assigned:"


def assigned_update(dm_key: str, revision: int) -> str:
    """One of those DMs brought up to a revision."""
    return f"{dm_key}:now:r{revision}"


def clicked_message(item_id: int, channel: str, ts: str, revision: int) -> str:
    """The message whose button was clicked, brought up to a revision."""
    return f"{_item(item_id)}msg:{channel}:{ts}:r{revision}"


def done_notice(item_id: int, revision: int) -> str:
    """The creator's DM saying someone else completed the item."""
    return f"{_item(item_id)}done-notice:r{revision}"


def confirmation(item_id: int, event_id: int) -> str:
    """The ephemeral confirmation of a button clicked in an ephemeral card."""
    return f"{_item(item_id)}ephemeral:{event_id}"


def reminder(item_id: int, owner: str, current: Reminder) -> str:
    """A reminder occurrence to the owner: each kind and occurrence is sent once."""
    return f"{_item(item_id)}{Pending.REMINDERS}{owner}:{current.kind}:{current.occurrence}"


def escalation(item_id: int, due_at: datetime, level: int, to: str) -> str:
    """An escalation level reached, for one recipient; a new due date is a new promise, escalated afresh."""
    return f"{_item(item_id)}{Pending.ESCALATIONS}{due_at:%Y%m%dT%H%M}:{level}:{to}"


def pending(item_id: int, kinds: tuple[Pending, ...]) -> list[str]:
    """The prefixes of the item's messages of these kinds, to cancel those not sent yet."""
    return [f"{_item(item_id)}{kind}" for kind in kinds]
