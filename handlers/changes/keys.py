"""Outbox keys of change requests' messages: the channel card, the approvers' DMs, the answers told, the nudges."""

from __future__ import annotations

from datetime import date


def _change(change_id: int) -> str:
    return f"change:{change_id}:"


def card(change_id: int) -> str:
    """The change request's card in the project channel."""
    return f"{_change(change_id)}card"


def card_update(change_id: int, revision: int, status: str) -> str:
    """The card brought up to a revision and status (once each)."""
    return f"{card(change_id)}:r{revision}:{status}"


def request(change_id: int, approver: str, revision: int) -> str:
    """An approver's DM asking for an answer to a revision."""
    return f"{_change(change_id)}request:{approver}:r{revision}"


def request_update(change_id: int, approver: str, revision: int, status: str) -> str:
    """An approver's DM brought up to what happened to that revision (decided, sent back, withdrawn)."""
    return f"{request(change_id, approver, revision)}:{status}"


def request_for(change_id: int, approver: str, stand_in: str, revision: int) -> str:
    """The DM asking `stand_in` to answer a revision for `approver`, who is away (one per approver they stand in
    for)."""
    return f"{request(change_id, approver, revision)}:for:{stand_in}"


def request_for_update(change_id: int, approver: str, stand_in: str, revision: int, status: str) -> str:
    """That stand-in's DM brought up to what happened to the revision."""
    return f"{request_for(change_id, approver, stand_in, revision)}:{status}"


def result(change_id: int, status: str) -> str:
    """The answer announced in the channel, once per status."""
    return f"{_change(change_id)}result-{status}"


def told(change_id: int, status: str) -> str:
    """The requester's DM telling them the answer (approved, rejected)."""
    return f"{_change(change_id)}told-{status}"


def asked(change_id: int, revision: int) -> str:
    """The requester's DM with an approver's question and the Answer button."""
    return f"{_change(change_id)}asked:r{revision}"


def asked_update(change_id: int, revision: int) -> str:
    """That DM once answered (or withdrawn): no live button left."""
    return f"{asked(change_id, revision)}:done"


def nudge(change_id: int, approver: str, day: date) -> str:
    """An approver's reminder of a request past its needed-by date, once per day of theirs."""
    return f"{_change(change_id)}nudge:{approver}:{day.isoformat()}"
