"""Plain messages pmbot receives: replies in its DM (stand-up answers) and lines in a meeting's channel."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from handlers.ids import Event
from handlers.meetings import commands as meetings
from handlers.registry import Listeners
from handlers.standups import answers as standup_answers


def register(listeners: Listeners) -> None:
    listeners.event(Event.MESSAGE, on_message, manifest_names=("message.im", "message.channels", "message.groups"))


def on_message(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Send a person's own new message where it belongs (edits, joins and bots' messages are not answers)."""
    if event.get("subtype") or event.get("bot_id") or not event.get("user") or not event.get("text"):
        return
    if event.get("channel_type") == "im":
        standup_answers.on_direct_message(event, context, client)
    elif event.get("channel_type") in ("channel", "group"):
        meetings.on_channel_message(event, context, client)
