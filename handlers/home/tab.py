"""The App Home tab: each person's own dashboard, only from the projects they can see."""

from __future__ import annotations

import functools
import threading
from datetime import datetime
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from domain import channels
from domain.home import dashboard
from handlers.channels import read_roster
from handlers.context import after_answer, catalogue, now, workspace
from handlers.home.render import home_view
from handlers.ids import Event
from handlers.registry import Listeners
from handlers.render.help import CommandHelp
from storage.db import read_only
from storage.models import Project


def register(listeners: Listeners) -> None:
    listeners.event(Event.APP_HOME_OPENED, on_home_opened)
    listeners.home_refresher(refresh_if_home)


def visible_projects(session: Session, *, workspace_id: int, user_id: str) -> list[Project]:
    """The workspace's projects whose channel Slack has said the person is in (nothing from any other)."""
    projects = list(session.scalars(select(Project).where(Project.workspace_id == workspace_id)))
    seen = channels.channels_of(
        session, workspace_id=workspace_id, user_id=user_id, channel_ids=[p.channel_id for p in projects]
    )
    return [p for p in projects if p.channel_id in seen]


def on_home_opened(event: dict[str, Any], context: BoltContext) -> None:
    """Publish the viewer's dashboard when they open the Home tab."""
    if event.get("tab", "home") == "home":
        show_home(context, event["user"])


def refresh_if_home(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """After a button on the Home tab changed something, publish the refreshed dashboard (after the commit)."""
    view = body.get("view") or {}
    if (body.get("container") or {}).get("type") != "view" or view.get("type") != "home":
        return
    show_home(context, body["user"]["id"])


def show_home(context: BoltContext, user_id: str) -> None:
    """Publish the dashboard after the answer, off the request path: at once from the membership pmbot knows,
    then, when rosters never read or grown old change which projects the person sees, again."""
    job = functools.partial(_publish, workspace_id=workspace(context).id, user_id=user_id, at=now(context),
                            help_entries=catalogue(context))  # fmt: skip
    after_answer(context, job)


def _view(
    session: Session, *, workspace_id: int, user_id: str, at: datetime, help_entries: list[CommandHelp]
) -> tuple[dict[str, Any], set[int]]:
    projects = visible_projects(session, workspace_id=workspace_id, user_id=user_id)
    board = dashboard(session, user_id=user_id, projects=projects, now=at)
    return home_view(board, help_entries, now=at), {p.id for p in projects}


def _publish(
    factory: sessionmaker[Session],
    client: WebClient,
    *,
    workspace_id: int,
    user_id: str,
    at: datetime,
    help_entries: list[CommandHelp],
) -> None:
    # One publish at a time per person: a view built earlier never lands after one built later (Home, then Done).
    with _publishing(workspace_id, user_id):
        with read_only(factory) as session:
            view, shown = _view(session, workspace_id=workspace_id, user_id=user_id, at=at, help_entries=help_entries)
            project_channels = session.scalars(select(Project.channel_id).where(Project.workspace_id == workspace_id))
            unread = channels.to_read(session, workspace_id=workspace_id, channel_ids=list(project_channels), now=at)
        client.views_publish(user_id=user_id, view=view)
        if not unread:
            return
        for channel_id in unread:
            read_roster(factory, client, workspace_id=workspace_id, channel_id=channel_id, at=at)
        with read_only(factory) as session:
            view, visible = _view(session, workspace_id=workspace_id, user_id=user_id, at=at, help_entries=help_entries)
        if visible != shown:
            client.views_publish(user_id=user_id, view=view)


_locks_lock = threading.Lock()
_locks: dict[tuple[int, str], threading.Lock] = {}


def _publishing(workspace_id: int, user_id: str) -> threading.Lock:
    with _locks_lock:
        return _locks.setdefault((workspace_id, user_id), threading.Lock())
