"""The App Home tab: each person's own dashboard, only from the projects they can see."""

from __future__ import annotations

import functools
import threading
from datetime import datetime
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from domain import channels, outbox
from domain.home import dashboard, retros_waiting
from handlers.channels import read_roster
from handlers.context import after_answer, catalogue, now, workspace
from handlers.home.render import home_view
from handlers.ids import Event
from handlers.registry import Listeners
from handlers.render.help import CommandHelp
from handlers.retros import keys as retro_keys
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
    session: Session, *, workspace_id: int, user_id: str, at: datetime, help_entries: list[CommandHelp],
    links: dict[int, str],
) -> tuple[dict[str, Any], set[int]]:  # fmt: skip
    projects = visible_projects(session, workspace_id=workspace_id, user_id=user_id)
    board = dashboard(session, user_id=user_id, projects=projects, now=at)
    return home_view(board, help_entries, now=at, links=links), {p.id for p in projects}


def _board_links(
    factory: sessionmaker[Session], client: WebClient, *, workspace_id: int, user_id: str, known: dict[int, str]
) -> dict[int, str]:
    """The links of the boards of the revealed retros waiting for the person, from Slack unless `known` (a board not
    posted yet has none): where each was posted is read in a short session, and Slack is asked once it is closed."""
    with read_only(factory) as session:
        projects = visible_projects(session, workspace_id=workspace_id, user_id=user_id)
        waiting = retros_waiting(session, user_id=user_id, project_ids=[p.id for p in projects])
        wanted = {(workspace_id, retro_keys.board(r.retro_id)): r.retro_id for r in waiting if r.revealed}
        posted = {wanted[ref]: (m.result_channel, m.result_ts) for ref, m in outbox.references(session, wanted).items()
                  if m.result_channel and m.result_ts}  # fmt: skip
    links = {retro_id: known[retro_id] for retro_id in posted if retro_id in known}
    for retro_id, (channel, ts) in posted.items():
        if retro_id in links:
            continue
        try:
            found = client.chat_getPermalink(channel=channel, message_ts=ts)
        except SlackApiError:
            continue
        if found.get("permalink"):
            links[retro_id] = str(found["permalink"])
    return links


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
        links = _board_links(factory, client, workspace_id=workspace_id, user_id=user_id, known={})
        with read_only(factory) as session:
            view, shown = _view(session, workspace_id=workspace_id, user_id=user_id, at=at, help_entries=help_entries,
                                links=links)  # fmt: skip
            project_channels = session.scalars(select(Project.channel_id).where(Project.workspace_id == workspace_id))
            unread = channels.to_read(session, workspace_id=workspace_id, channel_ids=list(project_channels), now=at)
        client.views_publish(user_id=user_id, view=view)
        if not unread:
            return
        for channel_id in unread:
            read_roster(factory, client, workspace_id=workspace_id, channel_id=channel_id, at=at)
        links = _board_links(factory, client, workspace_id=workspace_id, user_id=user_id, known=links)
        with read_only(factory) as session:
            view, visible = _view(session, workspace_id=workspace_id, user_id=user_id, at=at,
                                  help_entries=help_entries, links=links)  # fmt: skip
        if visible != shown:
            client.views_publish(user_id=user_id, view=view)


_locks_lock = threading.Lock()
_locks: dict[tuple[int, str], threading.Lock] = {}


def _publishing(workspace_id: int, user_id: str) -> threading.Lock:
    with _locks_lock:
        return _locks.setdefault((workspace_id, user_id), threading.Lock())
