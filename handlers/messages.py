"""Plain messages pmbot receives, handed to the features that read them (stand-up replies in the DM, a meeting's
lines in its channel): Slack sends them all as one event, which Bolt gives to one listener."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from handlers.context import message_readers
from handlers.ids import Event
from handlers.registry import Listeners


def register(listeners: Listeners) -> None:
    listeners.event(Event.MESSAGE, on_message, manifest_names=("message.im", "message.channels", "message.groups"))


def on_message(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Send a person's own new message where it belongs (edits, joins and bots' messages are not answers)."""
    if event.get("subtype") or event.get("bot_id") or not event.get("user") or not event.get("text"):
        return
    where = {"im": "im", "channel": "channel", "group": "channel"}.get(str(event.get("channel_type")))
    for read in message_readers(context, where) if where else ():
        read(event, context, client)
