"""Buttons on action item messages: Done, Accept, Snooze, Edit, Reopen."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from domain import actions, members
from domain.actions import Actor
from domain.calendar import snooze_until
from domain.workspaces import working_hours
from handlers import outgoing
from handlers.actions import forms as action_modals
from handlers.actions import keys, render
from handlers.actions import notices as action_notices
from handlers.channels import require_may_use
from handlers.context import db, message_refresher, now, refresh_home, workspace
from handlers.directory import member
from handlers.ids import Action
from handlers.registry import Listeners
from storage.models import ActionEvent, ActionItem


def register(listeners: Listeners) -> None:
    listeners.action(Action.ACTION_DONE, on_done)
    listeners.action(Action.ACTION_ACCEPT, on_accept)
    listeners.action(Action.ACTION_REOPEN, on_reopen)
    listeners.action(Action.ACTION_SNOOZE, on_snooze)
    listeners.action(Action.ACTION_EDIT, on_edit)


def _clicked(body: dict[str, Any]) -> tuple[str, str] | None:
    """The channel and ts of the (non-ephemeral) message whose button was clicked."""
    container = body.get("container") or {}
    if container.get("is_ephemeral") or not container.get("message_ts"):
        return None
    return str(container.get("channel_id")), str(container["message_ts"])


def _value(body: dict[str, Any]) -> str:
    action = body["actions"][0]
    return str((action.get("selected_option") or {}).get("value") or action.get("value") or "")


def _item(body: dict[str, Any], context: BoltContext, client: WebClient) -> ActionItem:
    """The item a button names, if the clicker is a party to it or may read its channel (else: as if missing)."""
    item = actions.get(db(context), workspace_id=workspace(context).id, ref=_value(body).split("|")[0], for_update=True)
    require_may_use(context, client, item, body["user"]["id"], here=(body.get("channel") or {}).get("id"))
    return item


def _apply(
    body: dict[str, Any], context: BoltContext, client: WebClient, change: Any, **kwargs: Any
) -> tuple[ActionItem, ActionEvent]:
    """Load the item named by the button, apply `change` as the clicker, and queue what follows."""
    item = _item(body, context, client)
    caller = member(context, client, body["user"]["id"])
    event: ActionEvent = change(
        db(context), item, actor=Actor(caller.user_id, caller.is_admin), now=now(context), **kwargs
    )
    clicked = _clicked(body)
    block_id = str(body["actions"][0].get("block_id") or "")
    refresh = message_refresher(context, block_id) if clicked else None
    if refresh is not None or (clicked and item.project.channel_id == clicked[0] and action_notices.posts_card(item)):
        clicked = None  # another feature's message (it refreshes it), or the card in the channel, refreshed anyway
    action_notices.changed(db(context), item, event, now=now(context), clicked=clicked)
    if refresh is not None:
        refresh(
            db(context), block_id, workspace_id=item.workspace_id, now=now(context), change=f"{item.id}.{item.revision}"
        )
    refresh_home(body, context, client)
    if clicked is None and (body.get("container") or {}).get("is_ephemeral"):
        _confirm(body, item, event, context)
    return item, event


def _confirm(body: dict[str, Any], item: ActionItem, event: ActionEvent, context: BoltContext) -> None:
    channel = (body.get("channel") or {}).get("id")
    if channel:
        outgoing.ephemeral(
            db(context),
            workspace_id=item.workspace_id,
            key=keys.confirmation(item.id, event.id),
            channel=channel,
            user=body["user"]["id"],
            text=f"{render.headline(item)}: {render.HISTORY_WORDS.get(event.kind, event.kind)}.",
            now=now(context),
        )


def on_done(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Complete the item (a second click is told it is already done)."""
    _apply(body, context, client, actions.complete)
    ack()


def on_accept(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The owner accepts the item."""
    _apply(body, context, client, actions.accept)
    ack()


def on_reopen(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Reopen a done item."""
    _apply(body, context, client, actions.reopen)
    ack()


def on_snooze(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Pause reminders for the chosen while, in the clicker's own working hours."""
    item = _item(body, context, client)
    caller = member(context, client, body["user"]["id"])
    until = snooze_until(
        _value(body).partition("|")[2],
        at=now(context),
        tz=members.zone_of(caller, fallback=item.project.time_zone),
        hours=working_hours(item.project),
    )
    _apply(body, context, client, actions.snooze, until=until)
    ack()


def on_edit(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Open the edit form."""
    here = (body.get("channel") or {}).get("id")
    action_modals.open_edit(client, body["trigger_id"], _value(body), body["user"]["id"], context, here=here)
    ack()
