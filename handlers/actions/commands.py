"""`/action`: capture an action item in one line, list, complete, snooze, reassign, delete, show."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from domain import actions, due_phrases, members
from domain import intent as intent_rule
from domain.actions import Actor
from domain.errors import InvalidInput
from domain.text import date_token, escape, user_mention
from domain.workspaces import working_hours
from handlers import intent, withdrawals
from handlers.actions import buttons as action_buttons
from handlers.actions import forms as action_modals
from handlers.actions import notices as action_notices
from handlers.actions import render
from handlers.channels import may_see, require_may_use, require_visible
from handlers.context import db, now, workspace
from handlers.directory import member, project, user_ids_in
from handlers.ids import Command
from handlers.registry import Listeners
from handlers.render.help import CommandHelp
from storage.models import ActionItem

HELP = CommandHelp(
    command=Command.ACTION,
    summary="action items: who owes what by when. pmbot reminds the owner and escalates what slips.",
    usages=(
        ("/action @owner send the deck by friday 5pm", "create one (owner: the first @mention, else you)"),
        ("/action", "open a form instead"),
        ("/action list", "your open items; `list @user` theirs; `list all` this channel's"),
        ("/action done A-17", "mark it done"),
        ("/action snooze A-17 tomorrow 9am", "pause its reminders until then"),
        ("/action reassign A-17 @user", "give it to someone else"),
        ("/action show A-17", "the item with its full history"),
        ("/action delete A-17", "remove it"),
    ),
)
DUE_EXAMPLES = '"tomorrow 5pm", "friday", "next tue", "in 3 days", "Dec 3", "EOD", "EOW"'
REF = r"A-?\d{1,9}"
GRAMMAR = intent_rule.ACTION


def register(listeners: Listeners) -> None:
    listeners.command(Command.ACTION, on_action)
    listeners.help(HELP)
    listeners.record_kind("action", create=actions.create_from_text, notify=_recorded_elsewhere)
    intent.register(listeners, GRAMMAR, answer)
    withdrawals.register(listeners, "action", withdraw)
    action_modals.register(listeners)
    action_buttons.register(listeners)


def on_action(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Route `/action ...` to its subcommand, or create an item from the text."""
    text = (command.get("text") or "").strip()
    if not text:
        action_modals.open_create(client, command, context)
        ack()
        return
    ack(response_type="ephemeral", **answer(command, text, context, client))


def answer(
    command: dict[str, Any], text: str, context: BoltContext, client: WebClient, *, as_written: bool = False
) -> dict[str, Any]:
    """Run a subcommand, ask what was meant (unless `as_written`), or create an item from the text."""
    word, _, rest = text.strip().partition(" ")
    sub = SUBCOMMANDS.get(word.lower())
    if word.lower() == "help":
        return {"text": HELP.text()}
    if sub is not None and re.match(sub[0], rest.strip(), re.IGNORECASE):
        return sub[1](command, rest.strip(), context, client)
    if not as_written and (doubt := intent_rule.doubt(GRAMMAR, text)):
        return intent.question(GRAMMAR, doubt)
    if sub is not None and (word.lower() == "list" or re.match(rf"^{REF}\b", rest.strip(), re.IGNORECASE)):
        usage = next(u for u, _ in HELP.usages if u.startswith(f"/action {word.lower()}"))
        raise InvalidInput(f"I didn't understand `/action {escape(text[:60])}`.", hint=f"Say it like `{usage}`.")
    return create(command, text, context, client)


