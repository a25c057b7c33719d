"""What follows a retro's changes: the start in the channel, each person's prompt (and its updates), the board
posted at the reveal and kept true after every vote, the close's summary, and ephemeral answers to clicks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from domain import outbox, retros
from domain.outbox import Outgoing
from handlers import outgoing
from handlers.render.split import fit
from handlers.retros import keys, render
from storage.models.retros import Retro, RetroNote, RetroParticipant


def started(session: Session, retro: Retro, *, now: datetime) -> None:
    """Tell the channel the retro started, who is asked and when the notes are revealed."""
    text, blocks = render.started(retro)
    outgoing.post(session, workspace_id=retro.workspace_id, key=keys.started(retro.id),
                  channel=retro.project.channel_id, text=text, blocks=blocks, now=now)  # fmt: skip


def prompt(session: Session, retro: Retro, person: RetroParticipant, *, now: datetime) -> bool:
    """Ask one participant for notes in their DM (once); return whether it was queued now."""
    text, blocks = render.prompt(retro)
    person.prompted_at = now
    return outgoing.post(session, workspace_id=retro.workspace_id, key=keys.prompt(retro.id, person.user_id),
                         channel=person.user_id, text=text, blocks=blocks, now=now)  # fmt: skip


def reminders(session: Session, due: Sequence[tuple[Retro, RetroParticipant]], *, now: datetime) -> int:
    """Remind each of these participants once (a later tick finds the key queued); return how many were new."""
    messages = []
    for retro, person in due:
        text, blocks = render.reminder(retro)
        payload = {"channel": person.user_id, "text": text, "blocks": blocks, "unfurl_links": False}
        key = keys.reminder(retro.id, person.user_id)
        messages.append((retro.workspace_id, Outgoing(key, "chat.postMessage", person.user_id, payload, now)))
    return outbox.enqueue_many(session, messages, now=now)


def _update_prompt(session: Session, retro: Retro, user_id: str, *, step: str, notes: int, now: datetime) -> int:
    """Bring the person's prompt, and their reminder if they had one, up to date (both say the same then); return
    how many updates were queued."""
    text, blocks = render.prompt(retro, notes=notes)
    sent = (
        (keys.prompt(retro.id, user_id), keys.prompt_update(retro.id, user_id, step)),
        (keys.reminder(retro.id, user_id), keys.reminder_update(retro.id, user_id, step)),
    )
    count = 0
    for of_key, key in sent:
        if outbox.find(session, workspace_id=retro.workspace_id, key=of_key) is None:
            continue
        count += outgoing.update(session, workspace_id=retro.workspace_id, key=key, of_key=of_key,
                                 conversation=user_id, text=text, blocks=blocks, now=now)  # fmt: skip
    return count


def noted(session: Session, retro: Retro, user_id: str, *, notes: int, now: datetime) -> None:
    """Thank the person in their prompt DM, which still lets them add more."""
    _update_prompt(session, retro, user_id, step=f"n{notes}", notes=notes, now=now)


def revealed(session: Session, retro: Retro, *, now: datetime) -> int:
    """Post the board in the channel (in parts when long) and point each prompt DM to it; return how many."""
    notes = retros.notes_of(session, retro)
    text, blocks = render.board(retro, notes, {})
    count = outgoing.post_in_parts(session, workspace_id=retro.workspace_id, key=keys.board(retro.id),
                                   channel=retro.project.channel_id, text=text, blocks=blocks, now=now)  # fmt: skip
    for person in retro.participants:
        if person.prompted_at is not None:
            count += _update_prompt(session, retro, person.user_id, step="revealed", notes=0, now=now)
    return count


def board_changed(session: Session, retro: Retro, *, now: datetime, notes: Sequence[RetroNote] | None = None) -> None:
    """Bring every part of the board up to the votes (or the close), under the retro's new revision."""
    notes = retros.notes_of(session, retro) if notes is None else notes
    text, blocks = render.board(retro, notes, retros.votes_of(session, retro))
    for number, part in enumerate(fit(blocks), start=1):
        of_key = keys.board(retro.id) if number == 1 else outgoing.part_key(keys.board(retro.id), number)
        key = keys.board_update(retro.id, retro.revision)
        key = key if number == 1 else outgoing.part_key(key, number)
        outgoing.update(session, workspace_id=retro.workspace_id, key=key, of_key=of_key,
                        conversation=retro.project.channel_id, text=text, blocks=part, now=now)  # fmt: skip


def closed(
    session: Session, retro: Retro, made: Sequence[tuple[RetroNote, str | None, str | None]], *, now: datetime
) -> None:
    """Post the close's summary in the channel and end the board's voting."""
    text, blocks = render.summary(retro, made)
    outgoing.post(session, workspace_id=retro.workspace_id, key=keys.summary(retro.id),
                  channel=retro.project.channel_id, text=text, blocks=blocks, now=now)  # fmt: skip
    board_changed(session, retro, now=now)


def tell(
    session: Session,
    retro: Retro,
    *,
    user_id: str,
    channel: str,
    click: str,
    text: str,
    blocks: list[dict[str, Any]],
    now: datetime,
) -> None:
    """An answer only the person who clicked sees, where they clicked (`click` tells one click from another)."""
    outgoing.ephemeral(session, workspace_id=retro.workspace_id, key=keys.told(retro.id, user_id, click),
                       channel=channel, user=user_id, text=text, blocks=blocks, now=now)  # fmt: skip
