"""Keep the membership cache current: member_joined_channel / member_left_channel, a channel made private or public,
and whole rosters read after the answer."""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from domain import channels, members, visibility
from domain.visibility import Record
from handlers.context import after_answer, db, now, workspace
from handlers.ids import Event, Subtype
from handlers.registry import Listeners
from storage.db import unit_of_work
from storage.models import Project

log = logging.getLogger(__name__)


def register(listeners: Listeners) -> None:
    listeners.event(Event.MEMBER_JOINED_CHANNEL, on_member_joined)
    listeners.event(Event.MEMBER_LEFT_CHANNEL, on_member_left)
    listeners.event(Event.MESSAGE, on_converted, manifest_names=("message.channels", "message.groups"),
                    subtypes=(Subtype.CONVERTED_TO_PRIVATE, Subtype.CONVERTED_TO_PUBLIC))  # fmt: skip


def on_member_joined(event: dict[str, Any], context: BoltContext) -> None:
    """Someone joined a channel pmbot is in: they see its project from now on."""
    _record(event, context, present=True)
    if event.get("user") == context.bot_user_id:  # pmbot itself: it may now read a roster it could not before
        channels.forget_roster(db(context), workspace_id=workspace(context).id, channel_id=str(event["channel"]))


def on_member_left(event: dict[str, Any], context: BoltContext) -> None:
    """Someone left a channel: its project leaves their Home tab at once."""
    _record(event, context, present=False)


def on_converted(event: dict[str, Any], context: BoltContext) -> None:
    """A channel was made private (or public): a private one's records are for its members at once, and its kind
    and roster are read again after the answer rather than at the next refresh."""
    if event.get("channel"):
        channel_id = str(event["channel"])
        visibility.channel_converted(db(context), workspace_id=workspace(context).id, channel_id=channel_id,
                                     private=event.get("subtype") == Subtype.CONVERTED_TO_PRIVATE)  # fmt: skip
        keep_roster(context, channel_id)


def _record(event: dict[str, Any], context: BoltContext, *, present: bool) -> None:
    if event.get("user") and event.get("channel"):
        channels.record(db(context), workspace_id=workspace(context).id, channel_id=str(event["channel"]),
                        user_id=str(event["user"]), present=present, now=now(context))  # fmt: skip


def keep_roster(context: BoltContext, channel_id: str) -> None:
    """Read a project channel's kind and roster after the answer when never read or grown old, so the Home tab
    and the privacy checks know who is in it before anyone asks."""
    if channels.to_read(db(context), workspace_id=workspace(context).id, channel_ids=[channel_id], now=now(context)):
        workspace_id, at = workspace(context).id, now(context)
        after_answer(context, functools.partial(_read_job, workspace_id=workspace_id, channel_id=channel_id, at=at))


def _read_job(
    factory: sessionmaker[Session], client: WebClient, *, workspace_id: int, channel_id: str, at: datetime
) -> None:
    info = channel_info(client, channel_id)
    if info is not None:
        with unit_of_work(factory) as session:
            found = session.scalar(
                select(Project).where(Project.workspace_id == workspace_id, Project.channel_id == channel_id)
            )
            if found is not None:
                _apply_info(found, info)
    read_roster(factory, client, workspace_id=workspace_id, channel_id=channel_id, at=at)


def channel_info(client: WebClient, channel_id: str) -> dict[str, Any] | None:
    """Ask Slack what kind of channel this is and who created it; None when Slack could not answer now.

    A channel pmbot may not read (channel_not_found) counts as private: nobody outside it may see its records.
    """
    try:
        channel: dict[str, Any] = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as err:
        if err.response.status_code != 200:
            log.warning("could not read what kind of channel %s is: %s", channel_id, err.response.status_code)
            return None
        return {"is_private": True}
    return channel


def _apply_info(project: Project, info: dict[str, Any]) -> None:
    kinds = ("is_private", "is_im", "is_mpim", "is_group")
    project.is_private = any(bool(info.get(kind)) for kind in kinds)
    project.channel_creator = str(info.get("creator") or info.get("user") or "")[:32]


def learn_kind(client: WebClient, project: Project) -> None:
    """Ask Slack, once, whether the project's channel is private and who created it (one conversations.info)."""
    if project.is_private is None:
        info = channel_info(client, project.channel_id)
        if info is not None:
            _apply_info(project, info)


