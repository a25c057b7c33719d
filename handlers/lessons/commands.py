"""`/lesson`: record a lesson learned in a line or a form; list, show, and search across the projects one may see."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from domain import intent as intent_rule
from domain import lessons
from domain.errors import InvalidInput
from domain.text import escape
from handlers import intent
from handlers.channels import may_see, require_visible
from handlers.context import db, now, workspace
from handlers.directory import project
from handlers.ids import Command
from handlers.lessons import forms as lesson_forms
from handlers.lessons import notices as lesson_notices
from handlers.lessons import render
from handlers.registry import Listeners
from handlers.render.help import CommandHelp

GRAMMAR = intent_rule.LESSON

HELP = CommandHelp(
    command=Command.LESSON,
    summary="lessons learned: what happened and what we learned, tagged, found again from any project.",
    usages=(
        ("/lesson test the restore, not only the backup #backups #ops", "record what we learned, with its tags"),
        ("/lesson", "the form: what happened, what we learned, tags, related records"),
        ("/lesson search vendor #cutover", "lessons from every channel you can see, every word and tag, newest first"),
        ("/lesson list", "this channel's lessons, newest first"),
        ("/lesson show L-3", "one lesson, with where it was recorded"),
    ),
)


def register(listeners: Listeners) -> None:
    listeners.command(Command.LESSON, on_lesson)
    listeners.help(HELP)
    intent.register(listeners, GRAMMAR, answer)
    lesson_forms.register(listeners)


def on_lesson(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Route `/lesson ...`: the form, a subcommand, or a lesson in one line."""
    text = (command.get("text") or "").strip()
    if not text:
        lesson_forms.open_create(client, command)
        ack()
        return
    ack(response_type="ephemeral", **answer(command, text, context, client))


def answer(
    command: dict[str, Any], text: str, context: BoltContext, client: WebClient, *, as_written: bool = False
) -> dict[str, Any]:
    """Run a subcommand, ask what was meant (unless `as_written`), or record a lesson from the text.

    A text starting with a subcommand's word is that subcommand; one that reads like a subcommand mistyped (`lsit`,
    `serach vendor`, `shwo L-1`) is asked about, nothing saved; any other text is a lesson.
    """
    word, _, rest = text.strip().partition(" ")
    handler = SUBCOMMANDS.get(word.lower())
    if handler is not None:
        return handler(command, rest.strip(), context, client)
    if not as_written and (doubt := intent_rule.doubt(GRAMMAR, text)):
        return intent.question(GRAMMAR, doubt)
    return _record(command, text.strip(), context, client)


def _record(command: dict[str, Any], text: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    draft = lessons.from_line(text, name_of=intent.names(context, client))
    draft.validate()  # before the project is made for a channel new to pmbot
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    lesson = lessons.create(db(context), project=proj, author=command["user_id"], draft=draft, now=now(context))
    lesson_notices.recorded(db(context), lesson, now=now(context))
    return {"text": render.confirmation(lesson)}


def _list(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    if rest:
        raise InvalidInput(
            "`/lesson list` lists this channel's lessons.", hint="To find some, `/lesson search <words>`."
        )
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    found = lessons.list_for(db(context), project_id=proj.id)
    text, blocks = render.lesson_list(found, heading="Lessons learned here")
    return {"text": text, "blocks": blocks}


def _show(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    if not rest:
        raise InvalidInput("Which lesson?", hint="Like `/lesson show L-3`.")
    lesson = lessons.get(db(context), workspace_id=workspace(context).id, ref=rest.split()[0])
    require_visible(context, client, lesson.project, command["user_id"], ref=lesson.ref, here=command["channel_id"])
    text, blocks = render.details(lesson)
    return {"text": text, "blocks": blocks}


def _search(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    query = lessons.query_of(rest)
    user_id, here = command["user_id"], command["channel_id"]
    found = lessons.search(
        db(context),
        workspace_id=workspace(context).id,
        query=query,
        visible=lambda proj: may_see(context, client, proj, user_id, here=here),
    )
    text, blocks = render.lesson_list(found, heading=f"Lessons matching: {str(query)[:60]}", channels=True)
    return {"text": text, "blocks": blocks}


def _help(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    limits = f"Each text up to {lessons.TEXT_LIMIT} characters; at most {lessons.TAG_COUNT} tags."
    return {"text": f"{HELP.text()}\n{escape(limits)}"}


SUBCOMMANDS = {
    "list": _list,
    "show": _show,
    "search": _search,
    "help": _help,
}
