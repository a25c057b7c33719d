"""`/standup`: set up, show, pause and resume, time away, holidays, answer ahead, reports and stats."""

from __future__ import annotations

import functools
import json
import re
from datetime import date, datetime, timedelta
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from domain import members, standups
from domain.due_phrases import read_past_range, read_range
from domain.errors import InvalidInput, PermissionDenied
from domain.intent import STANDUP
from domain.standup_schedule import next_day
from domain.workspaces import is_lead, working_hours
from handlers import intent
from handlers.context import after_answer, db, now, workspace
from handlers.directory import cached_members, fetch_profiles, form_project, member, project, user_ids_in
from handlers.forms import checking, text_of, values_of
from handlers.ids import Block, Command, View
from handlers.registry import Listeners
from handlers.render.help import CommandHelp
from handlers.standups import answers as standup_answers
from handlers.standups import render
from storage.db import unit_of_work
from storage.models import Member, Project

HELP = CommandHelp(
    command=Command.STANDUP,
    summary="async stand-ups: everyone is asked at their own local time; the team gets one thread and a summary.",
    usages=(
        ("/standup setup", "questions, days, time, participants, summary, reminder"),
        ("/standup show", "the configuration"),
        ("/standup pause", "stop asking (`/standup resume` to start again)"),
        ("/standup answer", "answer your next stand-up now (the evening before is fine)"),
        ("/standup away Dec 24 - Jan 2", "not asked while away (`until Dec 3`, `tomorrow` work too)"),
        ("/standup holiday 2026-12-25", "nobody is asked that day"),
        ("/standup report last week @user", "answers over `today`, `yesterday`, `last week` or `Dec 1 - Dec 5`"),
        ("/standup stats", "response rate per person over the last 30 stand-up days"),
    ),
)


def register(listeners: Listeners) -> None:
    listeners.command(Command.STANDUP, on_standup)
    listeners.help(HELP)
    listeners.view(View.STANDUP_SETUP, on_setup_submitted, check=checking(_setup_complete))
    standup_answers.register(listeners)


def on_standup(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Route `/standup <subcommand>`."""
    word, _, rest = (command.get("text") or "").strip().partition(" ")
    handler = SUBCOMMANDS.get(word.lower() or "help")
    if handler is None:
        raise intent.refuse_unknown(STANDUP, word)
    answer = handler(command, rest.strip(), context, client)
    if answer is None:
        ack()
    else:
        ack(response_type="ephemeral", **answer)


def _project(command: dict[str, Any], context: BoltContext) -> Project:
    return project(context, command["channel_id"], name=command.get("channel_name", ""))


def _require_lead(proj: Project, user_id: str, context: BoltContext, client: WebClient | None) -> None:
    """Refuse anyone but a lead or an admin; without `client`, only what pmbot knows of the caller counts."""
    if client is not None:
        caller: Member | None = member(context, client, user_id)
    else:
        caller = members.find(db(context), workspace_id=workspace(context).id, user_id=user_id)
    if proj.lead_user_ids and not is_lead(proj, user_id) and not (caller is not None and caller.is_admin):
        raise PermissionDenied("Only this project's leads can change its stand-up.")


def _help(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    return {"text": HELP.text()}


def _setup(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> None:
    proj = _project(command, context)
    _require_lead(proj, command["user_id"], context, client)
    existing = standups.find(db(context), proj)
    if existing is not None:
        people = list(existing.participants)
    else:
        members = client.conversations_members(channel=proj.channel_id, limit=200).get("members") or []
        people = [u for u in members if u != context.bot_user_id]
    view = render.setup_modal(existing, channel=proj.channel_id, participants=people)
    client.views_open(trigger_id=command["trigger_id"], view=view)
    return None


def _setup_complete(view: dict[str, Any], _at: datetime) -> None:
    """What the set-up form alone shows missing (the rules of `standups.configure`, which checks them again)."""
    values = values_of(view)
    if not any(q.strip() for q in text_of(view, Block.QUESTIONS).splitlines()):
        raise InvalidInput("Ask at least one question.", field=Block.QUESTIONS)
    if not values.get(Block.DAYS, {}).get("selected_options"):
        raise InvalidInput("Pick at least one day.", field=Block.DAYS)
    if not values.get(Block.PARTICIPANTS, {}).get("selected_users"):
        raise InvalidInput("Pick at least one participant.", field=Block.PARTICIPANTS)
    _minute(values.get(Block.PROMPT_TIME, {}).get("selected_time"), Block.PROMPT_TIME)


def on_setup_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Save the set-up form at once, asking Slack nothing; profiles pmbot lacks (time zones) are fetched after the
    answer, and until one arrives that person is asked at the project's time."""
    values = view["state"]["values"]

    def value(block: str) -> dict[str, Any]:
        return dict((values.get(block) or {}).get("value") or {})

    channel = json.loads(view.get("private_metadata") or "{}")["channel"]
    proj = form_project(context, client, channel, body["user"]["id"])  # the metadata is the request's word
    _require_lead(proj, body["user"]["id"], context, None)  # the form was opened by `/standup setup`, which asked
    people = [u for u in value(Block.PARTICIPANTS).get("selected_users") or [] if u != context.bot_user_id]
    known = {m.user_id: m for m in cached_members(context, people)}
    humans = [u for u in people if u not in known or not (known[u].is_bot or known[u].deleted)]
    settings = standups.Settings(
        questions=(value(Block.QUESTIONS).get("value") or "").splitlines(),
        days=[int(o["value"]) for o in value(Block.DAYS).get("selected_options") or []],
        prompt_minute=_minute(value(Block.PROMPT_TIME).get("selected_time"), Block.PROMPT_TIME),
        participants=humans,
        summary_mode=(value(Block.SUMMARY_MODE).get("selected_option") or {}).get("value", ""),
        summary_minute=_minute(value(Block.SUMMARY_TIME).get("selected_time") or "17:00", Block.SUMMARY_TIME),
        summary_after_hours=int((value(Block.SUMMARY_AFTER).get("selected_option") or {}).get("value", "3")),
        reminder_minutes=int((value(Block.REMINDER).get("selected_option") or {}).get("value", "60")),
        mention_missing=bool(value(Block.MENTION_MISSING).get("selected_options")),
    )
    standup = standups.configure(db(context), proj, settings, now=now(context))
    unknown = [u for u in humans if members.is_stale(known.get(u), now=now(context))]
    if unknown:
        job = functools.partial(_fetch_participants, standup_id=standup.id, workspace_id=proj.workspace_id,
                                user_ids=unknown, at=now(context))  # fmt: skip
        after_answer(context, job)
    ack()


def _fetch_participants(
    factory: sessionmaker[Session],
    client: WebClient,
    *,
    standup_id: int,
    workspace_id: int,
    user_ids: list[str],
    at: datetime,
) -> None:
    """After the set-up's answer: fetch the profiles (time zones) it lacked; drop bots and deactivated accounts."""
    gone = fetch_profiles(factory, client, workspace_id=workspace_id, user_ids=user_ids, at=at)
    if gone:
        with unit_of_work(factory) as session:
            standup = standups.get(session, standup_id, workspace_id=workspace_id)
            standup.participants = [u for u in standup.participants if u not in gone]


def _minute(text: str | None, field: str) -> int:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text or "")
    if not match:
        raise InvalidInput("Pick a time.", field=field)
    return int(match.group(1)) * 60 + int(match.group(2))


