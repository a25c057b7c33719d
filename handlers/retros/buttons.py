"""The retro's buttons: Add notes (a prompt DM), Vote and Take back (the board and its answers), Close and make
actions (the board), and Run a retro (offered when a milestone is done or a go-live ends)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from domain import retros
from domain.errors import Conflict, InvalidInput
from domain.text import channel_mention, escape
from handlers.channels import require_visible
from handlers.context import db, now, workspace
from handlers.directory import project
from handlers.ids import Action
from handlers.intent import replace_question
from handlers.registry import Listeners
from handlers.retros import forms, notices, render, starting
from storage.models.retros import Retro


def register(listeners: Listeners) -> None:
    listeners.action(Action.RETRO_ADD_NOTES, on_add_notes)
    listeners.action(Action.RETRO_VOTE, on_vote)
    listeners.action(Action.RETRO_UNVOTE, on_unvote)
    listeners.action(Action.RETRO_CLOSE, on_close)
    listeners.action(Action.RETRO_OFFERED, on_offered)
    listeners.action(Action.RETRO_REVEAL_ANYWAY, on_reveal_anyway)


def _value(body: dict[str, Any]) -> str:
    return str(body["actions"][0].get("value") or "")


def _number(word: str) -> int:
    return int(word) if word.isascii() and word.isdigit() and len(word) < 12 else 0


def _clicked(body: dict[str, Any], context: BoltContext, client: WebClient, retro_id: int) -> Retro:
    """The retro a button names, locked (two clicks at once are counted one after the other), if the clicker may
    see its channel (else: as if it did not exist)."""
    retro = retros.by_id(db(context), workspace_id=workspace(context).id, retro_id=retro_id, for_update=True)
    # Named by its row id: refused in the words of a missing one (retros.by_id), its number unsaid.
    require_visible(context, client, retro.project, body["user"]["id"], ref=retros.BY_ID_UNSEEN,
                    here=(body.get("channel") or {}).get("id"))  # fmt: skip
    return retro


def on_add_notes(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Open the notes form for a participant while the retro collects notes."""
    retro = _clicked(body, context, client, _number(_value(body)))
    from_home = (body.get("view") or {}).get("type") == "home"
    forms.open_notes(client, retro, body["user"]["id"], trigger_id=body["trigger_id"], from_home=from_home)
    ack()


def _note_value(body: dict[str, Any]) -> tuple[int, int]:
    """The retro and the note's number on the board (`7:#3`; the row id would tell the order notes came in)."""
    retro_id, _, number = _value(body).partition(":#")
    return _number(retro_id), _number(number)


def _click(body: dict[str, Any], at: datetime) -> str:
    """What tells this click from any other: Slack's action_ts (else the moment it arrived)."""
    stamp = str(body["actions"][0].get("action_ts") or "")
    return stamp[:32] if stamp else str(at.timestamp())


def _where(body: dict[str, Any]) -> str:
    return str((body.get("channel") or {}).get("id") or body["user"]["id"])


def on_vote(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Count a vote once; a second click, or one past the person's votes, is answered only to them."""
    retro_id, number = _note_value(body)
    retro = _clicked(body, context, client, retro_id)
    user, at = body["user"]["id"], now(context)
    result = retros.vote(db(context), retro, number=number, user_id=user, now=at)
    if result.outcome == retros.Voted.ADDED:
        notices.board_changed(db(context), retro, now=at)
    else:
        text, blocks = render.voted(result, retro)
        notices.tell(
            db(context),
            retro,
            user_id=user,
            channel=_where(body),
            click=_click(body, at),
            text=text,
            blocks=blocks,
            now=at,
        )
    ack()


def on_unvote(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Take a vote back (a second click finds none to take)."""
    retro_id, number = _note_value(body)
    retro = _clicked(body, context, client, retro_id)
    user, at = body["user"]["id"], now(context)
    if retros.unvote(db(context), retro, number=number, user_id=user):
        notices.board_changed(db(context), retro, now=at)
        text = "Your vote is back with you: use it on another note."
    else:
        text = "You have no vote on that note."
    notices.tell(
        db(context), retro, user_id=user, channel=_where(body), click=_click(body, at), text=text, blocks=[], now=at
    )
    ack()


def reveal_now(context: BoltContext, retro: Retro) -> str:
    """Reveal the notes now (the caller checked who may); say where."""
    retros.reveal(db(context), retro, now=now(context))
    notices.revealed(db(context), retro, now=now(context))
    return f"Revealed {retro.ref} in {channel_mention(retro.project.channel_id)}: voting is open."


def on_reveal_anyway(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Reveal notes from too few people to be anonymous, once warned (the starter or a lead); the warning gives way
    to where they are."""
    retro = _clicked(body, context, client, _number(_value(body)))
    retros.require_may_run(retro, body["user"]["id"], "reveal")
    said = reveal_now(context, retro)
    replace_question(body, context, {"text": said})
    ack()


def on_close(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Open the close form: owners for the most voted notes (the starter or a lead)."""
    retro = _clicked(body, context, client, _number(_value(body)))
    forms.open_close(context, client, retro, body["user"]["id"], trigger_id=body["trigger_id"])
    ack()


def _offer(value: str) -> tuple[str, str | None]:
    """An offer's title, and its channel when it names one: `{"title": ..., "channel": ...}`, or the title alone."""
    try:
        found = json.loads(value)
    except ValueError:
        return value, None
    if isinstance(found, dict):
        channel = found.get("channel")
        return str(found.get("title") or ""), str(channel) if channel else None
    return value, None


def on_offered(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Run a retro from an offer (`Action.RETRO_OFFERED`, its value the retro's name): in the channel it names, else
    where it was clicked; once (a later click is told which retro it became)."""
    title, channel = _offer(_value(body))
    here = (body.get("channel") or {}).get("id")
    channel = channel or here
    if not channel or channel[:1] not in ("C", "G"):
        raise InvalidInput("I can't tell which channel this retro is for.", hint="Use `/retro start` there.")
    proj = project(context, channel)
    user = body["user"]["id"]
    require_visible(context, client, proj, user, ref=f"<#{channel}>", here=here)
    # An offer's name is cut to a retro's, not refused: the one clicking did not write it.
    title = retros.title_of(
        " ".join(title.split())[: retros.TITLE_LIMIT - 6], now=now(context), tz=proj.time_zone, typed=False
    )
    found = retros.titled(db(context), proj, title)
    if found is not None:
        state = "is running already" if found.status in retros.OPEN else "was held already"
        raise Conflict(f"{found.ref} _{escape(found.title)}_ {state}: see `/retro show {found.ref}`.")
    retro = starting.begin(context, client, proj, user, title)
    text = f"{render.EMOJI} Started {render.name(retro)}: everyone is asked for notes at their own local time."
    notices.tell(db(context), retro, user_id=user, channel=channel, click=_click(body, now(context)), text=text,
                 blocks=[], now=now(context))  # fmt: skip
    ack()
