"""The action item form: `/action` with no text, the "Create action item" shortcut, and Edit."""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain import actions, calendar, meetings, members
from domain.actions import Actor
from domain.errors import InvalidInput
from domain.text import plain_from_slack
from domain.workspaces import working_hours
from handlers import intent
from handlers.actions import notices as action_notices
from handlers.actions import render
from handlers.channels import require_may_use
from handlers.context import db, now, workspace
from handlers.directory import form_project, member
from handlers.forms import checking
from handlers.ids import Block, Shortcut, View
from handlers.registry import Listeners
from storage.models import Project


def register(listeners: Listeners) -> None:
    listeners.shortcut(Shortcut.CREATE_ACTION, on_message_shortcut)
    listeners.view(View.ACTION_CREATE, on_create_submitted, check=checking(_has_title, _due_readable, _due_ahead))
    # An overdue item is edited without moving its date: only the owner's zone can tell a new date is past.
    listeners.view(View.ACTION_EDIT, on_edit_submitted, check=checking(_has_title, _due_readable))


def open_create(client: WebClient, command: dict[str, Any], context: BoltContext) -> None:
    """Open an empty form for the channel the command came from."""
    metadata = {"channel": command["channel_id"], "channel_name": command.get("channel_name", "")}
    view = render.action_modal(callback_id=View.ACTION_CREATE, metadata=metadata, owner=command["user_id"])
    client.views_open(trigger_id=command["trigger_id"], view=view)


