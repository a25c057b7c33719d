"""Uninstalls: when Slack says pmbot was removed or its bot token revoked, forget the tokens at once.

The workspace's data stays for the grace period (PMBOT_UNINSTALL_GRACE_DAYS), so installing again
keeps everything; the scheduler deletes it afterwards (`domain.lifecycle`).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext

from domain import lifecycle
from handlers.context import db, now, workspace
from handlers.ids import Event
from handlers.registry import Listeners

log = logging.getLogger(__name__)


def register(listeners: Listeners) -> None:
    listeners.event(Event.APP_UNINSTALLED, on_app_uninstalled)
    listeners.event(Event.TOKENS_REVOKED, on_tokens_revoked)


def on_app_uninstalled(context: BoltContext) -> None:
    """Delete every token of the workspace and stop sending to it."""
    _forget(context, bot=True)


def on_tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
    """Delete the revoked tokens; without its bot token pmbot can no longer speak in the workspace."""
    tokens = event.get("tokens") or {}
    _forget(context, bot=bool(tokens.get("bot")), user_ids=[str(u) for u in tokens.get("oauth") or []])


def _forget(context: BoltContext, *, bot: bool, user_ids: list[str] = []) -> None:  # noqa: B006  (never mutated)
    """In the request's transaction: the tokens go, and with the bot's, everything still to be sent."""
    session, ws = db(context), workspace(context)
    lifecycle.forget_tokens(session, team_id=ws.team_id, bot=bot, user_ids=user_ids)
    if bot:
        dropped = lifecycle.uninstalled(session, ws, now=now(context))
        log.info("workspace %s uninstalled pmbot: tokens deleted, %d unsent messages dropped", ws.team_id, dropped)
