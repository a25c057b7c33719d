"""Starting a retro, from `/retro start` or an offer's button: who is asked, in which zone, and their profiles read
after the answer."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from slack_bolt import BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from domain import members, retros
from domain.calendar import local_day
from domain.errors import InvalidInput
from handlers.channels import read_members
from handlers.context import after_answer, db, now
from handlers.directory import cached_members, fetch_profiles
from handlers.retros import notices
from storage.db import unit_of_work
from storage.models import Project
from storage.models.retros import Retro


def begin(context: BoltContext, client: WebClient, proj: Project, user_id: str, title: str) -> Retro:
    """Start a retro in the project with these words as its name (`/retro start`, or an offer's button): its people
    are the stand-up's, else the channel's; their profiles (time zones) pmbot lacks are read after the answer."""
    session, at = db(context), now(context)
    people = retros.standup_people(session, proj)
    if people is None:
        people = _channel_members(client, proj.channel_id)
    people = [u for u in dict.fromkeys(people) if u != context.bot_user_id]
    known = {m.user_id: m for m in cached_members(context, people)}
    humans = [u for u in people if u not in known or not (known[u].is_bot or known[u].deleted)]
    first = local_day(at, proj.time_zone) - timedelta(days=1)
    zones = {u: members.zone_of(known.get(u), fallback=proj.time_zone) for u in humans}
    retro = retros.start(session, project=proj, title=title, started_by=user_id,
                         persons=retros.people(session, proj, zones, first=first),
                         rules=retros.rules_for(session, proj, first=first), now=at)  # fmt: skip
    notices.started(session, retro, now=at)
    stale = [u for u in humans if members.is_stale(known.get(u), now=at)]
    if stale:
        after_answer(context, functools.partial(_fetch_people, retro_id=retro.id, workspace_id=proj.workspace_id,
                                                user_ids=stale, at=at))  # fmt: skip
    return retro


def _channel_members(client: WebClient, channel_id: str) -> list[str]:
    """Everyone in the channel, as Slack says (page after page)."""
    found = read_members(client, channel_id)
    if not found:  # Slack could not answer, or pmbot is not in the channel
        raise InvalidInput("I can't read who is in this channel.", hint="Invite me with `/invite @pmbot`.")
    return [str(u) for u in found]


def _fetch_people(
    factory: sessionmaker[Session], client: WebClient, *, retro_id: int, workspace_id: int, user_ids: list[str],
    at: datetime,
) -> None:  # fmt: skip
    """After the start's answer: read the profiles it lacked, then work out again when each of them is asked (their
    own zone, not the project's), leaving out bots and deactivated accounts."""
    gone = fetch_profiles(factory, client, workspace_id=workspace_id, user_ids=user_ids, at=at)
    with unit_of_work(factory) as session:
        retro = retros.by_id(session, workspace_id=workspace_id, retro_id=retro_id, for_update=True)
        proj = retro.project
        known = members.known(session, user_ids=user_ids, workspace_ids=[workspace_id])
        zones = {u: known.zones.get((workspace_id, u)) or proj.time_zone for u in user_ids if u not in gone}
        first = local_day(at, proj.time_zone) - timedelta(days=1)
        retros.replan(session, retro, retros.people(session, proj, zones, first=first), gone=gone, now=at)