def on_message_shortcut(ack: Ack, shortcut: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Open the form filled in from a message, keeping a link back to it."""
    ack()
    channel = shortcut["channel"]["id"]
    message = shortcut.get("message") or {}
    try:
        permalink = client.chat_getPermalink(channel=channel, message_ts=message["ts"]).get("permalink")
    except SlackApiError:  # a conversation pmbot cannot see: the item simply has no link back
        permalink = None
    said = meetings.labelled_text(message.get("text") or "", "action")  # a meeting message: its ACTION: line
    title = plain_from_slack(said, name_of=intent.names(context, client))
    title = " ".join(title.split())
    metadata = {"channel": channel, "channel_name": shortcut["channel"].get("name", ""), "permalink": permalink}
    view = render.action_modal(
        callback_id=View.ACTION_CREATE,
        metadata=metadata,
        title=title[:300],
        owner=message.get("user") or shortcut["user"]["id"],
    )
    client.views_open(trigger_id=shortcut["trigger_id"], view=view)


def open_edit(
    client: WebClient, trigger_id: str, ref: str, user_id: str, context: BoltContext, *, here: str | None
) -> None:
    """Open the form filled in with an item, for someone allowed to change it."""
    item = actions.get(db(context), workspace_id=workspace(context).id, ref=ref)
    require_may_use(context, client, item, user_id, here=here)
    caller = member(context, client, user_id)
    actions.require_may_change(item, Actor(caller.user_id, caller.is_admin), "edit")
    view = render.action_modal(
        callback_id=View.ACTION_EDIT,
        metadata={"ref": item.ref},
        title=item.title,
        owner=item.owner_id,
        due=item.due_at,
        tz=caller.time_zone,
        notes=item.notes,
    )
    client.views_open(trigger_id=trigger_id, view=view)


def _values(view: dict[str, Any]) -> dict[str, Any]:
    state = view["state"]["values"]

    def pick(block: str, key: str) -> Any:
        return (state.get(block, {}).get("value") or {}).get(key)

    return {
        "title": pick(Block.TITLE, "value") or "",
        "owner": pick(Block.OWNER, "selected_user"),
        "date": pick(Block.DUE_DATE, "selected_date"),
        "time": pick(Block.DUE_TIME, "selected_time"),
        "notes": pick(Block.NOTES, "value") or "",
    }


def _has_title(view: dict[str, Any], _at: datetime) -> None:
    if not " ".join(_values(view)["title"].split()):
        raise InvalidInput("What needs doing?", field=Block.TITLE)


def _due_readable(view: dict[str, Any], _at: datetime) -> None:
    values = _values(view)
    if values["time"] and not values["date"]:
        raise InvalidInput("Pick a date for that time too.", field=Block.DUE_DATE)


def _due_ahead(view: dict[str, Any], at: datetime) -> None:
    values = _values(view)
    day = render.day_of(values["date"])
    hour, minute = (int(part) for part in str(values["time"] or "23:59").split(":")[:2])
    if day is not None and calendar.surely_past(day, time(hour, minute), now=at):
        raise InvalidInput("That is in the past.", field=Block.DUE_DATE)


def _due(
    values: dict[str, Any],
    *,
    tz: str,
    owner_tz: str,
    proj: Project,
    at: datetime,
    unchanged: datetime | None = None,
) -> datetime | None:
    """Read the date and time pickers in the person's own time zone; a date alone is the end of the owner's
    working day in the owner's zone.

    `unchanged` is the date the form was filled in with: given back to the minute, it stays as it was
    (an overdue item can be edited without moving its date).
    """
    day = render.day_of(values["date"])
    if day is None:
        if values["time"]:
            raise InvalidInput("Pick a date for that time too.", field=Block.DUE_DATE)
        return None
    if values["time"]:
        hour, minute = (int(part) for part in str(values["time"]).split(":")[:2])
        due = calendar.local_to_utc(day, time(hour, minute), tz)
    else:
        due = calendar.end_of_working_day(day, tz=owner_tz, hours=working_hours(proj))
    if unchanged is not None and abs((due - unchanged).total_seconds()) < 60:
        return unchanged
    if due <= at:
        raise InvalidInput(f"That is in the past ({calendar.describe(due, tz=tz)}).", field=Block.DUE_DATE)
    return due


def on_create_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Create the item from the form; field errors are shown beside the field."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = _values(view)
    creator = member(context, client, body["user"]["id"])
    proj = form_project(context, client, metadata["channel"], creator.user_id, name=metadata.get("channel_name", ""))
    owner = member(context, client, values["owner"] or creator.user_id)
    members.require_can_own(owner, "own action items", field=Block.OWNER)
    _has_title(view, now(context))
    item = actions.create(
        db(context),
        project=proj,
        creator=creator.user_id,
        owner=owner.user_id,
        title=values["title"],
        due_at=_due(
            values,
            tz=members.zone_of(creator, fallback=proj.time_zone),
            owner_tz=members.zone_of(owner, fallback=proj.time_zone),
            proj=proj,
            at=now(context),
        ),
        notes=values["notes"],
        permalink=metadata.get("permalink"),
        now=now(context),
    )
    action_notices.created(db(context), item, now=now(context))
    ack()


def on_edit_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Apply the edit form; a new owner is a reassignment."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = _values(view)
    item = actions.get(db(context), workspace_id=workspace(context).id, ref=metadata["ref"], for_update=True)
    require_may_use(context, client, item, body["user"]["id"], here=None)
    caller = member(context, client, body["user"]["id"])
    actor = Actor(caller.user_id, caller.is_admin)
    _has_title(view, now(context))
    owner = member(context, client, values["owner"] or item.owner_id)
    due = _due(
        values,
        tz=members.zone_of(caller, fallback=item.project.time_zone),
        owner_tz=members.zone_of(owner, fallback=item.project.time_zone),
        proj=item.project,
        at=now(context),
        unchanged=item.due_at,
    )
    event = actions.edit(
        db(context), item, actor=actor, now=now(context), title=values["title"], due_at=due, notes=values["notes"]
    )
    if event is not None:
        action_notices.changed(db(context), item, event, now=now(context))
    if values["owner"] and values["owner"] != item.owner_id:
        new_owner = member(context, client, values["owner"])
        members.require_can_own(new_owner, "own action items", field=Block.OWNER)
        moved = actions.reassign(db(context), item, actor=actor, owner=new_owner.user_id, now=now(context))
        action_notices.changed(db(context), item, moved, now=now(context))
    ack()
