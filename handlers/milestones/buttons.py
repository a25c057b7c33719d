"""The buttons on a milestone's card: Move (opens the move form) and Done."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from domain import milestones
from domain.visibility import unseen
from handlers.channels import require_may_use
from handlers.context import clicked_in, db, now, refresh_home, workspace
from handlers.ids import Action
from handlers.milestones import cards
from handlers.milestones import forms as milestone_forms
from handlers.registry import Listeners
from storage.models import Milestone


def register(listeners: Listeners) -> None:
    listeners.action(Action.MILESTONE_MOVE, on_move)
    listeners.action(Action.MILESTONE_DONE, on_done)


def by_value(session: Session, *, workspace_id: int, value: str, for_update: bool = False) -> Milestone:
    """The milestone a button names: its row id (as the card's buttons carry), or a ref like `M-UAT`."""
    if _by_row(value):
        found = session.get(Milestone, int(value), with_for_update=for_update)
        if found is None or found.workspace_id != workspace_id:
            raise unseen("the milestone")
        return found
    return milestones.get(session, workspace_id=workspace_id, ref=value, for_update=for_update)


def _clicked(body: dict[str, Any], context: BoltContext, client: WebClient, *, for_update: bool) -> Milestone:
    """The milestone a button names, if the clicker is a party to it or may read its channel (else: as if missing;
    one named by its row id is refused in the words of a missing row, its ref unsaid, so ids cannot be walked)."""
    value = str(body["actions"][0].get("value") or "")
    found = by_value(db(context), workspace_id=workspace(context).id, value=value, for_update=for_update)
    require_may_use(context, client, found, body["user"]["id"], here=clicked_in(body),
                    ref="the milestone" if _by_row(value) else None)  # fmt: skip
    return found


def _by_row(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) < 19


def on_move(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Open the move form, to someone who may move it."""
    milestone = _clicked(body, context, client, for_update=False)
    milestones.require_may_change(milestone, body["user"]["id"], "move")
    milestone_forms.open_move(client, body["trigger_id"], milestone)
    ack()


def on_done(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Mark it done (a second click is told it is done already)."""
    milestone = _clicked(body, context, client, for_update=True)
    milestones.complete(db(context), milestone, actor=body["user"]["id"], now=now(context))
    cards.changed(db(context), milestone, now=now(context))
    refresh_home(body, context, client)
    ack()
