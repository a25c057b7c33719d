"""The App Home tab: each person's own dashboard, only from the projects they can see."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from domain import outbox
from domain.home import dashboard
from domain.outbox import Outgoing
from handlers.context import db, now, workspace
from handlers.help import all_help
from handlers.ids import Event
from handlers.registry import Listeners
from handlers.render.home import home_view
from storage.models import Project


def register(listeners: Listeners) -> None:
    listeners.event(Event.APP_HOME_OPENED, on_home_opened)


def visible_projects(context: BoltContext, client: WebClient, user_id: str) -> list[Project]:
    """The workspace's projects whose channel the person is a member of (nothing from a channel they are not in)."""
    visible = []
    for project in db(context).scalars(select(Project).where(Project.workspace_id == workspace(context).id)):
        try:
            members: list[str] = []
            for page in client.conversations_members(channel=project.channel_id, limit=1000):
                members += page.get("members") or []
        except SlackApiError:  # a channel pmbot cannot read: show nothing from it
            continue
        if user_id in members:
            visible.append(project)
    return visible


def on_home_opened(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Publish the viewer's dashboard when they open the Home tab."""
    if event.get("tab", "home") != "home":
        return
    user_id = event["user"]
    board = dashboard(
        db(context), user_id=user_id, projects=visible_projects(context, client, user_id), now=now(context)
    )
    client.views_publish(user_id=user_id, view=home_view(board, all_help(), now=now(context)))


def refresh_if_home(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """After a button on the Home tab changed something, queue the refreshed dashboard (sent after the commit)."""
    view = body.get("view") or {}
    if (body.get("container") or {}).get("type") != "view" or view.get("type") != "home":
        return
    user_id = body["user"]["id"]
    board = dashboard(
        db(context), user_id=user_id, projects=visible_projects(context, client, user_id), now=now(context)
    )
    payload = {"user_id": user_id, "view": home_view(board, all_help(), now=now(context))}
    key = f"home:{user_id}:{now(context).timestamp()}"
    outbox.enqueue(
        db(context),
        workspace_id=workspace(context).id,
        now=now(context),
        message=Outgoing(
            key=key, method="views.publish", channel=f"home:{user_id}", payload=payload, not_before=now(context)
        ),
    )
