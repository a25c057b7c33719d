"""What follows from a change to an action item: the channel card, DMs, and stopping reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from domain import outbox
from handlers import outgoing
from handlers.actions import keys, render
from handlers.actions.keys import Pending
from storage.models import ActionEvent, ActionItem

CONFIRM_EPHEMERAL = "ephemeral"


def posts_card(item: ActionItem) -> bool:
    """Return whether the project shows confirmations in the channel (the default) rather than ephemerally."""
    return (item.project.settings or {}).get("action_confirmation") != CONFIRM_EPHEMERAL


def created(session: Session, item: ActionItem, *, now: datetime, answered: bool = False) -> None:
    """Post the card in the channel (or show it to the creator alone, unless `answered` already did), and tell
    the owner, unless they made it themselves."""
    text, blocks = render.card(item, now=now)
    if posts_card(item):
        outgoing.post(
            session,
            workspace_id=item.workspace_id,
            key=keys.card(item.id),
            channel=item.project.channel_id,
            text=text,
            blocks=blocks,
            now=now,
        )
    elif not answered:
        outgoing.ephemeral(
            session,
            workspace_id=item.workspace_id,
            key=keys.card_ephemeral(item.id),
            channel=item.project.channel_id,
            user=item.creator_id,
            text=text,
            blocks=blocks,
            now=now,
        )
    if item.owner_id != item.creator_id:
        tell_owner(session, item, by=item.creator_id, now=now)


def tell_owner(session: Session, item: ActionItem, *, by: str, now: datetime) -> None:
    """DM the (new) owner with Accept and Done."""
    text, blocks = render.assigned(item, by=by)
    key = keys.assigned(item.id, item.owner_id, item.revision)
    outgoing.post(
        session, workspace_id=item.workspace_id, key=key, channel=item.owner_id, text=text, blocks=blocks, now=now
    )


def changed(
    session: Session,
    item: ActionItem,
    event: ActionEvent,
    *,
    now: datetime,
    clicked: tuple[str, str] | None = None,
) -> None:
    """Refresh the card (and the message whose button was clicked); notify and stop reminders as the change needs."""
    text, blocks = render.card(item, now=now)
    if posts_card(item):
        outgoing.update(
            session,
            workspace_id=item.workspace_id,
            key=keys.card_update(item.id, item.revision),
            of_key=keys.card(item.id),
            conversation=item.project.channel_id,
            text=text,
            blocks=blocks,
            now=now,
        )
    if clicked is not None:
        channel, ts = clicked
        outgoing.update(
            session,
            workspace_id=item.workspace_id,
            key=keys.clicked_message(item.id, channel, ts, item.revision),
            channel=channel,
            ts=ts,
            text=text,
            blocks=blocks,
            now=now,
        )
    if event.kind in ("done", "deleted", "withdrawn"):
        stop_reminders(session, item, kinds=(Pending.REMINDERS, Pending.ESCALATIONS))
    elif event.kind in ("snoozed", "reassigned"):
        stop_reminders(session, item, kinds=(Pending.REMINDERS,))
    if event.kind == "done" and item.completed_by != item.creator_id:
        text, blocks = render.completed_notice(item)
        outgoing.post(
            session,
            workspace_id=item.workspace_id,
            key=keys.done_notice(item.id, item.revision),
            channel=item.creator_id,
            text=text,
            blocks=blocks,
            now=now,
        )
    refresh_owner_dms(session, item, now=now, clicked=clicked)
    if event.kind == "reassigned" and item.owner_id != event.actor_id:
        tell_owner(session, item, by=event.actor_id, now=now)


def refresh_owner_dms(session: Session, item: ActionItem, *, now: datetime, clicked: tuple[str, str] | None) -> None:
    """Bring every "new action item for you" DM up to date: a former owner's and a closed item's lose their buttons."""
    for dm in outbox.posts_under(session, workspace_id=item.workspace_id, key_prefix=keys.assigned_prefix(item.id)):
        if clicked is not None and (dm.result_channel, dm.result_ts) == clicked:
            continue  # the message clicked is updated already
        owner = dm.channel
        text, blocks = render.assigned_now(item, owner)
        outgoing.update(
            session,
            workspace_id=item.workspace_id,
            key=keys.assigned_update(dm.key, item.revision),
            of_key=dm.key,
            conversation=owner,
            text=text,
            blocks=blocks,
            now=now,
        )


def stop_reminders(session: Session, item: ActionItem, *, kinds: tuple[Pending, ...]) -> None:
    """Drop reminders (and escalations) still waiting to be sent: completing an item stops all of it."""
    outbox.cancel_pending(session, workspace_id=item.workspace_id, prefixes=keys.pending(item.id, kinds))
