"""The RAID form and the review buttons: create, update, Still valid, Close."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from domain import calendar, risks
from domain.errors import InvalidInput
from domain.risks import Fields
from handlers.channels import require_may_use
from handlers.context import db, now, refresh_home, workspace
from handlers.directory import form_project, member
from handlers.forms import checking, text_of
from handlers.ids import Action, Block, View
from handlers.registry import Listeners
from handlers.risks import notices as risk_notices
from handlers.risks import render
from storage.models import Risk


def register(listeners: Listeners) -> None:
    listeners.view(View.RISK_CREATE, on_create_submitted, check=checking(_valid, _review_ahead))
    listeners.view(View.RISK_UPDATE, on_update_submitted, check=checking(_valid, _review_ahead))
    listeners.view(View.RISK_CLOSE, on_close_submitted, check=checking(_reason_given))
    listeners.action(Action.RISK_STILL_VALID, on_still_valid)
    listeners.action(Action.RISK_UPDATE, on_update_clicked)
    listeners.action(Action.RISK_CLOSE, on_close_clicked)


def open_create(client: WebClient, command: dict[str, Any]) -> None:
    """Open the empty form for the command's channel."""
    view = render.form(callback_id=View.RISK_CREATE, metadata={"channel": command["channel_id"]})
    client.views_open(trigger_id=command["trigger_id"], view=view)


def _valid(view: dict[str, Any], _at: datetime) -> None:
    _read(view, review_at=None).validate()


def _review_ahead(view: dict[str, Any], at: datetime) -> None:
    day = _review_day(view)
    if day and calendar.surely_past(date.fromisoformat(day), time(9, 0), now=at):
        raise InvalidInput("The next review date is in the past.", field=Block.REVIEW_DATE)


def _review_day(view: dict[str, Any]) -> str | None:
    return ((view["state"]["values"].get(Block.REVIEW_DATE) or {}).get("value") or {}).get("selected_date")


def _fields(view: dict[str, Any], *, tz: str, context: BoltContext) -> Fields:
    review_day = _review_day(view)
    review_at = None
    if review_day:  # reviewed on that day: due at its start, in the person's own zone
        review_at = calendar.local_to_utc(date.fromisoformat(review_day), time(9, 0), tz)
        if review_at <= now(context):
            raise InvalidInput("The next review date is in the past.", field=Block.REVIEW_DATE)
    return _read(view, review_at=review_at)


def _read(view: dict[str, Any], *, review_at: datetime | None) -> Fields:
    values = view["state"]["values"]

    def element(block: str) -> dict[str, Any]:
        return dict((values.get(block) or {}).get("value") or {})

    def chosen(block: str) -> str | None:
        return (element(block).get("selected_option") or {}).get("value")

    return Fields(
        kind=chosen(Block.KIND) or "risk",
        title=element(Block.TITLE).get("value") or "",
        description=element(Block.DESCRIPTION).get("value") or "",
        category=chosen(Block.CATEGORY),
        probability=int(chosen(Block.PROBABILITY) or 3),
        impact=int(chosen(Block.IMPACT) or 3),
        owner_id=element(Block.OWNER).get("selected_user"),
        mitigation=element(Block.MITIGATION).get("value") or "",
        contingency=element(Block.CONTINGENCY).get("value") or "",
        review_at=review_at,
        opportunity=bool(element(Block.OPPORTUNITY).get("selected_options")),
    )


def on_create_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Record the entry from the form."""
    creator = member(context, client, body["user"]["id"])
    proj = form_project(context, client, json.loads(view.get("private_metadata") or "{}")["channel"], creator.user_id)
    risk = risks.create(
        db(context),
        project=proj,
        creator=creator.user_id,
        fields=_fields(view, tz=creator.time_zone, context=context),
        now=now(context),
    )
    risk_notices.created(db(context), risk, now=now(context))
    ack()


def _clicked(body: dict[str, Any], context: BoltContext, client: WebClient, **kwargs: Any) -> Risk:
    """The entry a button names, if the person who clicked may read it (else the same answer as a missing one)."""
    risk = risks.get(db(context), workspace_id=workspace(context).id, ref=body["actions"][0]["value"], **kwargs)
    require_may_use(context, client, risk, body["user"]["id"], here=(body.get("channel") or {}).get("id"))
    return risk


def _submitted(view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient) -> Risk:
    """The entry a form names in its metadata, if the person submitting may read it."""
    ref = json.loads(view.get("private_metadata") or "{}")["ref"]
    risk = risks.get(db(context), workspace_id=workspace(context).id, ref=ref, for_update=True)
    require_may_use(context, client, risk, body["user"]["id"], here=None)
    return risk


def on_update_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Open the form filled in with the entry."""
    risk = _clicked(body, context, client)
    view = render.form(callback_id=View.RISK_UPDATE, metadata={"ref": risk.ref}, risk=risk)
    client.views_open(trigger_id=body["trigger_id"], view=view)
    ack()


def on_update_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Apply the form's changes (recorded with old and new values)."""
    caller = member(context, client, body["user"]["id"])
    risk = _submitted(view, body, context, client)
    if risks.update(
        db(context),
        risk,
        actor=caller.user_id,
        fields=_fields(view, tz=caller.time_zone, context=context),
        now=now(context),
    ):
        risk_notices.changed(db(context), risk, now=now(context))
    ack()


def on_still_valid(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The owner confirms the entry: the next review is counted from now."""
    risk = _clicked(body, context, client, for_update=True)
    risks.review(db(context), risk, actor=body["user"]["id"], now=now(context))
    risk_notices.changed(db(context), risk, now=now(context))
    refresh_home(body, context, client)
    ack()


def on_close_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Ask why it is closed."""
    risk = _clicked(body, context, client)
    client.views_open(trigger_id=body["trigger_id"], view=render.close_form(risk))
    ack()


def _reason_given(view: dict[str, Any], _at: datetime) -> None:
    if not text_of(view, Block.REASON).strip():
        raise InvalidInput("Say why it is closed.", field=Block.REASON)


def on_close_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Close the entry with the reason given."""
    risk = _submitted(view, body, context, client)
    reason = ((view["state"]["values"].get(Block.REASON) or {}).get("value") or {}).get("value") or ""
    risks.close(db(context), risk, actor=body["user"]["id"], reason=reason, now=now(context))
    risk_notices.changed(db(context), risk, now=now(context))
    ack()
