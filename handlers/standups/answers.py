"""Answering stand-ups: the prompt's buttons, the answer and away forms, plain replies in the DM, blockers."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy import select

from domain import actions, standup_replies, standups
from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.sources import Source
from domain.standup_schedule import open_day, prompt_at
from domain.text import plain_from_slack
from domain.workspaces import is_lead
from handlers import intent, outgoing
from handlers.channels import may_see
from handlers.context import clicked_in, db, now, record_kind, workspace
from handlers.forms import checking, text_of
from handlers.ids import Action, Block, View
from handlers.registry import Listeners
from handlers.standups import keys, render
from handlers.standups import notices as standup_posts
from storage.models import Blocker, BlockerStatus, Project, SourceKind, Standup, StandupAnswer


def register(listeners: Listeners) -> None:
    listeners.action(Action.STANDUP_ANSWER, on_answer_clicked)
    listeners.action(Action.STANDUP_SKIP, on_skip_clicked)
    listeners.action(Action.STANDUP_AWAY, on_away_clicked)
    listeners.action(Action.BLOCKER_RESOLVED, on_blocker_resolved)
    listeners.action(Action.BLOCKER_STILL, on_blocker_still)
    listeners.action(Action.BLOCKER_TO_ACTION, on_blocker_to_action)
    listeners.view(View.STANDUP_ANSWER, on_answer_submitted, check=checking(_answered))
    listeners.view(View.STANDUP_AWAY, on_away_submitted, check=checking(_away_range))
    listeners.message_reader("im", on_direct_message)


GONE = "That stand-up no longer exists."  # as standups.get answers a missing one


def _target(body: dict[str, Any], context: BoltContext, client: WebClient) -> tuple[Standup, date]:
    """The stand-up and day a prompt's button names (`<stand-up id>|<day>`), for a participant it asks."""
    standup_id, _, day = str(body["actions"][0].get("value") or "").partition("|")
    try:
        number, when = int(standup_id), date.fromisoformat(day)
    except ValueError:
        raise InvalidInput("That button is out of date.") from None
    if not 0 < number < 2**63:
        raise NotFound(GONE)
    standup = standups.get(db(context), number, workspace_id=workspace(context).id)
    _require_asked(standup, body["user"]["id"], context, client, here=clicked_in(body))
    return standup, when


def _require_asked(
    standup: Standup, user_id: str, context: BoltContext, client: WebClient, *, here: str | None
) -> None:
    """Its buttons and forms act only for a participant it asks; anyone else who can read its channel is told they
    are not one, and everyone else hears exactly what a missing stand-up answers (its questions are the channel's)."""
    if user_id in standup.participants:
        return
    if may_see(context, client, standup.project, user_id, here=here):
        raise PermissionDenied(
            "You are not a participant of this stand-up.", hint="A lead can add you with `/standup setup`."
        )
    raise NotFound(GONE)


