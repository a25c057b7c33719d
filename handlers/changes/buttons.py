"""The approvers' buttons (Approve, Reject, Ask for more), the requester's Answer, and a slip alert's "Raise a
change request"."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from domain import changes, milestones
from domain.changes import Proposal
from domain.errors import InvalidInput
from domain.visibility import unseen
from handlers.changes import forms as change_forms
from handlers.changes import notices as change_notices
from handlers.changes import render
from handlers.channels import may_see, require_may_use
from handlers.context import clicked_in, db, now, record_kind, refresh_home, workspace
from handlers.directory import member
from handlers.ids import Action, View
from handlers.registry import Listeners
from storage.models import ChangeCategory, ChangeRequest, ChangeStatus, Milestone, MilestoneEventKind


def register(listeners: Listeners) -> None:
    listeners.action(Action.CHANGE_APPROVE, on_approve)
    listeners.action(Action.CHANGE_REJECT, on_reject_clicked)
    listeners.action(Action.CHANGE_ASK, on_ask_clicked)
    listeners.action(Action.CHANGE_UPDATE, on_answer_clicked)
    listeners.action(Action.CHANGE_FROM_SLIP, on_from_slip)


def _clicked(body: dict[str, Any], context: BoltContext, client: WebClient) -> tuple[ChangeRequest, int | None]:
    """The request a button names, locked (a double click waits for the first and then finds it decided), and the
    revision the button was shown with."""
    ref, revision = render.button_parts(str(body["actions"][0].get("value") or ""))
    change = changes.get(db(context), workspace_id=workspace(context).id, ref=ref, for_update=True)
    require_may_use(context, client, change, body["user"]["id"], here=(body.get("channel") or {}).get("id"))
    return change, revision


def on_approve(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """An approver approves: the baselines move, a decision is recorded, and everyone concerned is told."""
    change, revision = _clicked(body, context, client)
    approved = changes.approve(db(context), change, actor=body["user"]["id"], now=now(context), revision=revision)
    change_notices.decided(db(context), change, now=now(context))
    decisions = record_kind(context, "decision")  # the decision log's own card, without importing it
    if decisions is not None:
        decisions.notify(db(context), approved.decision, now=now(context))
    milestones = record_kind(context, "milestone")  # the moved milestones' cards (and what waits for them)
    if milestones is not None:
        for milestone, _old in approved.moved:
            milestones.notify(db(context), milestone, now=now(context))
    refresh_home(body, context, client)
    ack()


def on_reject_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Open the form for a reason (an approver, while the request waits for one)."""
    change, revision = _clicked(body, context, client)
    changes.require_may_decide(change, body["user"]["id"], revision, session=db(context), now=now(context))
    view = render.note_form(callback_id=View.CHANGE_REJECT, change=change, question=False)
    client.views_open(trigger_id=body["trigger_id"], view=view)
    ack()


def on_ask_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Open the form for the question to the requester."""
    change, revision = _clicked(body, context, client)
    changes.require_may_decide(change, body["user"]["id"], revision, session=db(context), now=now(context))
    view = render.note_form(callback_id=View.CHANGE_ASK, change=change, question=True)
    client.views_open(trigger_id=body["trigger_id"], view=view)
    ack()


def on_answer_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The requester answers: the form as the request stands, with the question and a field for the answer."""
    change, revision = _clicked(body, context, client)
    user = body["user"]["id"]
    changes.require_may_update(change, user, revision)
    question = change.note if change.status == ChangeStatus.MORE_INFO else ""
    tz = member(context, client, change.requester_id).time_zone or change.project.time_zone
    # A requester outside the channel (raised from a slip alert) is offered none of its other milestones.
    outsider = None if may_see(context, client, change.project, user, here=clicked_in(body)) else user
    change_forms.open_answer(client, body["trigger_id"], db(context), change, question=question, tz=tz,
                             outsider=outsider)  # fmt: skip
    ack()


def on_from_slip(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """A slip alert's "Raise a change request": the form for the milestone's channel, filled in to move it."""
    milestone = _slipped(body, context, client)
    user = body["user"]["id"]
    # The alert went to the milestone's owner (and creator): parties to it, even outside a private channel, who are
    # offered only the milestones they are a party to.
    outsider = None if may_see(context, client, milestone.project, user, here=clicked_in(body)) else user
    proposal = _move(milestone, context)
    change_forms.open_form(client, body["trigger_id"], db(context), milestone.project, proposal=proposal,
                           milestone=milestone, outsider=outsider)  # fmt: skip
    ack()


def _slipped(body: dict[str, Any], context: BoltContext, client: WebClient) -> Milestone:
    """The milestone a slip alert's button names by its row id, if the clicker may use it: a refused one answers
    exactly like a missing one (its ref unsaid, so row ids cannot be walked for the codes of private milestones)."""
    try:
        milestone_id = int(json.loads(str(body["actions"][0].get("value") or "{}"))["milestone"])
    except (ValueError, TypeError, KeyError, OverflowError):
        raise InvalidInput("That button names no milestone.") from None
    found = db(context).get(Milestone, milestone_id) if abs(milestone_id) < 2**63 else None
    if found is None or found.workspace_id != workspace(context).id:
        raise unseen("the milestone")
    require_may_use(context, client, found, body["user"]["id"], here=clicked_in(body), ref="the milestone")
    return found


def _move(milestone: Milestone, context: BoltContext) -> Proposal:
    """Move the baseline to the forecast: the days between them, and why it moved last."""
    project = milestone.project
    forecast_day = milestones.day_of(milestone.forecast_at, project)
    days = (forecast_day - milestones.day_of(milestone.baseline_at, project)).days
    moves = [e for e in milestones.history(db(context), milestone) if e.kind == MilestoneEventKind.MOVED and e.why]
    return Proposal(
        title=f"Move {milestone.ref} to {render.day_text(forecast_day)}",
        category=ChangeCategory.SCHEDULE,
        justification=moves[-1].why if moves else "",
        impact_days=days,
        milestone_ids=[milestone.id],
    )
