"""The milestone forms: a new milestone (name, date, owner, optional id) and a move (new forecast and why)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from domain import calendar, members, milestones
from domain.errors import InvalidInput
from domain.milestones import Slip
from domain.visibility import unseen
from handlers.channels import require_may_use
from handlers.context import db, now, workspace
from handlers.directory import form_project, member
from handlers.forms import checking, text_of, values_of
from handlers.ids import Block, View
from handlers.milestones import cards, render
from handlers.milestones import notices as milestone_notices
from handlers.registry import Listeners
from storage.models import Milestone


def register(listeners: Listeners) -> None:
    listeners.view(View.MILESTONE_CREATE, on_create_submitted, check=checking(_named, _dated, _code_fits))
    listeners.view(View.MILESTONE_MOVE, on_move_submitted, check=checking(_dated, _why_given))


def open_create(client: WebClient, command: dict[str, Any]) -> None:
    """Open the empty form for the command's channel, with the caller as owner."""
    view = render.form(metadata={"channel": command["channel_id"]}, owner=command["user_id"])
    client.views_open(trigger_id=command["trigger_id"], view=view)


def open_move(client: WebClient, trigger_id: str, milestone: Milestone) -> None:
    """Open the move form of a milestone."""
    client.views_open(trigger_id=trigger_id, view=render.move_form(milestone))


def _day(view: dict[str, Any]) -> date | None:
    chosen = values_of(view).get(Block.MILESTONE_DATE, {}).get("selected_date")
    return date.fromisoformat(chosen) if chosen else None


def _named(view: dict[str, Any], _at: datetime) -> None:
    if not text_of(view, Block.NAME).strip():
        raise InvalidInput("Name the milestone.", field=Block.NAME)


def _dated(view: dict[str, Any], at: datetime) -> None:
    day = _day(view)
    if day is None:
        raise InvalidInput("Choose a date.", field=Block.MILESTONE_DATE)
    if calendar.surely_past(day, None, now=at):
        raise InvalidInput(f"{day:%Y-%m-%d} has passed; choose a date ahead.", field=Block.MILESTONE_DATE)


def _code_fits(view: dict[str, Any], _at: datetime) -> None:
    code = _code(view)
    if code and milestones.parse_ref(f"M-{code}") is None:
        raise InvalidInput(
            f"`M-{code[:20]}` can't be a milestone id: a letter, then letters or digits, at most "
            f"{milestones.CODE_LIMIT}.",
            field=Block.MILESTONE_CODE,
        )


def _code(view: dict[str, Any]) -> str:
    code = text_of(view, Block.MILESTONE_CODE).strip()
    return code[2:] if code[:2].upper() == "M-" else code


def _why_given(view: dict[str, Any], _at: datetime) -> None:
    if not text_of(view, Block.WHY).strip():
        raise InvalidInput("Say why it moves.", field=Block.WHY)


def _ahead(day: date, project: Any, at: datetime) -> None:
    """Refuse a day whose end has passed in the project's zone (beside the date field)."""
    if milestones.due_moment(day, project) <= at:
        raise InvalidInput(f"{day:%Y-%m-%d} has passed in this project's zone.", field=Block.MILESTONE_DATE)


def on_create_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Make the milestone from the form and post its card."""
    creator = body["user"]["id"]
    proj = form_project(context, client, json.loads(view.get("private_metadata") or "{}")["channel"], creator)
    owner = values_of(view).get(Block.OWNER, {}).get("selected_user") or creator
    members.require_can_own(member(context, client, owner), "own milestones", field=Block.OWNER)
    day = _day(view)
    assert day is not None  # the check saw to it
    _ahead(day, proj, now(context))
    milestone = milestones.create(
        db(context),
        project=proj,
        creator=creator,
        name=text_of(view, Block.NAME),
        day=day,
        owner=owner,
        now=now(context),
        code=_code(view) or None,
    )
    cards.post_card(db(context), milestone, now=now(context))
    ack()


def move(session: Session, milestone: Milestone, *, actor: str, day: date, why: str, now: datetime) -> Slip | None:
    """Move the forecast, bring statuses and cards up to date, and raise the alerts of a slip."""
    before = cards.statuses(session, milestone)
    slip = milestones.move(session, milestone, actor=actor, day=day, why=why, now=now)
    if slip is not None:
        milestone_notices.slipped(session, slip, now=now)
    cards.changed(session, milestone, now=now, before=before, slipped=slip is not None)
    return slip


def on_move_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Move the milestone to the day chosen, for the reason given."""
    milestone_id = int(json.loads(view.get("private_metadata") or "{}")["milestone"])
    found = db(context).get(Milestone, milestone_id, with_for_update=True)
    if found is None or found.workspace_id != workspace(context).id:
        raise unseen("the milestone")
    require_may_use(context, client, found, body["user"]["id"], here=None, ref="the milestone")  # by its row id
    day = _day(view)
    assert day is not None
    _ahead(day, found.project, now(context))
    move(db(context), found, actor=body["user"]["id"], day=day, why=text_of(view, Block.WHY), now=now(context))
    ack()
