"""Away means delegated: `/pm away` (time away, with a delegate), `/pm delegate`; their help."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from domain import away, members, standups
from domain.calendar import local_day
from domain.due_phrases import read_range
from domain.errors import InvalidInput
from domain.text import escape, user_mention
from domain.workspaces import working_hours
from handlers.away import render
from handlers.context import db, now, workspace
from handlers.directory import member, project, user_ids_in
from handlers.ids import Command
from handlers.registry import Listeners
from handlers.render.help import CommandHelp

HELP = CommandHelp(
    command="/pm away",
    summary=(
        "away means delegated: while you are away (your time away, a project holiday, or a Slack status such as "
        "Vacation :palm_tree:) your reminders wait, your approvals and escalations (a lead's: the daily escalation "
        "digest and the weekly status report's draft too) go to your delegate (else the project's leads), in their "
        "working hours, and the first working morning back you get one message with what happened."
    ),
    usages=(
        ("/pm away Dec 21 - Dec 31 delegate @bob", "away those days (`until Dec 3`, `tomorrow` work too)"),
        ("/pm away", "your time away and your delegate"),
        ("/pm away cancel", "you're back: your time away ends today"),
        ("/pm delegate @bob", "who stands in for you while you are away (`/pm delegate none`: the leads)"),
    ),
)
LEAD_DAYS = 366  # time away is planned at most a year ahead: further is a date misread
DELEGATE_WORD = re.compile(r"\s+(?:delegate|delegated\s+to|with)\s+(<@[UW][A-Z0-9]+(?:\|[^>]*)?>)\s*$", re.IGNORECASE)


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
        changed = away.cancel(db(context), workspace_id=ws, user_id=caller.user_id, today=today)
        if not changed:
            return {"text": "You have no time away to cancel."}
        return {"text": ":wave: Welcome back: your time away is over, and reminders reach you again."}
    delegate = None
    if found := DELEGATE_WORD.search(rest):
        delegate = _delegate(context, client, found.group(1), caller.user_id)
        rest = rest[: found.start()].strip()
    elif user_ids_in(rest):
        raise InvalidInput("Say `delegate` before the person.", hint="Like `/pm away Dec 21 - Dec 31 delegate @bob`.")
    tz = members.zone_of(caller, fallback=proj.time_zone)
    first, last = read_range(away.spelled_out(rest), at=at, tz=tz, hours=working_hours(proj))
    if last < today:
        raise InvalidInput("That time away is over already.", hint="Like `/pm away Dec 21 - Dec 31`.")
    if (first - today).days > LEAD_DAYS:
        raise InvalidInput(
            f"{render.day(first)} is more than a year ahead.", hint="Like `/pm away Dec 21 - Dec 31` (or `21-31 dec`)."
        )
    standups.add_away(db(context), workspace_id=ws, user_id=caller.user_id, first=first, last=last, now=at)
    if delegate is not None:
        away.set_delegate(db(context), workspace_id=ws, user_id=caller.user_id, delegate=delegate, now=at)
    delegate = away.delegate_of(db(context), workspace_id=ws, user_id=caller.user_id)
    stand_in = f"{user_mention(delegate)} gets" if delegate else "your project's leads get"
    return {
        "text": f":palm_tree: You're away {render.span(first, last)}: no reminders or stand-up prompts, {stand_in} "
        "your approvals and escalations, and you'll hear what happened when you're back."
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
    if not re.fullmatch(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>", rest):
        raise InvalidInput(
            f"I don't know who `{escape(rest[:40])}` is.", hint="Name one person: `/pm delegate @bob` (or `none`)."
        )
    delegate = _delegate(context, client, rest, user)
    away.set_delegate(db(context), workspace_id=ws, user_id=user, delegate=delegate, now=at)
    return {"text": f"{user_mention(delegate)} stands in for you while you are away: your approvals and escalations."}


def _delegate(context: BoltContext, client: WebClient, mention: str, caller: str) -> str:
    [user_id] = user_ids_in(mention)
    if user_id == caller:
        raise InvalidInput("You can't be your own delegate.", hint="Name a colleague: `/pm delegate @bob`.")
    members.require_can_own(member(context, client, user_id), "stand in for you")
    return user_id
