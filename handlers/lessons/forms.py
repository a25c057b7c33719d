"""The lesson form: checked before Slack closes it (what the form alone shows), then recorded."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from domain import lessons
from domain.lessons import Draft
from handlers.context import db, now
from handlers.directory import form_project
from handlers.forms import checking, text_of
from handlers.ids import Block, View
from handlers.lessons import notices as lesson_notices
from handlers.lessons import render
from handlers.registry import Listeners


def register(listeners: Listeners) -> None:
    listeners.view(View.LESSON_CREATE, on_submitted, check=checking(_valid))


def open_create(client: WebClient, command: dict[str, Any]) -> None:
    """Open an empty form for the command's channel."""
    view = render.form(callback_id=View.LESSON_CREATE, metadata={"channel": command["channel_id"]})
    client.views_open(trigger_id=command["trigger_id"], view=view)


def _draft(view: dict[str, Any]) -> Draft:
    return Draft(
        learned=text_of(view, Block.LESSON_LEARNED),
        happened=text_of(view, Block.LESSON_HAPPENED),
        tags=tuple(lessons.words_of(text_of(view, Block.TAGS))),
        links=tuple(lessons.words_of(text_of(view, Block.LINKS))),
    )


def _valid(view: dict[str, Any], _at: datetime) -> None:
    _draft(view).validate()


def on_submitted(ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Record the lesson from the form, post its card and tell the recorder its id."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    user_id = body["user"]["id"]
    lesson = lessons.create(
        db(context),
        project=form_project(context, client, metadata["channel"], user_id),
        author=user_id,
        draft=_draft(view),
        now=now(context),
    )
    lesson_notices.recorded(db(context), lesson, now=now(context))
    lesson_notices.confirmed(db(context), lesson, user_id=user_id, now=now(context))
    ack()
