"""Outbox keys of the away feature's messages: the one summary a person gets on their return."""

from __future__ import annotations


def summary(user_id: str, first_note: int) -> str:
    """The summary of what happened while a person was away, once per absence (named by its first note's id)."""
    return f"away:{user_id}:{first_note}:summary"
