"""A record named in one line, and an action item's snooze menu, as every view of records shows them: the cards,
lists, the Home tab, digests and escalations."""

from __future__ import annotations

from typing import Any

from domain.text import escape
from handlers.ids import Action
from storage.models import ActionItem, Risk, RiskStatus
from storage.models.actions import ActionStatus

SNOOZE_CHOICES = (("1h", "1 hour"), ("3h", "3 hours"), ("next-day", "Next working day"), ("next-week", "Next week"))


def action_headline(item: ActionItem) -> str:
    """`*A-17* title`, with the title escaped and struck through when done."""
    title = escape(item.title)
    return (
        f"*{item.ref}* ~{title}~"
        if item.status in (ActionStatus.DONE, ActionStatus.DELETED, ActionStatus.WITHDRAWN)
        else f"*{item.ref}* {title}"
    )


def risk_headline(risk: Risk) -> str:
    """`*R-4* _issue_ title`, struck through when closed or withdrawn."""
    kind = "" if risk.kind == "risk" else f"_{risk.kind}_ "
    title = escape(risk.title)
    if risk.status in (RiskStatus.CLOSED, RiskStatus.WITHDRAWN):
        title = f"~{title}~"
    return f"*{risk.ref}* {kind}{title}"


def snooze_menu(ref: str) -> dict[str, Any]:
    """A select that snoozes the item's reminders."""
    return {
        "type": "static_select",
        "action_id": Action.ACTION_SNOOZE,
        "placeholder": {"type": "plain_text", "text": "Snooze"},
        "options": [
            {"text": {"type": "plain_text", "text": label}, "value": f"{ref}|{code}"} for code, label in SNOOZE_CHOICES
        ],
    }
