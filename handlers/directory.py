"""People and projects as a request needs them: cached members refreshed from users.info when stale."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from domain import members
from domain.errors import NotFound
from domain.workspaces import project_for
from handlers.context import db, now, workspace
from storage.models import Member, Project

USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
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
    """Return the project for a channel, creating it with defaults on first use."""
    return project_for(db(context), workspace=workspace(context), channel_id=channel_id, now=now(context), name=name)


def user_ids_in(text: str) -> list[str]:
    """Return the user ids of Slack user mentions in text, in order, without repeats."""
    return list(dict.fromkeys(USER_MENTION.findall(text)))


def channel_ids_in(text: str) -> list[str]:
    """Return the channel ids of Slack channel links in text, in order."""
    return list(dict.fromkeys(CHANNEL_MENTION.findall(text)))


def fetch_members(context: Any, client: WebClient, user_ids: list[str], *, fetch: bool = True) -> list[Member]:
    """Return members for many user ids; unknown or stale ones are fetched (users.list when there are many).

    With `fetch=False` only what is cached is returned (for showing names).
    """
    session, workspace_id, at = db(context), workspace(context).id, now(context)
    cached = {u: members.find(session, workspace_id=workspace_id, user_id=u) for u in dict.fromkeys(user_ids)}
    missing = [u for u, m in cached.items() if members.is_stale(m, now=at)]
    if fetch and len(missing) > 5:
        wanted = set(missing)
        for page in client.users_list(limit=200):
            for user in page.get("members") or []:
                if user.get("id") in wanted:
                    cached[user["id"]] = members.upsert_from_profile(
                        session, workspace_id=workspace_id, user=user, now=at
                    )
    elif fetch:
        for user_id in missing:
            try:
                cached[user_id] = fetch_member(session, client, workspace_id=workspace_id, user_id=user_id, at=at)
            except NotFound:
                cached[user_id] = None
    return [m for m in cached.values() if m is not None]