def _show(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    standup = standups.require(db(context), _project(command, context))
    names = {m.user_id: m.name for m in cached_members(context, standup.participants)}
    text, blocks = render.configuration(standup, names=names)
    return {"text": text, "blocks": blocks}


def _pause(
    command: dict[str, Any], rest: str, context: BoltContext, client: WebClient, *, paused: bool = True
) -> dict[str, Any]:
    proj = _project(command, context)
    _require_lead(proj, command["user_id"], context, client)
    standup = standups.require(db(context), proj)
    standup.paused = paused
    return {"text": ":double_vertical_bar: Stand-up paused." if paused else ":arrow_forward: Stand-up resumed."}


def _resume(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    return _pause(command, rest, context, client, paused=False)


def _away(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    caller = member(context, client, command["user_id"])
    proj = _project(command, context)
    first, last = read_range(rest, at=now(context), tz=caller.time_zone, hours=working_hours(proj))
    standups.add_away(
        db(context),
        workspace_id=workspace(context).id,
        user_id=caller.user_id,
        first=first,
        last=last,
        now=now(context),
    )
    span = render.day_label(first) if first == last else f"{render.day_label(first)} to {render.day_label(last)}"
    return {"text": f":palm_tree: You're away {span}: no stand-up prompts, and you won't be counted as missing."}


def _holiday(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    proj = _project(command, context)
    _require_lead(proj, command["user_id"], context, client)
    first, last = read_range(rest, at=now(context), tz=proj.time_zone, hours=working_hours(proj))  # the project's days
    if (last - first).days > 31:
        raise InvalidInput("A holiday can span at most a month.")
    day = first
    while day <= last:
        standups.add_holiday(db(context), proj, day)
        day += timedelta(days=1)
    return {
        "text": f":beach_with_umbrella: Holiday saved: nobody is asked on {render.day_label(first)}"
        + ("" if first == last else f" to {render.day_label(last)}")
        + "."
    }


def _answer(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> None:
    standup = standups.require(db(context), _project(command, context))
    caller = member(context, client, command["user_id"])
    participant = next((p for p in standups.participants(db(context), standup) if p.user_id == caller.user_id), None)
    if participant is None:
        raise PermissionDenied("You are not a participant of this stand-up.")
    the_plan = standups.plan(db(context), standup)
    answered = [
        d
        for (d, u), a in standups.answers_for(db(context), standup, _next_days(now(context), 14)).items()
        if u == caller.user_id
    ]
    day = next_day(the_plan, participant, now(context), answered=answered)
    if day is None:
        raise InvalidInput("You have no stand-up coming up.")
    client.views_open(trigger_id=command["trigger_id"], view=render.answer_modal(standup, day))
    return None


def _next_days(at: datetime, count: int) -> list[date]:
    start = at.date() - timedelta(days=1)
    return [start + timedelta(days=i) for i in range(count)]


def _report(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    standup = standups.require(db(context), _project(command, context))
    caller = member(context, client, command["user_id"])
    users = user_ids_in(rest)
    phrase = re.sub(r"<@[^>]+>", "", rest).strip().lower() or "today"
    first, last = read_past_range(phrase, at=now(context), tz=caller.time_zone)
    answers = standups.answers_between(
        db(context), standup, first=first, last=last, user_id=users[0] if users else None
    )
    span = render.day_label(first) if first == last else f"{render.day_label(first)} to {render.day_label(last)}"
    text, blocks = render.report(answers, standup, heading=f"Stand-up answers · {span}")
    return {"text": text, "blocks": blocks}


def _stats(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    standup = standups.require(db(context), _project(command, context))
    text, blocks = render.stats(standups.stats(db(context), standup, now=now(context)))
    return {"text": text, "blocks": blocks}


SUBCOMMANDS = {
    "help": _help,
    "setup": _setup,
    "show": _show,
    "pause": _pause,
    "resume": _resume,
    "away": _away,
    "holiday": _holiday,
    "answer": _answer,
    "report": _report,
    "stats": _stats,
}