def on_answer_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Open the answer form (filled in with an earlier answer for that day, if any)."""
    standup, day = _target(body, context, client)
    previous = standups.answers_for(db(context), standup, [day]).get((day, body["user"]["id"]))
    view = render.answer_modal(standup, day, previous=list(previous.answers) if previous else None)
    client.views_open(trigger_id=body["trigger_id"], view=view)
    ack()


def _save_answer(standup: Standup, day: date, user_id: str, answers: list[str], context: BoltContext) -> StandupAnswer:
    # Late: after a summary that already counted this person as asked (not someone asked after it, further west).
    summary = standup_posts.summary_time(db(context), standup, day)
    person = next((p for p in standups.participants(db(context), standup) if p.user_id == user_id), None)
    asked = prompt_at(standups.plan(db(context), standup), person, day) if person else None
    late = summary is not None and asked is not None and asked <= summary
    answer, new = standups.record_answer(
        db(context), standup, user_id=user_id, day=day, answers=answers, now=now(context), late=late
    )
    standup_posts.publish_answer(db(context), standup, answer, new=new, now=now(context))
    return answer


def _answered(view: dict[str, Any], _at: datetime) -> None:
    """At least one question answered (the form's blocks q0, q1, ...)."""
    typed = [text_of(view, block) for block in (view["state"]["values"] or {}) if block.startswith("q")]
    if not any(t.strip() for t in typed):
        raise InvalidInput("Your answer is empty.", field="q0")


def on_answer_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Store the answers and post them in the day's thread."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    standup = standups.get(db(context), int(metadata["standup"]), workspace_id=workspace(context).id)
    _require_asked(standup, body["user"]["id"], context, client, here=None)  # the metadata is the request's word
    values = view["state"]["values"]
    answers = [
        str(((values.get(f"q{i}") or {}).get("value") or {}).get("value") or "") for i in range(len(standup.questions))
    ]
    _save_answer(standup, date.fromisoformat(metadata["day"]), body["user"]["id"], answers, context)
    ack()


def on_skip_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Skip the day: not reminded, not counted as missing."""
    standup, day = _target(body, context, client)
    user_id = body["user"]["id"]
    standups.skip(db(context), standup, user_id=user_id, day=day, now=now(context))
    standup_posts.close_prompt(db(context), standup, day, user_id, skipped=True, now=now(context))
    ack()


def on_away_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Open the time-away form, starting on the prompt's day."""
    standup, day = _target(body, context, client)
    client.views_open(trigger_id=body["trigger_id"], view=render.away_modal(standup.id, day))
    ack()


def _away_range(view: dict[str, Any], _at: datetime | None = None) -> tuple[date, date]:
    """The first and last day away the form names (InvalidInput beside the field that is missing or wrong)."""
    values = view["state"]["values"]

    def picked(block: str) -> date:
        raw = ((values.get(block) or {}).get("value") or {}).get("selected_date")
        if not raw:
            raise InvalidInput("Pick a date.", field=block)
        return date.fromisoformat(raw)

    first, last = picked(Block.AWAY_FIRST), picked(Block.AWAY_LAST)
    if last < first:
        raise InvalidInput("The last day is before the first.", field=Block.AWAY_LAST)
    return first, last


def on_away_submitted(ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    """Record time away from the form."""
    first, last = _away_range(view)
    standups.add_away(
        db(context),
        workspace_id=workspace(context).id,
        user_id=body["user"]["id"],
        first=first,
        last=last,
        now=now(context),
    )
    ack()


BLOCKER_GONE = "That blocker no longer exists."  # as standups.get_blocker answers a missing one


def _blocker_for(body: dict[str, Any], context: BoltContext, client: WebClient) -> Blocker:
    """The blocker a button names by its row id, for the person blocked or someone who may read its project's
    channel (leads included); anyone else hears exactly what a missing blocker answers."""
    blocker_id, _ = _blocker_clicked(body)
    session, user = db(context), body["user"]["id"]
    if not 0 < blocker_id < 2**63:
        raise NotFound(BLOCKER_GONE)
    found = standups.get_blocker(session, blocker_id, workspace_id=workspace(context).id)
    here = clicked_in(body)
    if user != found.owner_id and not may_see(context, client, session.get_one(Project, found.project_id), user,
                                              here=here):  # fmt: skip
        raise NotFound(BLOCKER_GONE)
    return found


def _blocker_clicked(body: dict[str, Any]) -> tuple[int, date | None]:
    """The blocker a "Still blocked?" (or an answer's Resolved) button names, and the day of the prompt it is in."""
    blocker_id, _, day = str(body["actions"][0]["value"]).partition("|")
    try:
        return int(blocker_id), date.fromisoformat(day) if day else None
    except ValueError:
        raise InvalidInput("That button is out of date.") from None


def on_blocker_resolved(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Resolve a blocker (the person blocked or a lead) and update its messages; one resolved already (elsewhere,
    or a second click) is shown so where it was clicked."""
    found = _blocker_for(body, context, client)
    blocker_id, user_id, session = found.id, body["user"]["id"], db(context)
    if found.status != BlockerStatus.OPEN and _in_prompt(body, found):
        _answered_in_prompt(body, found, resolved=True, context=context)
        ack()
        return
    blocker = standups.resolve_blocker(
        session,
        blocker_id,
        workspace_id=workspace(context).id,
        user_id=user_id,
        is_lead=is_lead(session.get_one(Project, found.project_id), user_id),
        now=now(context),
    )
    answer = session.get(StandupAnswer, blocker.answer_id) if blocker.answer_id else None
    if answer is not None:
        standup = session.get(Standup, answer.standup_id)
        if standup is not None:
            standup_posts.refresh_blocker(session, standup, answer, blocker, now=now(context))
    _answered_in_prompt(body, blocker, resolved=True, context=context)
    ack()


def on_blocker_to_action(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Make an action item of a blocker (the person blocked or a lead), owned by the person blocked, its source the
    blocker, at once and with no due date; the blocker's message then names the item, and the clicker is offered
    the item's Edit (its owner and due date). Once made, a second click says which item it became."""
    blocker_id = _blocker_for(body, context, client).id
    session, ws, user_id = db(context), workspace(context).id, body["user"]["id"]
    blocker = session.get_one(Blocker, blocker_id, with_for_update=True)  # two clicks at once make one item
    project = session.get_one(Project, blocker.project_id)
    if user_id != blocker.owner_id and not is_lead(project, user_id):
        raise PermissionDenied("Only the person blocked or a project lead can make a blocker an action item.")
    made = actions.made_from(session, workspace_id=ws, kind=SourceKind.STANDUP, source_id=blocker.id)
    if made is not None:
        raise Conflict(f"This blocker is already {made.ref}.", hint=f"See `/action show {made.ref}`.")
    kind = record_kind(context, "action")
    if kind is None:
        raise InvalidInput("Action items are not available here.")
    item = actions.create(
        session,
        project=project,
        creator=user_id,
        owner=blocker.owner_id,
        title=_title(blocker.text),
        due_at=None,
        now=now(context),
        source=Source(SourceKind.STANDUP, blocker.id, "stand-up blocker"),
    )
    kind.notify(session, item, now=now(context))
    text, blocks = render.blocker_made(item.ref, owner=item.owner_id, title=item.title)
    where = clicked_in(body) or blocker.owner_id
    outgoing.ephemeral(session, workspace_id=ws, key=keys.blocker_made(blocker.id, user_id), channel=where,
                       user=user_id, text=text, blocks=blocks, now=now(context))  # fmt: skip
    answer = session.get(StandupAnswer, blocker.answer_id) if blocker.answer_id else None
    standup = session.get(Standup, answer.standup_id) if answer is not None else None
    if answer is not None and standup is not None:
        standup_posts.refresh_blocker(session, standup, answer, blocker, now=now(context), status="action")
    ack()


def _title(said: str) -> str:
    """An item's title from a blocker: `Unblock: <what blocks>`, within an item's title limit."""
    text = " ".join(plain_from_slack(said).split())
    title = f"Unblock: {text}"
    return title if len(title) <= actions.TITLE_LIMIT else title[: actions.TITLE_LIMIT - 1] + "…"


def on_blocker_still(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """A prompt's Yes, still blocked: the blocker stays open and the prompt says so (the person blocked alone); one
    resolved meanwhile is shown resolved, by whom."""
    found = _blocker_for(body, context, client)
    if found.status != BlockerStatus.OPEN and _in_prompt(body, found):
        _answered_in_prompt(body, found, resolved=True, context=context)
        ack()
        return
    blocker = standups.still_blocked(
        db(context), found.id, workspace_id=workspace(context).id, user_id=body["user"]["id"]
    )
    _answered_in_prompt(body, blocker, resolved=False, context=context)
    ack()


def _in_prompt(body: dict[str, Any], blocker: Blocker) -> bool:
    """Whether the click came from the "Still blocked?" of this blocker in its person's own prompt DM."""
    block_id = str(body["actions"][0].get("block_id") or "")
    return block_id == render.still_blocked_block(blocker.id) and body["user"]["id"] == blocker.owner_id


def _prompt_day(message: dict[str, Any], standup: Standup | None) -> date | None:
    """The day of a prompt sent before its blockers' buttons named it, from its Answer buttons' block."""
    for block in message.get("blocks") or []:
        standup_id, _, day = str(block.get("block_id") or "").removeprefix("standup-").partition("|")
        if standup is not None and standup_id == str(standup.id):
            try:
                return date.fromisoformat(day)
            except ValueError:
                return None
    return None


def _answered_in_prompt(body: dict[str, Any], blocker: Blocker, *, resolved: bool, context: BoltContext) -> None:
    """A prompt's "Still blocked?" answered: its blockers are shown as they stand now, this one's buttons giving
    way to the answer (a click elsewhere changes nothing). The update travels in the person's conversation."""
    container, message = body.get("container") or {}, body.get("message")
    if not _in_prompt(body, blocker) or not message or not container.get("message_ts"):
        return
    session, user = db(context), body["user"]["id"]
    standup = session.scalar(select(Standup).where(Standup.project_id == blocker.project_id))
    day = _blocker_clicked(body)[1] or _prompt_day(message, standup)
    if standup is None or day is None:
        return
    prompt_key = standup_posts.key(standup, keys.Kind.PROMPT, day, user)
    standup_posts.refresh_prompt(
        session,
        standup,
        day,
        user,
        update_key=keys.answered_blocker(prompt_key, blocker.id, "resolved" if resolved else "still"),
        now=now(context),
        noted=None if resolved else blocker.id,
        clicked=(str(container.get("channel_id")), str(container["message_ts"]), message),
    )


def on_direct_message(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """A plain reply in pmbot's DM answers the person's open stand-up (the latest one asked and not yet answered),
    split into one answer per question by its labels, its lines or its sentences."""
    if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id") or not event.get("text"):
        return
    user_id = str(event.get("user") or "")
    session = db(context)
    candidates = []
    for standup in session.scalars(
        select(Standup).where(Standup.workspace_id == workspace(context).id, Standup.paused.is_(False))
    ):
        if user_id not in standup.participants:
            continue
        person = next(p for p in standups.participants(session, standup) if p.user_id == user_id)
        day = open_day(standups.plan(session, standup), person, now(context))
        if day is not None and (day, user_id) not in standups.answers_for(session, standup, [day]):
            candidates.append((standup, day))
    if len(candidates) != 1:
        text = (
            "I have no unanswered stand-up for you right now. To change an answer, use its Answer button; "
            "`/standup answer` in a project channel answers your next one."
            if not candidates
            else "You have more than one stand-up open: please use the Answer button on the one you mean."
        )
        client.chat_postMessage(channel=user_id, text=text)
        return
    [(standup, day)] = candidates
    said = plain_from_slack(str(event["text"]), name_of=intent.names(context, client))  # shown escaped: names, not ids
    answers = standup_replies.split(said, list(standup.questions))
    _save_answer(standup, day, user_id, answers, context)
