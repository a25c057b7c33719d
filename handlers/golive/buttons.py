"""The buttons of go-lives: a step's Done, Failed and Skip (its owner's DM), a failed step's "Make an action item"
(its thread reply or DM), the approvers' Go and No-go (No-go opens the reason form: handlers/golive/forms.py), and
the minutes' "Post to the channel"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from domain import golive as golives
from domain.errors import Conflict
from domain.text import FORMER_MEMBER
from handlers.channels import require_visible
from handlers.context import clicked_in, db, now, record_kind, workspace
from handlers.directory import member
from handlers.golive import forms as golive_forms
from handlers.golive import notices, render
from handlers.ids import Action
from handlers.registry import Listeners
from storage.models.golive import GoLive, GoLiveStatus, GoLiveStep, StepStatus, Vote


def register(listeners: Listeners) -> None:
    listeners.action(Action.GOLIVE_STEP_DONE, _on_step(StepStatus.DONE))
    listeners.action(Action.GOLIVE_STEP_FAILED, _on_step(StepStatus.FAILED))
    listeners.action(Action.GOLIVE_STEP_SKIP, _on_step(StepStatus.SKIPPED))
    listeners.action(Action.GOLIVE_GO, on_go)
    listeners.action(Action.GOLIVE_NO_GO, on_no_go_clicked)
    listeners.action(Action.GOLIVE_STEP_ACTION, on_make_action)
    listeners.action(Action.GOLIVE_MINUTES_POST, on_post_minutes)
    golive_forms.register(listeners)


def mark(
    session: Session, golive: GoLive, step: GoLiveStep, *, status: StepStatus, actor: str, note: str, now: datetime
) -> golives.Mark | None:
    """Mark a step; tell the thread and the owner's DM. A step marked already keeps its mark: the same mark with a
    note adds the note to the thread, another mark (with why) is said there as a correction, the same mark again
    changes nothing (None). Once every step of a live go-live is finished: marked by the planner or a lead, it
    ends; marked by anyone else (an owner), the planner is told they can end it."""
    marked = golives.mark(golive, step, status=status, actor=actor, note=note, now=now)
    if marked is None:
        return None
    if marked.kind == golives.Marked.ADDED:
        return marked if notices.note_added(session, golive, step, by=actor, note=note, now=now) else None
    notices.step_changed(session, golive, step, now=now, was=marked.was)
    if marked.kind == golives.Marked.FIRST and golive.status == GoLiveStatus.LIVE and golives.all_finished(golive):
        if not golives.may_change_plan(golive, actor):
            notices.all_finished(session, golive, now=now)
        elif golives.end(golive, actor=None, now=now):
            notices.ended(session, golive, now=now)
    return marked


def _clicked(body: dict[str, Any], context: BoltContext, client: WebClient) -> tuple[GoLive, str]:
    """The go-live a button names (locked: a double click waits, then finds it done) and the rest of its value."""
    ref, _, rest = str(body["actions"][0].get("value") or "").partition(" ")
    return golives.get(db(context), workspace_id=workspace(context).id, ref=ref, for_update=True), rest


def _step_clicked(body: dict[str, Any], context: BoltContext, client: WebClient) -> tuple[GoLive, GoLiveStep]:
    """The go-live and the step a step's button names (`G-1 step:17:3`: the step's id and number); a button from
    before steps were named so (`G-1 3`) is out of date."""
    golive, rest = _clicked(body, context, client)
    parts = rest.removeprefix(render.STEP_VALUE).split(":")
    if not rest.startswith(render.STEP_VALUE) or len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        raise Conflict("This button is out of date.", hint=f"Use `/golive show {golive.ref}`.")
    return golive, golives.step_by_id(golive, int(parts[0]), position=int(parts[1]))


def _on_step(status: StepStatus) -> Callable[..., None]:
    def on_click(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        """Mark the step from its DM: its owner may, as may the planner and the project's leads (if they can read the
        channel)."""
        golive, step = _step_clicked(body, context, client)
        user_id = body["user"]["id"]
        if step.owner_id != user_id:
            require_visible(context, client, golive.project, user_id, ref=golive.ref, here=clicked_in(body))
        was = step.status
        marked = mark(db(context), golive, step, status=status, actor=user_id, note="", now=now(context))
        here = clicked_in(body)
        if marked is None and was != StepStatus.PENDING and step.by != user_id and here:  # someone else was first
            said = f"Step #{step.position} of {golive.ref} was marked {step.status} already{golives.marked_by(step)}."
            notices.told(db(context), golive, user_id=user_id, channel=here,
                         click=str(body["actions"][0].get("action_ts") or now(context).timestamp()), text=said,
                         now=now(context))  # fmt: skip
        ack()

    return on_click


def on_make_action(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """A failed step becomes an action item for its owner (once), with the notices `/action` gives it; where it was
    offered now names it."""
    golive, step = _step_clicked(body, context, client)
    user_id, owner = body["user"]["id"], step.owner_id
    if owner != user_id:
        require_visible(context, client, golive.project, user_id, ref=golive.ref, here=clicked_in(body))
    session, at = db(context), now(context)
    gone = owner == FORMER_MEMBER or member(context, client, owner).deleted  # then it is whoever asks
    item = golives.make_action(session, golive, step, actor=user_id, now=at, owner_gone=gone)
    kind = record_kind(context, "action")  # the actions feature's card and owner's DM, without importing it
    if kind is not None:
        kind.notify(session, item, now=at)
    notices.action_made(session, golive, step, now=at)
    ack()


def on_post_minutes(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Post the timeline as the go-live's minutes in its channel (once as it stands); tell whoever clicked."""
    golive, _ = _clicked(body, context, client)
    user_id = body["user"]["id"]
    require_visible(context, client, golive.project, user_id, ref=golive.ref, here=clicked_in(body))
    said = post_minutes(db(context), golive, by=user_id, now=now(context))
    here = clicked_in(body)
    if here:
        notices.told(db(context), golive, user_id=user_id, channel=here, click=str(body["actions"][0].get("action_ts")),
                     text=said, now=now(context))  # fmt: skip
    ack()


def post_minutes(session: Session, golive: GoLive, *, by: str, now: datetime) -> str:
    """Post the minutes in the channel (a second time, unchanged, posts nothing); say what was done."""
    channel = f"<#{golive.project.channel_id}>"
    meeting = golives.meeting_of_the_day(session, golive, now=now)
    if not notices.minutes_posted(session, golive, by=by, meeting=render.meeting_words(meeting), now=now):
        raise Conflict(f"The timeline of {golive.ref} as it stands is in {channel} already.")
    return f"Posted the timeline of {golive.ref} in {channel} as its minutes."


def _approver(body: dict[str, Any], context: BoltContext, client: WebClient) -> GoLive:
    golive, _ = _clicked(body, context, client)
    user_id = body["user"]["id"]
    if user_id not in golive.approver_ids:
        require_visible(context, client, golive.project, user_id, ref=golive.ref, here=clicked_in(body))
    return golive


def on_go(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """An approver says go."""
    golive = _approver(body, context, client)
    golive_forms.vote(db(context), golive, user_id=body["user"]["id"], said=Vote.GO, comment="", now=now(context))
    ack()


def on_no_go_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """An approver says no-go: first, why (the form)."""
    golive = _approver(body, context, client)
    golives.cast_allowed(golive, user_id=body["user"]["id"])
    client.views_open(trigger_id=body["trigger_id"], view=render.no_go_form(golive))
    ack()
