"""Typed access to what the unit of work puts into Bolt's context."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Workspace

DB = "pmbot_db"
NOW = "pmbot_now"
WORKSPACE = "pmbot_workspace"
FAILED = "pmbot_failed"
LATER = "pmbot_later"

Job = Callable[[sessionmaker[Session], WebClient], None]


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


def after_answer(context: Any, job: Job) -> None:
    """Run `job(factory, client)` once the request's transaction has committed, while its answer goes to Slack.

    It runs on a background thread: it opens its own sessions from `factory` (the request's is closed by then)
    and calls Slack with `client`, the request's workspace's, which waits out rate limits.
    """
    context.setdefault(LATER, []).append(job)
