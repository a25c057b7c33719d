"""Outbox keys of decisions' messages: the card, the approval DM, the result, the stakeholders' copy, nudges."""

from __future__ import annotations

from datetime import date


def _decision(decision_id: int) -> str:
    return f"decision:{decision_id}:"


def card(decision_id: int) -> str:
    """The decision's card in the project channel."""
    return f"{_decision(decision_id)}card"


def card_update(decision_id: int, revision: int) -> str:
    """The card brought up to a revision."""
    return f"{card(decision_id)}:r{revision}"


def approval(decision_id: int) -> str:
    """The approver's DM asking for an answer."""
    return f"{_decision(decision_id)}approval"


def approval_for(decision_id: int, delegate: str) -> str:
    """The approval request sent to whoever stands in for its approver, who is away."""
    return f"{_decision(decision_id)}approval:for:{delegate}"


def approval_for_closed(decision_id: int, delegate: str, status: str) -> str:
    """That stand-in's request, once decided (by the approver back, or a stand-in): who decided, no buttons."""
    return f"{approval_for(decision_id, delegate)}:{status}"


def result(decision_id: int, status: str) -> str:
    """The approver's answer announced in the channel, once per status."""
    return f"{_decision(decision_id)}result-{status}"


def broadcast(decision_id: int) -> str:
    """The copy in the stakeholder channel."""
    return f"{_decision(decision_id)}broadcast"


def broadcast_update(decision_id: int, revision: int) -> str:
    """The stakeholders' copy brought up to a revision."""
    return f"{broadcast(decision_id)}:r{revision}"


def announcement(decision_id: int, revision: int) -> str:
    """A revision announced to the stakeholders."""
    return f"{broadcast(decision_id)}:announce-r{revision}"


def nudge(decision_id: int, day: date) -> str:
    """The approver's reminder of an overdue decision, once per day of theirs."""
    return f"{_decision(decision_id)}nudge:{day.isoformat()}"


def nudge_for(decision_id: int, delegate: str, day: date) -> str:
    """The reminder of an overdue decision sent to whoever stands in for its approver, who is away."""
    return f"{_decision(decision_id)}nudge:for:{delegate}:{day.isoformat()}"
