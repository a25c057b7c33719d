"""Typed access to what the unit of work puts into Bolt's context."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage.models import Workspace

DB = "pmbot_db"
NOW = "pmbot_now"
WORKSPACE = "pmbot_workspace"
FAILED = "pmbot_failed"


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
