"""The no-go form: why it is a no-go, checked before Slack closes it, then recorded as the approver's vote."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from domain import golive as golives
from domain.errors import InvalidInput
from handlers.channels import require_visible
from handlers.context import db, now, workspace
from handlers.forms import checking, text_of
from handlers.golive import notices
from handlers.ids import Block, View
from handlers.registry import Listeners
from storage.models.golive import GoLive, Vote


def register(listeners: Listeners) -> None:
    listeners.view(View.GOLIVE_NO_GO, on_no_go_submitted, check=checking(_reason_given))


def _reason(view: dict[str, Any]) -> str:
    return golives.note_of(text_of(view, Block.GOLIVE_REASON))


def _reason_given(view: dict[str, Any], _at: datetime) -> None:
    try:
        reason = _reason(view)
    except InvalidInput as err:
        raise InvalidInput(err.message, field=Block.GOLIVE_REASON) from None
    if not reason:
        raise InvalidInput("Say why it is a no-go.", field=Block.GOLIVE_REASON)


def on_no_go_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Record the no-go with its reason; the poll is decided once every approver answered."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    ref = str(metadata.get("golive") or "") if isinstance(metadata, dict) else ""
    golive = golives.get(db(context), workspace_id=workspace(context).id, ref=ref, for_update=True)
    user_id = body["user"]["id"]
    if user_id not in golive.approver_ids:
        require_visible(context, client, golive.project, user_id, ref=golive.ref, here=None)
    vote(db(context), golive, user_id=user_id, said=Vote.NO_GO, comment=_reason(view), now=now(context))
    ack()


def vote(session: Session, golive: GoLive, *, user_id: str, said: Vote, comment: str, now: datetime) -> None:
    """Record a vote (the same again changes nothing), show it in the approver's DM, and decide the poll once every
    approver answered."""
    if not golives.cast(golive, user_id=user_id, vote=said, comment=comment, now=now):
        return
    notices.poll_shown(session, golive, user_id, change=f"r{golive.revision}", now=now)
    if golives.decide(golive, now=now, final=False):
        notices.decided(session, golive, now=now)
    else:
        notices.runbook_changed(session, golive, now=now)
