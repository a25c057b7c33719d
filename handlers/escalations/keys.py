"""Outbox keys of escalation batches: the held escalations due for one recipient, sent as one message."""

from __future__ import annotations


def batch(recipient: str, first_note_id: int) -> str:
    """One batch per recipient, named by the first escalation note it gathers."""
    return f"escalations:{recipient}:{first_note_id}"
