"""`/retro`: start a retrospective (notes from each person in their own time), reveal, close into action items;
list and show."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from domain import retros
from domain.intent import RETRO
from domain.text import escape, plural
from handlers.channels import require_visible
from handlers.context import db, now, workspace
from handlers.directory import project
from handlers.ids import Command
from handlers.intent import refuse_unknown
from handlers.registry import Listeners
from handlers.render.help import CommandHelp
from handlers.retros import buttons, forms, render, starting
from storage.models.retros import Retro, RetroStatus

HELP = CommandHelp(
    command=Command.RETRO,
    summary="retrospectives: notes from each person at their own local time, revealed together without names, "
    "voted on, and the top ones made action items with owners.",
    usages=(
        ("/retro start sprint 15", "ask everyone here (the stand-up's people, if any) for notes, each in their DM"),
        ("/retro notes", "add your notes now, without waiting for the DM (anyone asked, until the reveal)"),
        ("/retro show RT-2", "where it stands: before the reveal only counts and your own notes"),
        ("/retro reveal", "show the notes now (the starter or a lead; else at the end of the next working day)"),
        ("/retro close", "pick owners for the most voted notes: they become action items"),
        ("/retro list", "this channel's retros, newest first"),
    ),
)


def register(listeners: Listeners) -> None:
    listeners.command(Command.RETRO, on_retro)
    listeners.help(HELP)
    buttons.register(listeners)
    forms.register(listeners)


def on_retro(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Route `/retro ...` to its subcommand (alone: its help)."""
    text = (command.get("text") or "").strip()
    word, _, rest = text.partition(" ")
    handler = SUBCOMMANDS.get(word.lower() or "help")
    if handler is None:
        raise refuse_unknown(RETRO, word, rest)
    answer = handler(command, rest.strip(), context, client)
    if answer is None:  # a form was opened: nothing to say
        ack()
        return
    ack(response_type="ephemeral", **answer)


def _start(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    title = retros.title_of(rest, now=now(context), tz=proj.time_zone)
    retro = starting.begin(context, client, proj, command["user_id"], title)
    asked = sum(1 for p in retro.participants if p.asked_at is not None)
    people = plural(asked, "person", "people")
    return {"text": f"{render.EMOJI} Started {render.name(retro)}: I'll ask {people} for notes, each at their own "
                    f"local time. See where it stands with `/retro show {retro.ref}`."}  # fmt: skip


def _named(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> Retro:
    """The retro the command names (else the channel's open one), if the caller may see its channel."""
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    retro = retros.named_or_open(db(context), proj, rest.split()[0] if rest else "", workspace_id=workspace(context).id)
    require_visible(context, client, retro.project, command["user_id"], ref=retro.ref, here=command["channel_id"])
    return retro


def _show(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    retro = _named(command, rest, context, client)
    session = db(context)
    revealed = retro.status != RetroStatus.COLLECTING
    text, blocks = render.show(
        retro,
        count=retros.note_count(session, retro),
        own=[] if revealed else retros.own_notes(session, retro, command["user_id"]),
        notes=retros.notes_of(session, retro) if revealed else None,
        votes=retros.votes_of(session, retro) if revealed else {},
    )
    return {"text": text, "blocks": blocks}


def _list(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    text, blocks = render.retro_list(retros.list_for(db(context), project_id=proj.id))
    return {"text": text, "blocks": blocks}


def _reveal(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    retro = _named(command, rest, context, client)
    db(context).refresh(retro, with_for_update=True)
    retros.require_may_run(retro, command["user_id"], "reveal")
    if retro.status == RetroStatus.COLLECTING:
        few = retros.few_authors(db(context), retro)
        if few:  # not anonymous then: said first, revealed only on "Reveal anyway"
            return render.few_authors(retro, count=retros.note_count(db(context), retro), authors=few)
    return {"text": buttons.reveal_now(context, retro)}


def _notes(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> None:
    retro = _named(command, rest, context, client)
    forms.open_notes(client, retro, command["user_id"], trigger_id=command["trigger_id"])


def _close(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> None:
    retro = _named(command, rest, context, client)
    forms.open_close(context, client, retro, command["user_id"], trigger_id=command["trigger_id"])


def _help(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    limits = (
        f"One note per line, up to {retros.NOTE_LIMIT} characters; {retros.NOTES_EACH} a box at a time, "
        f"{retros.NOTES_PER_PERSON} in all. {retros.VOTES_EACH} votes each; the top {retros.TOP} notes are offered "
        "as action items. Notes are shown without names. Whoever has not added notes is reminded once, about two "
        "working hours (theirs) before the reveal; nobody is asked or reminded on a day they are away."
    )
    return {"text": f"{HELP.text()}\n{escape(limits)}"}


SUBCOMMANDS = {
    "start": _start,
    "show": _show,
    "list": _list,
    "notes": _notes,
    "reveal": _reveal,
    "close": _close,
    "help": _help,
}
