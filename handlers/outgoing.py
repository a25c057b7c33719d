"""Queue messages in the outbox from a handler or a scheduled job (delivered after the transaction commits)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from domain import outbox
from domain.outbox import Outgoing
from domain.text import truncate
from handlers.render.split import fit

MAX_TEXT = 40_000  # Slack refuses a longer `text` (msg_too_long); blocks are split by handlers.render.split


def post(
    session: Session,
    *,
    workspace_id: int,
    key: str,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]],
    now: datetime,
    not_before: datetime | None = None,
    thread_of: str | None = None,
    broadcast: bool = False,
) -> bool:
    """Queue a chat.postMessage (to a channel, or to a user id for their DM with pmbot).

    `thread_of` names the outbox key of a message to reply under; `broadcast` also shows the reply in the channel.
    """
    payload: dict[str, Any] = {
        "channel": channel, "text": truncate(text, MAX_TEXT), "blocks": blocks, "unfurl_links": False,
    }  # fmt: skip
    if thread_of:
        payload["thread_ts_of"] = thread_of
        payload["reply_broadcast"] = broadcast
    message = Outgoing(
        key=key, method="chat.postMessage", channel=channel, payload=payload, not_before=not_before or now
    )
    return outbox.enqueue(session, workspace_id=workspace_id, message=message, now=now)


def update(
    session: Session,
    *,
    workspace_id: int,
    key: str,
    text: str,
    blocks: list[dict[str, Any]],
    now: datetime,
    of_key: str | None = None,
    channel: str | None = None,
    ts: str | None = None,
    conversation: str | None = None,
) -> bool:
    """Queue a chat.update of a message this outbox posted (`of_key`) or of a known channel and ts."""
    payload: dict[str, Any] = {"text": truncate(text, MAX_TEXT), "blocks": blocks}
    if of_key:
        payload["ts_of"] = of_key
    else:
        payload.update(channel=channel, ts=ts)
    # An update travels in the conversation of the message it changes, so it never overtakes it.
    target = conversation or channel or ""
    message = Outgoing(key=key, method="chat.update", channel=target, payload=payload, not_before=now)
    return outbox.enqueue(session, workspace_id=workspace_id, message=message, now=now)


def ephemeral(
    session: Session,
    *,
    workspace_id: int,
    key: str,
    channel: str,
    user: str,
    text: str,
    now: datetime,
    blocks: list[dict[str, Any]] | None = None,
) -> bool:
    """Queue an ephemeral message to one person in a channel."""
    payload: dict[str, Any] = {"channel": channel, "user": user, "text": truncate(text, MAX_TEXT)}
    if blocks:
        payload["blocks"] = blocks
    message = Outgoing(key=key, method="chat.postEphemeral", channel=channel, payload=payload, not_before=now)
    return outbox.enqueue(session, workspace_id=workspace_id, message=message, now=now)


def part_key(first_key: str, number: int) -> str:
    """The outbox key of the `number`-th part (2 on) of a message too long for one, in the first part's thread."""
    return f"{first_key}:part{number}"


def post_in_parts(
    session: Session,
    *,
    workspace_id: int,
    key: str,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]],
    now: datetime,
) -> int:
    """Queue a message of any size (a digest, minutes): the first part as the message, the rest in its thread, in as
    many messages as Slack's limits need; return how many."""
    parts = fit(blocks)
    post(session, workspace_id=workspace_id, key=key, channel=channel, text=text, blocks=parts[0], now=now)
    for number, part in enumerate(parts[1:], start=2):
        post(session, workspace_id=workspace_id, key=part_key(key, number), channel=channel,
             text=f"{text} (part {number})", blocks=part, now=now, thread_of=key)  # fmt: skip
    return len(parts)
