"""The decision form, the "Log as decision" shortcut, approval buttons and Revise."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain import calendar, decisions, meetings, members
from domain.decisions import Wording
from domain.errors import InvalidInput
from domain.text import plain_from_slack
from handlers import intent
from handlers.channels import require_may_use
from handlers.context import db, now, refresh_home, workspace
from handlers.decisions import notices as decision_notices
from handlers.decisions import render
from handlers.directory import form_project, member
from handlers.forms import checking, values_of
from handlers.ids import Action, Block, Shortcut, View
from handlers.registry import Listeners
from storage.models import DecisionStatus


def register(listeners: Listeners) -> None:
    listeners.shortcut(Shortcut.LOG_DECISION, on_message_shortcut)
    listeners.view(View.DECISION_CREATE, on_create_submitted, check=checking(_worded, _approver_named, _needed_ahead))
    listeners.view(View.DECISION_REVISE, on_revise_submitted, check=checking(_worded))
    listeners.action(Action.DECISION_APPROVE, on_approve)
    listeners.action(Action.DECISION_REJECT, on_reject)
    listeners.action(Action.DECISION_REVISE, on_revise_clicked)


def open_create(client: WebClient, command: dict[str, Any], context: BoltContext) -> None:
    """Open an empty form for the command's channel, with the caller as decision maker."""
    view = render.form(
        callback_id=View.DECISION_CREATE, metadata={"channel": command["channel_id"]}, decided_by=[command["user_id"]]
    )
    client.views_open(trigger_id=command["trigger_id"], view=view)


def on_message_shortcut(ack: Ack, shortcut: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Open the form filled in from a message, keeping a link back to it."""
    ack()
    channel, message = shortcut["channel"]["id"], shortcut.get("message") or {}
    try:
        permalink = client.chat_getPermalink(channel=channel, message_ts=message["ts"]).get("permalink")
    except SlackApiError:
        permalink = None
    said = meetings.labelled_text(message.get("text") or "", "decision")  # a meeting message: its DECISION: line
    statement = " ".join(plain_from_slack(said, name_of=intent.names(context, client)).split())[:1000]
    view = render.form(
        callback_id=View.DECISION_CREATE,
        metadata={"channel": channel, "permalink": permalink},
        statement=statement,
        decided_by=[shortcut["user"]["id"]],
    )
    client.views_open(trigger_id=shortcut["trigger_id"], view=view)


def _wording(values: dict[str, Any]) -> Wording:
    return Wording(
        statement=values.get(Block.STATEMENT, {}).get("value") or "",
        context=values.get(Block.CONTEXT, {}).get("value") or "",
        options=values.get(Block.OPTIONS, {}).get("value") or "",
        rationale=values.get(Block.RATIONALE, {}).get("value") or "",
    )


def _status(values: dict[str, Any]) -> str:
    return str((values.get(Block.STATUS, {}).get("selected_option") or {}).get("value") or DecisionStatus.APPROVED)


def _worded(view: dict[str, Any], _at: datetime) -> None:
    _wording(values_of(view)).validate()


def _approver_named(view: dict[str, Any], _at: datetime) -> None:
    values = values_of(view)
    if _status(values) == DecisionStatus.PROPOSED and not values.get(Block.APPROVER, {}).get("selected_user"):
        raise InvalidInput("A proposed decision needs an approver.", field=Block.APPROVER)


def _needed_ahead(view: dict[str, Any], at: datetime) -> None:
    values = values_of(view)
    day = values.get(Block.NEEDED_BY, {}).get("selected_date")
    if (
        _status(values) == DecisionStatus.PROPOSED
        and day
        and calendar.surely_past(date.fromisoformat(day), time(17, 0), now=at)
    ):
        raise InvalidInput("The needed-by date is in the past.", field=Block.NEEDED_BY)


def on_create_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Record the decision from the form."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = values_of(view)
    creator = member(context, client, body["user"]["id"])
    status = _status(values)
    approver = values.get(Block.APPROVER, {}).get("selected_user")
    _approver_named(view, now(context))
    if approver:  # known with their time zone, so nudges reach them in their own working hours
        approver_member = member(context, client, approver)
        members.require_can_own(approver_member, "approve decisions", field=Block.APPROVER)
    needed_day = values.get(Block.NEEDED_BY, {}).get("selected_date")
    needed_by = None
    if needed_day:  # needed by the end of that day in the creator's zone
        needed_by = calendar.local_to_utc(date.fromisoformat(needed_day), time(17, 0), creator.time_zone)
    links = [line.strip() for line in (values.get(Block.LINKS, {}).get("value") or "").splitlines() if line.strip()]
    decision = decisions.create(
        db(context),
        project=form_project(context, client, metadata["channel"], creator.user_id),
        creator=creator.user_id,
        wording=_wording(values),
        now=now(context),
        status=status,
        decided_by=values.get(Block.DECIDED_BY, {}).get("selected_users") or None,
        approver=approver,
        needed_by=needed_by,
        links=links[:10],
        permalink=metadata.get("permalink"),
    )
    decision_notices.recorded(db(context), decision, now=now(context))
    ack()


def on_revise_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Open the form with the current wording."""
    decision = decisions.get(db(context), workspace_id=workspace(context).id, ref=body["actions"][0]["value"])
    require_may_use(context, client, decision, body["user"]["id"], here=(body.get("channel") or {}).get("id"))
    decisions.require_may_change(decision, body["user"]["id"], "revise")
    view = render.form(callback_id=View.DECISION_REVISE, metadata={"ref": decision.ref}, decision=decision)
    client.views_open(trigger_id=body["trigger_id"], view=view)
    ack()


def on_revise_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Write the new revision."""
    ref = json.loads(view.get("private_metadata") or "{}")["ref"]
    decision = decisions.get(db(context), workspace_id=workspace(context).id, ref=ref, for_update=True)
    require_may_use(context, client, decision, body["user"]["id"], here=None)
    decisions.revise(
        db(context), decision, actor=body["user"]["id"], wording=_wording(values_of(view)), now=now(context)
    )
    decision_notices.revised(db(context), decision, now=now(context))
    ack()


def _decide(body: dict[str, Any], context: BoltContext, client: WebClient, *, approve: bool) -> None:
    decision = decisions.get(
        db(context), workspace_id=workspace(context).id, ref=body["actions"][0]["value"], for_update=True
    )
    require_may_use(context, client, decision, body["user"]["id"], here=(body.get("channel") or {}).get("id"))
    decisions.decide(db(context), decision, actor=body["user"]["id"], approve=approve, now=now(context))
    decision_notices.decided(db(context), decision, now=now(context), acted_by=body["user"]["id"])


def on_approve(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The approver approves: recorded, announced in the channel, broadcast to stakeholders."""
    _decide(body, context, client, approve=True)
    refresh_home(body, context, client)
    ack()


def on_reject(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The approver rejects: recorded and announced in the channel."""
    _decide(body, context, client, approve=False)
    refresh_home(body, context, client)
    ack()
