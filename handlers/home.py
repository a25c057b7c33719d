"""The App Home tab: each person's own dashboard, only from the projects they can see."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from domain import channels, outbox
from domain.home import dashboard
from domain.outbox import Outgoing
from handlers.channels import read_roster
from handlers.context import after_answer, db, now, workspace
from handlers.help import all_help
from handlers.ids import Event
from handlers.registry import Listeners
from handlers.render.home import home_view
from storage.db import unit_of_work
from storage.models import Project


def register(listeners: Listeners) -> None:
    listeners.event(Event.APP_HOME_OPENED, on_home_opened)


def visible_projects(session: Session, *, workspace_id: int, user_id: str) -> list[Project]:
    """The workspace's projects whose channel Slack has said the person is in (nothing from any other)."""
    projects = list(session.scalars(select(Project).where(Project.workspace_id == workspace_id)))
    seen = channels.channels_of(
        session, workspace_id=workspace_id, user_id=user_id, channel_ids=[p.channel_id for p in projects]
    )
    return [p for p in projects if p.channel_id in seen]


def on_home_opened(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    """Publish the viewer's dashboard when they open the Home tab."""
    if event.get("tab", "home") != "home":
        return
    user_id = event["user"]
    show_home(context, user_id, key=f"home:{user_id}:{body.get('event_id') or now(context).timestamp()}")


def refresh_if_home(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """After a button on the Home tab changed something, queue the refreshed dashboard (sent after the commit)."""
    view = body.get("view") or {}
    if (body.get("container") or {}).get("type") != "view" or view.get("type") != "home":
        return
    user_id = body["user"]["id"]
    show_home(context, user_id, key=f"home:{user_id}:{now(context).timestamp()}")


def show_home(context: BoltContext, user_id: str, *, key: str) -> None:
    """Queue the dashboard from the membership pmbot knows now (sent once the request commits, without asking
    Slack anything first); rosters never read or grown old are read after the answer, and the dashboard is
    published again if that changes which projects the person sees."""
    session, workspace_id, at = db(context), workspace(context).id, now(context)
    view, shown = _view(session, workspace_id=workspace_id, user_id=user_id, at=at)
    message = Outgoing(key=key, method="views.publish", channel=f"home:{user_id}",
                       payload={"user_id": user_id, "view": view}, not_before=at)  # fmt: skip
    outbox.enqueue(session, workspace_id=workspace_id, now=at, message=message)
    project_channels = session.scalars(select(Project.channel_id).where(Project.workspace_id == workspace_id))
    unread = channels.to_read(session, workspace_id=workspace_id, channel_ids=list(project_channels), now=at)
    if unread:
        job = functools.partial(_read_then_publish, workspace_id=workspace_id, user_id=user_id,
                                channel_ids=unread, shown=shown, at=at)  # fmt: skip
        after_answer(context, job)


def _view(session: Session, *, workspace_id: int, user_id: str, at: datetime) -> tuple[dict[str, Any], set[int]]:
    projects = visible_projects(session, workspace_id=workspace_id, user_id=user_id)
    board = dashboard(session, user_id=user_id, projects=projects, now=at)
    return home_view(board, all_help(), now=at), {p.id for p in projects}


def _read_then_publish(
    factory: sessionmaker[Session],
    client: WebClient,
    *,
    workspace_id: int,
    user_id: str,
    channel_ids: list[str],
    shown: set[int],
    at: datetime,
) -> None:
    for channel_id in channel_ids:
        read_roster(factory, client, workspace_id=workspace_id, channel_id=channel_id, at=at)
    with unit_of_work(factory) as session:
        view, visible = _view(session, workspace_id=workspace_id, user_id=user_id, at=at)
    if visible != shown:
        client.views_publish(user_id=user_id, view=view)
