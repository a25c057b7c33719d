"""The retro's forms: a participant's notes (checked before Slack closes it), and the close, where the most voted
notes get owners and become action items."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from domain import actions, calendar, members, retros
from domain.calendar import end_of_working_day
from domain.errors import Conflict, InvalidInput, PermissionDenied
from domain.sources import Source
from domain.workspaces import working_hours
from handlers.channels import require_visible
from handlers.context import db, now, record_kind, refresh_home, workspace
from handlers.directory import member
from handlers.forms import checking, needed_while, text_of, values_of
from handlers.ids import Block, View
from handlers.registry import Listeners
from handlers.retros import notices, render
from storage.models import SourceKind
from storage.models.retros import NoteKind, Retro, RetroNote, RetroStatus


def register(listeners: Listeners) -> None:
    listeners.view(View.RETRO_NOTES, on_notes_submitted, check=checking(_notes_valid))
    listeners.view(View.RETRO_CLOSE, on_close_submitted, check=checking(_dues_ahead))
    needed_while(View.RETRO_CLOSE, _close_needed)


def _close_needed(session: Session, workspace_id: int, view: dict[str, Any]) -> str | None:
    """A close form kept after it failed is no longer needed once the retro is closed (by a form since, or anyone)."""
    retro_id = _metadata(view).get("retro")
    retro = retros.by_id(session, workspace_id=workspace_id, retro_id=retro_id if isinstance(retro_id, int) else 0)
    if retro.status == RetroStatus.CLOSED:
        return f"{retro.ref} is closed already: this form is no longer needed."
    return None


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    found = json.loads(view.get("private_metadata") or "{}")
    return found if isinstance(found, dict) else {}


def _retro(view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient) -> Retro:
    """The retro a form names (its metadata is the request's word), locked, if the person may see its channel."""
    retro_id = _metadata(view).get("retro")
    retro = retros.by_id(db(context), workspace_id=workspace(context).id,
                         retro_id=retro_id if isinstance(retro_id, int) else 0, for_update=True)  # fmt: skip
    # Named by its row id: refused in the words of a missing one (retros.by_id), its number unsaid.
    require_visible(context, client, retro.project, body["user"]["id"], ref=retros.BY_ID_UNSEEN, here=None)
    return retro


def _notes(view: dict[str, Any]) -> dict[str, list[str]]:
    return retros.read_notes({kind: text_of(view, render.FORM_BLOCKS[kind]) for kind in NoteKind})


def _notes_valid(view: dict[str, Any], _at: datetime) -> None:
    _notes(view)


def on_notes_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Keep the person's notes (private until the reveal) and thank them in their prompt DM."""
    retro = _retro(view, body, context, client)
    user = body["user"]["id"]
    retros.add_notes(db(context), retro, user_id=user, notes=_notes(view), now=now(context))
    mine = len(retros.own_notes(db(context), retro, user))
    notices.noted(db(context), retro, user, notes=mine, now=now(context))
    if _metadata(view).get("home"):  # opened from the Home tab: its "add your notes" is done
        refresh_home({"container": {"type": "view"}, "view": {"type": "home"}, "user": body["user"]}, context, client)
    ack()


def open_notes(client: WebClient, retro: Retro, user_id: str, *, trigger_id: str, from_home: bool = False) -> None:
    """Open the notes form for one of the people asked, while the retro collects notes (from the prompt's button,
    the Home tab or `/retro notes`)."""
    if retro.status != RetroStatus.COLLECTING:
        raise Conflict(f"{retro.ref} was revealed already: notes can no longer be added.",
                       hint=f"Vote on them in <#{retro.project.channel_id}>.")  # fmt: skip
    if retros.participant(retro, user_id) is None:
        raise PermissionDenied(f"You were not asked for notes in {retro.ref}.")
    client.views_open(trigger_id=trigger_id, view=render.notes_form(retro, from_home=from_home))


def open_close(context: BoltContext, client: WebClient, retro: Retro, user_id: str, *, trigger_id: str) -> None:
    """Open the close form (the starter or a lead, once the notes are revealed): the top notes by votes."""
    retros.require_may_run(retro, user_id, "close")
    retros.require_open_to_close(retro)
    client.views_open(trigger_id=trigger_id, view=render.close_form(retro, retros.top(db(context), retro)))


def _day(view: dict[str, Any], block: str) -> date | None:
    day = values_of(view).get(block, {}).get("selected_date")
    try:
        return date.fromisoformat(str(day)) if day else None
    except ValueError:
        raise InvalidInput("Pick the due date from the calendar.", field=block) from None


def _dues_ahead(view: dict[str, Any], at: datetime) -> None:
    """Refuse, before Slack closes the form, a due date past in every zone (the owner's own is checked on save)."""
    for block in values_of(view):
        if block.startswith(f"{Block.RETRO_DUE}_"):
            day = _day(view, block)
            if day is not None and calendar.surely_past(day, None, now=at):
                raise InvalidInput("That due date is in the past.", field=block)


def _picked(view: dict[str, Any], note: RetroNote) -> tuple[str | None, date | None]:
    owner = values_of(view).get(f"{Block.RETRO_OWNER}_{note.position}", {}).get("selected_user")
    return (str(owner) if owner else None), _day(view, f"{Block.RETRO_DUE}_{note.position}")


def on_close_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Close the retro: each top note given an owner becomes their action item (from this retro); the channel gets
    the summary and the board's voting ends."""
    retro = _retro(view, body, context, client)
    user, at, session = body["user"]["id"], now(context), db(context)
    retros.require_may_run(retro, user, "close")
    retros.require_open_to_close(retro)
    by_number = {n.position: n for n in retros.notes_of(session, retro)}
    chosen = [by_number[i] for i in _metadata(view).get("notes") or [] if isinstance(i, int) and i in by_number]
    plans = []
    for note in chosen:  # everything is checked before anything is made
        owner, day = _picked(view, note)
        due = None
        if owner is not None:
            person = member(context, client, owner)
            members.require_can_own(person, "own action items", field=f"{Block.RETRO_OWNER}_{note.position}")
            if day is not None:
                tz = members.zone_of(person, fallback=retro.project.time_zone)
                due = end_of_working_day(day, tz=tz, hours=working_hours(retro.project))
                if due <= at:
                    raise InvalidInput(f"The due date of `#{note.position}` is past.",
                                       field=f"{Block.RETRO_DUE}_{note.position}")  # fmt: skip
        plans.append((note, owner, due))
    kind = record_kind(context, "action")
    made: list[tuple[RetroNote, str | None, str | None]] = []
    for note, owner, due in plans:
        if owner is None:
            made.append((note, None, None))
            continue
        item = actions.create(session, project=retro.project, creator=user, owner=owner, title=note.text, due_at=due,
                              now=at, source=Source(SourceKind.RETRO, retro.id, retro.title))  # fmt: skip
        note.action_ref = item.ref
        if kind is not None:
            kind.notify(session, item, now=at)
        made.append((note, item.ref, owner))
    retros.close(retro, actor=user, now=at)
    notices.closed(session, retro, made, now=at)
    ack()
