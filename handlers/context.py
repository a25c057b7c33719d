"""Typed access to what the unit of work puts into Bolt's context."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from handlers.registry import MessageReader, MessageRefresher, RecordKind, Registered, Subcommand
from handlers.render.help import CommandHelp
from storage.models import Workspace

DB = "pmbot_db"
NOW = "pmbot_now"
WORKSPACE = "pmbot_workspace"
FAILED = "pmbot_failed"
LATER = "pmbot_later"
REGISTRY = "pmbot_registry"

Job = Callable[[sessionmaker[Session], WebClient], None]


def catalogue(context: Any) -> list[CommandHelp]:
    """Return the help of every command, in the order people need them (the features registered it so)."""
    registered: Registered = context[REGISTRY]
    return list(registered.help)


def refresh_home(body: dict[str, Any], context: Any, client: Any) -> None:
    """After a button changed something: if it was on the Home tab, have the tab republished (after the commit)."""
    registered: Registered = context[REGISTRY]
    for refresh in registered.home_refresh:
        refresh(body, context, client)


def message_readers(context: Any, where: str) -> list[MessageReader]:
    """The features' readers of plain messages in `where` ("im" or "channel")."""
    registered: Registered = context[REGISTRY]
    return list(registered.message_readers.get(where, ()))


def message_refresher(context: Any, block_id: str) -> MessageRefresher | None:
    """The refresher of the feature whose message holds a block of this id (a prefix it registered), if any."""
    registered: Registered = context[REGISTRY]
    return next((f for prefix, f in registered.message_refreshers.items() if block_id.startswith(prefix)), None)


def record_kind(context: Any, kind: str) -> RecordKind | None:
    """How a record of this kind (`action`, `decision`, `risk`) is made from a line said elsewhere, and what follows
    it, if the feature that owns the kind registered them."""
    registered: Registered = context[REGISTRY]
    return registered.record_kinds.get(kind)


def subcommand(context: Any, command: str, word: str) -> Subcommand | None:
    """The feature's answer to `command word ...` (like `/pm status`), if a feature registered one."""
    registered: Registered = context[REGISTRY]
    return registered.subcommands.get((command, word))


def db(context: Any) -> Session:
    """Return the request's session."""
    session: Session = context[DB]
    return session


def now(context: Any) -> datetime:
    """Return the moment the request arrived (aware UTC)."""
    moment: datetime = context[NOW]
    return moment


def workspace(context: Any) -> Workspace:
    """Return the request's workspace."""
    found: Workspace = context[WORKSPACE]
    return found


def clicked_in(body: dict[str, Any]) -> str | None:
    """The channel a button was clicked in, as Slack sent it (the `here` of a visibility check), if any."""
    channel = body.get("channel") or {}
    return str(channel["id"]) if channel.get("id") else None


def after_answer(context: Any, job: Job) -> None:
    """Run `job(factory, client)` once the request's transaction has committed, while its answer goes to Slack.

    It runs on a background thread: it opens its own sessions from `factory` (the request's is closed by then)
    and calls Slack with `client`, the request's workspace's, which waits out rate limits.
    """
    context.setdefault(LATER, []).append(job)
