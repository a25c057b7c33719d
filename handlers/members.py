"""Keep cached profiles fresh: `user_change` events carry the whole new profile (guest or not included)."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from domain import members
from handlers.context import db, now, workspace
from handlers.ids import Event
from handlers.registry import Listeners


def register(listeners: Listeners) -> None:
    listeners.event(Event.USER_CHANGE, on_user_change)


def on_user_change(event: dict[str, Any], context: BoltContext) -> None:
    """Store the changed profile (a new time zone takes effect from the next prompt on; someone made a guest reads
    only the channels they are in from now on, and a guest made a full member any public one)."""
    user = event.get("user") or {}
    if user.get("id"):
        members.upsert_from_profile(db(context), workspace_id=workspace(context).id, user=user, now=now(context))
