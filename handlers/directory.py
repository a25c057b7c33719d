"""People and projects as a request needs them: cached members refreshed from users.info when stale."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from domain import members
from domain.errors import NotFound
from domain.text import user_ids_in as user_ids_in  # the edge reads mentions from here too (the rule is the domain's)
from domain.workspaces import project_for
from handlers.channels import keep_roster, require_visible
from handlers.context import db, now, workspace
from storage.db import unit_of_work
from storage.models import Member, Project

log = logging.getLogger(__name__)

CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")


def member(context: Any, client: WebClient, user_id: str) -> Member:
    """Return the member for a user id, fetching their profile when unknown or stale."""
    return fetch_member(db(context), client, workspace_id=workspace(context).id, user_id=user_id, at=now(context))


def fetch_member(session: Session, client: WebClient, *, workspace_id: int, user_id: str, at: Any) -> Member:
    """Return a cached member, refreshed from Slack when stale; NotFound for a user Slack does not know."""
    cached = members.find(session, workspace_id=workspace_id, user_id=user_id)
    if not members.is_stale(cached, now=at):
        assert cached is not None
        return cached
    try:
        response = client.users_info(user=user_id, include_locale=True)
    except SlackApiError as err:
        if cached is not None:  # Slack is having a moment; yesterday's profile is good enough
            return cached
        if err.response.get("error") in ("user_not_found", "invalid_user"):
            raise NotFound(f"I can't find the user `{user_id[:20]}` in this workspace.") from None
        raise
    return members.upsert_from_profile(session, workspace_id=workspace_id, user=response["user"], now=at)


def project(context: Any, channel_id: str, *, name: str = "") -> Project:
    """Return the project for a channel, creating it on first use; its roster is read after the answer if unknown."""
    found = project_for(db(context), workspace=workspace(context), channel_id=channel_id, now=now(context), name=name)
    keep_roster(context, channel_id)
    return found


def form_project(context: Any, client: WebClient, channel_id: str, user_id: str, *, name: str = "") -> Project:
    """Return the project of the channel a form names in its metadata, if the person submitting may see it: the
    metadata is the request's word, not Slack's."""
    found = project(context, channel_id, name=name)
    require_visible(context, client, found, user_id, ref=f"<#{channel_id}>", here=None)
    return found


def channel_ids_in(text: str) -> list[str]:
    """Return the channel ids of Slack channel links in text, in order."""
    return list(dict.fromkeys(CHANNEL_MENTION.findall(text)))


def cached_members(context: Any, user_ids: list[str]) -> list[Member]:
    """Return the members pmbot has cached for these user ids, stale ones too (Slack is not asked)."""
    session, workspace_id = db(context), workspace(context).id
    found = (members.find(session, workspace_id=workspace_id, user_id=u) for u in dict.fromkeys(user_ids))
    return [m for m in found if m is not None]


def fetch_profiles(
    factory: sessionmaker[Session], client: WebClient, *, workspace_id: int, user_ids: list[str], at: datetime
) -> set[str]:
    """Fetch these people's profiles with users.info and store them, holding no transaction during the calls;
    return who pmbot cannot ask anything (bots, deactivated accounts, ids Slack does not know).

    One call a person, never a page through the whole workspace's users.list.
    """
    profiles, gone = [], set()
    for user_id in user_ids:
        try:
            profiles.append(client.users_info(user=user_id, include_locale=True)["user"])
        except SlackApiError as err:
            code = err.response.get("error") if isinstance(err.response.data, dict) else None
            if code in ("user_not_found", "invalid_user"):
                gone.add(user_id)
            else:  # rate limited or Slack is down: the cached profile (or the project's zone) serves meanwhile
                log.warning("could not fetch the profile of %s: %s", user_id, code or err.response.status_code)
    with unit_of_work(factory) as session:
        for user in profiles:
            stored = members.upsert_from_profile(session, workspace_id=workspace_id, user=user, now=at)
            if stored.is_bot or stored.deleted:
                gone.add(stored.user_id)
    return gone