def may_see(context: BoltContext, client: WebClient, project: Project, user_id: str, *, here: str | None) -> bool:
    """Return whether the person may read the project's records (see domain.visibility).

    A request Slack made from the project's own channel (`here`) is Slack's word that the person is in it;
    otherwise the cache answers, after one conversations.info, one users.info (for a public channel: is the person
    a guest?) and one roster read if Slack was never asked.
    """
    if here is not None and here == project.channel_id:
        return True
    _learn(context, client, project, user_id)
    return visibility.can_see(db(context), project=project, user_id=user_id)


def require_may_use(
    context: BoltContext, client: WebClient, record: Record, user_id: str, *, here: str | None, ref: str | None = None
) -> None:
    """Raise the same NotFound as a missing record unless the person is a party to it or may read its project's
    records (see domain.visibility.may_use); Slack is asked nothing about a party. The refusal names the record by
    `ref` when given: one looked up by a button's row id answers in a missing row's words ("the milestone"), so
    row ids cannot be walked for the refs of records the person may not read."""
    if here is not None and here == record.project.channel_id:
        return
    if user_id not in visibility.parties(record):
        _learn(context, client, record.project, user_id)
    if not visibility.may_use(db(context), record=record, user_id=user_id):
        raise visibility.unseen(ref or record.ref)


def _learn(context: BoltContext, client: WebClient, project: Project, user_id: str) -> None:
    """Ask Slack, if it was never asked, the channel's kind, then for a public one whether the person is a guest,
    and (unless public and they are a full member of the workspace) its members."""
    learn_kind(client, project)
    if project.is_private is False:
        learn_profile(context, client, user_id)
    if not visibility.settled(db(context), project=project, user_id=user_id):
        _read_now(context, client, project.channel_id)


def learn_profile(context: BoltContext, client: WebClient, user_id: str) -> None:
    """Read the person's profile from Slack (users.info) when pmbot has none or it has grown old, so that whether
    they are a guest is Slack's word, never the request's. When Slack cannot answer, the profile pmbot has stands;
    without one, they count as a guest (domain.visibility)."""
    session, workspace_id, at = db(context), workspace(context).id, now(context)
    if not members.is_stale(members.find(session, workspace_id=workspace_id, user_id=user_id), now=at):
        return
    try:
        user = client.users_info(user=user_id, include_locale=True)["user"]
    except SlackApiError as err:  # a stale profile still says what it said; none at all reads as a guest
        log.warning("could not read the profile of %s: %s", user_id, err.response.status_code)
        return
    members.upsert_from_profile(session, workspace_id=workspace_id, user=user, now=at)


def require_visible(
    context: BoltContext, client: WebClient, project: Project, user_id: str, *, ref: str, here: str | None
) -> None:
    """Raise the same NotFound as a missing record unless the person may read the project's records."""
    if not may_see(context, client, project, user_id, here=here):
        raise visibility.unseen(ref)


def _read_now(context: BoltContext, client: WebClient, channel_id: str) -> None:
    members = read_members(client, channel_id)
    if members is not None:
        channels.replace_roster(db(context), workspace_id=workspace(context).id, channel_id=channel_id,
                                members=members, asked_at=now(context))  # fmt: skip


def read_roster(
    factory: sessionmaker[Session], client: WebClient, *, workspace_id: int, channel_id: str, at: datetime
) -> None:
    """Read a channel's whole member list from Slack and store it (no transaction is open during the calls)."""
    members = read_members(client, channel_id)
    if members is not None:
        with unit_of_work(factory) as session:
            channels.replace_roster(session, workspace_id=workspace_id, channel_id=channel_id, members=members,
                                    asked_at=at)  # fmt: skip


def read_members(client: WebClient, channel_id: str) -> list[str] | None:
    """Return a channel's members as Slack says; None when Slack could not answer now (rate limit, outage).

    A channel pmbot may not read counts as one nobody is known to be in.
    """
    members: list[str] = []
    try:
        for page in client.conversations_members(channel=channel_id, limit=1000):
            members += page.get("members") or []
    except SlackApiError as err:
        if err.response.status_code != 200:
            log.warning("could not read the members of %s: %s", channel_id, err.response.status_code)
            return None
        return []  # channel_not_found, not_in_channel, ...: show nothing from it
    return members