def create(command: dict[str, Any], text: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    """Create an item from `@owner title [by <when>]`; return the command's answer."""
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    intent.require_known_people(text)
    item = actions.create_from_text(
        db(context),
        project=proj,
        author=command["user_id"],
        said=text,
        now=now(context),
        people=lambda user_id: member(context, client, user_id),
    )
    action_notices.created(db(context), item, now=now(context), answered=True)
    read = _due_as_read(item, command, context, client)
    if action_notices.posts_card(item):
        return withdrawals.confirmation(f"Created {item.ref}{read}.", kind="action", ref=item.ref)
    text, blocks = render.card(item, now=now(context))
    said = {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Created {item.ref}{read}."}]}
    return {"text": text, "blocks": [*blocks, said] if read else blocks}


def _due_as_read(item: ActionItem, command: dict[str, Any], context: BoltContext, client: WebClient) -> str:
    """Return how the due date was read for the creator's confirmation (", due ... your time ..."), or nothing."""
    if item.due_at is None:
        return ""
    creator, owner = member(context, client, command["user_id"]), member(context, client, item.owner_id)
    return ", " + render.due_as_read(
        item.due_at,
        now=now(context),
        reader_tz=members.zone_of(creator, fallback=item.project.time_zone),
        owner_name=owner.name or owner.user_id,
        owner_tz=members.zone_of(owner, fallback=item.project.time_zone),
    )


def _recorded_elsewhere(session: Session, item: ActionItem, /, *, now: datetime) -> None:
    """Post the card of an item recorded elsewhere (a meeting's ACTION: line) and tell its owner, as `/action` does.

    Where the project's confirmations are ephemeral nobody is shown the card: the reaction on the line confirms it.
    """
    action_notices.created(session, item, now=now, answered=True)


def withdraw(context: BoltContext, client: WebClient, user_id: str, ref: str) -> str:
    """Withdraw an item its creator just recorded; its card in the channel says so."""
    item = actions.get(db(context), workspace_id=workspace(context).id, ref=ref, for_update=True)
    require_may_use(context, client, item, user_id, here=None)  # else as if missing: a replay cannot probe refs
    event = actions.withdraw(db(context), item, actor=user_id, now=now(context))
    action_notices.changed(db(context), item, event, now=now(context))
    return withdrawals.withdrawn_text(item.ref)


def _list(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    who = rest.lower()
    filters: dict[str, Any] = {"workspace_id": workspace(context).id}
    if who == "all":
        proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
        filters["project_id"] = proj.id
        heading = f"Open action items in #{command.get('channel_name', 'this channel')}"
    else:
        users = user_ids_in(rest)
        owner = users[0] if users else command["user_id"]
        filters["owner"] = owner
        filters["project_ids"] = _readable(command, context, client, owner)
        heading = (
            "Your open action items"
            if owner == command["user_id"]
            else f"Open action items of @{member(context, client, owner).name}"
        )
    items = actions.list_open(db(context), now=now(context), limit=45, **filters)
    text, blocks = render.item_list(
        items, heading=heading, now=now(context), total=actions.count_open(db(context), **filters)
    )
    return {"text": text, "blocks": blocks}


def _readable(command: dict[str, Any], context: BoltContext, client: WebClient, owner: str) -> list[int]:
    """The projects, among those where `owner` has open items, whose records the caller may read."""
    session, caller = db(context), command["user_id"]
    candidates = actions.projects_with_open(session, workspace_id=workspace(context).id, owner=owner)
    return [p.id for p in candidates if may_see(context, client, p, caller, here=command["channel_id"])]


def _item(command: dict[str, Any], ref: str, context: BoltContext, client: WebClient, **kwargs: Any) -> ActionItem:
    """The item named, if the caller may read it (else the same answer as for a missing one)."""
    item = actions.get(db(context), workspace_id=workspace(context).id, ref=ref, **kwargs)
    require_visible(context, client, item.project, command["user_id"], ref=item.ref, here=command["channel_id"])
    return item


def _actor(context: BoltContext, client: WebClient, user_id: str) -> Actor:
    caller = member(context, client, user_id)
    return Actor(caller.user_id, is_admin=caller.is_admin)


def _ref_and_rest(rest: str) -> tuple[str, str]:
    ref, _, tail = rest.partition(" ")
    return ref, tail.strip()


def _done(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    item = _item(command, _ref_and_rest(rest)[0], context, client, for_update=True)
    event = actions.complete(db(context), item, actor=_actor(context, client, command["user_id"]), now=now(context))
    action_notices.changed(db(context), item, event, now=now(context))
    return {"text": f":white_check_mark: {render.headline(item)} is done."}


def _snooze(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    ref, when = _ref_and_rest(rest)
    if not when:
        raise InvalidInput("Snooze until when?", hint=f"Like `/action snooze {escape(ref)} tomorrow 9am`.")
    item = _item(command, ref, context, client, for_update=True)
    caller = member(context, client, command["user_id"])
    until = due_phrases.parse_when(
        when,
        now=now(context),
        tz=members.zone_of(caller, fallback=item.project.time_zone),
        locale=caller.locale,
        hours=working_hours(item.project),
    )
    event = actions.snooze(
        db(context), item, actor=Actor(caller.user_id, caller.is_admin), until=until, now=now(context)
    )
    action_notices.changed(db(context), item, event, now=now(context))
    return {"text": f":zzz: Reminders for {render.headline(item)} are paused until {date_token(until)}."}


def _reassign(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    ref, tail = _ref_and_rest(rest)
    users = user_ids_in(tail)
    if not users:
        raise InvalidInput("Reassign to whom?", hint=f"Like `/action reassign {escape(ref)} @name`.")
    item = _item(command, ref, context, client, for_update=True)
    new_owner = member(context, client, users[0])
    members.require_can_own(new_owner, "own action items")
    actor = _actor(context, client, command["user_id"])
    event = actions.reassign(db(context), item, actor=actor, owner=new_owner.user_id, now=now(context))
    action_notices.changed(db(context), item, event, now=now(context))
    return {"text": f"{render.headline(item)} now belongs to {user_mention(new_owner.user_id)}."}


def _delete(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    item = _item(command, _ref_and_rest(rest)[0], context, client, for_update=True)
    event = actions.delete(db(context), item, actor=_actor(context, client, command["user_id"]), now=now(context))
    action_notices.changed(db(context), item, event, now=now(context))
    return {"text": f":wastebasket: {item.ref} is deleted."}


def _show(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    item = actions.get(db(context), workspace_id=workspace(context).id, ref=_ref_and_rest(rest)[0])
    require_may_use(context, client, item, command["user_id"], here=command["channel_id"])  # as on its DM card
    text, blocks = render.details(item, actions.history(db(context), item), now=now(context))
    return {"text": text, "blocks": blocks}


# word -> (what must follow it for the word to be a subcommand rather than the start of a title, handler)
SUBCOMMANDS = {
    "list": (r"^(?:$|all$|mine$|<@[UW][A-Z0-9]+(?:\|[^>]*)?>$)", _list),
    "done": (rf"^{REF}$", _done),
    "snooze": (rf"^{REF}(?:\s|$)", _snooze),
    "reassign": (rf"^{REF}(?:\s|$)", _reassign),
    "delete": (rf"^{REF}$", _delete),
    "show": (rf"^{REF}$", _show),
}
