"""Post a digest of any size: the first part as the message, the rest in its thread (never rejected by Slack)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from handlers import outgoing
from handlers.digests import keys
from handlers.render.split import fit


def post(
    session: Session,
    *,
    workspace_id: int,
    key: str,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]],
    now: datetime,
) -> int:
    """Queue the digest in as many messages as Slack's limits need; return how many."""
    parts = fit(blocks)
    outgoing.post(session, workspace_id=workspace_id, key=key, channel=channel, text=text, blocks=parts[0], now=now)
    for number, part in enumerate(parts[1:], start=2):
        outgoing.post(
            session,
            workspace_id=workspace_id,
            key=keys.part(key, number),
            channel=channel,
            text=f"{text} (part {number})",
            blocks=part,
            now=now,
            thread_of=key,
        )
    return len(parts)
