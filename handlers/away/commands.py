"""Away means delegated: `/pm away` (time away, with a delegate), `/pm delegate`; their help."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from domain import away, members, standups
from domain.calendar import local_day
from domain.errors import InvalidInput
from domain.text import escape, user_mention
from domain.workspaces import working_hours
from handlers.away import render
from handlers.channels import may_see
from handlers.context import db, now, workspace
from handlers.directory import member, project, user_ids_in
from handlers.ids import Command
from handlers.intent import require_known_people
from handlers.registry import Listeners
from handlers.render.help import CommandHelp
from storage.models import Project

HELP = CommandHelp(
    command="/pm away",
    summary=(
        "away means delegated: while you are away (your time away, a project holiday, or a Slack status such as "
        "Vacation :palm_tree:) your reminders wait, your approvals and escalations (a lead's: the daily escalation "
        "digest and the weekly status report's draft too) go to your delegate (else the project's leads), in their "
        "working hours, if they can see the project's channel (nobody who can: it waits for you), and the first "
        "working morning back you get one message with what happened."
    ),
    usages=(
        ("/pm away Dec 21 - Dec 31 delegate @bob", "away those days (`until Dec 3`, `tomorrow`, `next week` work too)"),
        ("/pm away", "your time away and your delegate"),
        ("/pm away cancel", "you're back: the time away you are in ends (time away still to come stays)"),
        ("/pm delegate @bob", "who stands in for you while you are away (`/pm delegate none`: the leads)"),
    ),
)
LEAD_DAYS = 366  # time away is planned at most a year ahead: further is a date misread
DELEGATE_WORD = re.compile(r"(?:^|\s+)(?:delegated\s+to|delegate|with)(?:\s+|$)", re.IGNORECASE)
MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


def register(listeners: Listeners) -> None:
    """Register the away and delegation words and help."""
    listeners.subcommand(Command.PM, "away", away_reply)
    listeners.subcommand(Command.PM, "delegate", delegate_reply)
    listeners.help(HELP)


def away_reply(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    """Answer `/pm away [<when> [delegate @bob] | cancel | help]`."""
    rest = rest.strip()
    caller = member(context, client, command["user_id"])
    ws, at = workspace(context).id, now(context)
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    today = local_day(at, members.zone_of(caller, fallback=proj.time_zone))
    if rest.lower() == "help":
        return {"text": HELP.text()}
    if rest.lower() in ("", "show", "list"):
        spans = [(s.first_day, s.last_day) for s in away.ahead(db(context), workspace_id=ws, user_id=caller.user_id,
                                                                today=today)]  # fmt: skip
        gone = away.absent(db(context), workspace_id=ws, user_ids=[caller.user_id], now=at).get(caller.user_id)
        delegate = away.delegate_of(db(context), workspace_id=ws, user_id=caller.user_id)
        return {"text": render.standing(spans, delegate=delegate, now_away=gone)}
    if rest.lower() in ("cancel", "back", "none", "off"):
        changed, kept = away.cancel(db(context), workspace_id=ws, user_id=caller.user_id, today=today)
        return {"text": render.cancelled(changed, [(s.first_day, s.last_day) for s in kept])}
    require_known_people(rest)
    rest, named = _split_delegate(rest)
    if user_ids_in(rest):
        raise InvalidInput("Say `delegate` before the person.", hint="Like `/pm away Dec 21 - Dec 31 delegate @bob`.")
    tz = members.zone_of(caller, fallback=proj.time_zone)
    first, last = away.read_when(rest, at=at, tz=tz, hours=working_hours(proj))
    if last < today:
        raise InvalidInput("That time away is over already.", hint="Like `/pm away Dec 21 - Dec 31`.")
    if (first - today).days > LEAD_DAYS:
        raise InvalidInput(
            f"{render.day(first)} is more than a year ahead.", hint="Like `/pm away Dec 21 - Dec 31` (or `21-31 dec`)."
        )
    delegate = _delegate(context, client, named, caller.user_id) if named is not None else None
    standups.add_away(db(context), workspace_id=ws, user_id=caller.user_id, first=first, last=last, now=at)
    if delegate is not None:
        away.set_delegate(db(context), workspace_id=ws, user_id=caller.user_id, delegate=delegate, now=at)
    delegate = away.delegate_of(db(context), workspace_id=ws, user_id=caller.user_id)
    stand_in = f"{user_mention(delegate)} gets" if delegate else "your project's leads get"
    return {
        "text": f":palm_tree: You're away {render.span(first, last)}: no reminders or stand-up prompts, {stand_in} "
        "your approvals and escalations, and you'll hear what happened when you're back."
        + _outside(context, client, proj, delegate, command["channel_id"])
    }


def delegate_reply(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    """Answer `/pm delegate [@bob | none | help]`."""
    rest = rest.strip()
    ws, at, user = workspace(context).id, now(context), command["user_id"]
    if rest.lower() == "help":
        return {"text": HELP.text()}
    if not rest:
        delegate = away.delegate_of(db(context), workspace_id=ws, user_id=user)
        named = f"Your delegate is {user_mention(delegate)}." if delegate else "You have no delegate."
        return {"text": f"{named} `/pm delegate @bob` to name one, `/pm delegate none` for your project's leads."}
    if rest.lower() in ("none", "nobody", "clear", "leads"):
        away.set_delegate(db(context), workspace_id=ws, user_id=user, delegate=None, now=at)
        return {"text": "No delegate: while you are away, your project's leads stand in for you."}
    require_known_people(rest)
    if not MENTION.fullmatch(rest):
        raise InvalidInput(
            f"I don't know who `{escape(rest[:40])}` is.", hint="Name one person: `/pm delegate @bob` (or `none`)."
        )
    delegate = _delegate(context, client, rest, user)
    away.set_delegate(db(context), workspace_id=ws, user_id=user, delegate=delegate, now=at)
    said = f"{user_mention(delegate)} stands in for you while you are away: your approvals and escalations."
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    return {"text": said + _outside(context, client, proj, delegate, command["channel_id"])}


def _outside(context: BoltContext, client: WebClient, proj: Project, delegate: str | None, here: str) -> str:
    """A word when the delegate cannot see this channel (a private one they are not in, or any they are not in for
    a guest, who sees only their own channels): its records go to its leads instead."""
    if delegate is None or here.startswith("D"):
        return ""
    if may_see(context, client, proj, delegate, here=None):
        return ""
    kind = "private channel" if proj.is_private is not False else "channel"
    return f" {user_mention(delegate)} isn't in this {kind}, so its leads stand in for you here instead."


def _split_delegate(rest: str) -> tuple[str, str | None]:
    """Split `Dec 21 - Dec 31 delegate @bob` into the days and the one person named after `delegate` (None: no
    `delegate`); refuse anything after it but one person, naming what it could not read."""
    masked = MENTION.sub(lambda m: "@" * len(m.group()), rest)  # `delegate` in a person's name is not the word
    found = DELEGATE_WORD.search(masked)
    if found is None:
        return rest, None
    when, who = rest[: found.start()].strip(), rest[found.end() :].strip()
    if not MENTION.fullmatch(who):
        shown = f"I don't know who `{escape(who[:40])}` is." if who else "Whom do you delegate to?"
        raise InvalidInput(shown, hint="Name one person: `/pm away Dec 21 - Dec 31 delegate @bob`.")
    return when, who


def _delegate(context: BoltContext, client: WebClient, mention: str, caller: str) -> str:
    [user_id] = user_ids_in(mention)
    if user_id == caller:
        raise InvalidInput("You can't be your own delegate.", hint="Name a colleague: `/pm delegate @bob`.")
    members.require_can_own(member(context, client, user_id), "stand in for you")
    return user_id
