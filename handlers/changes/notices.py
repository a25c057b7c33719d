"""What follows a change request's step: its card in the channel, the approvers' DMs, the requester told."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from domain import away, changes, outbox
from handlers import outgoing
from handlers.changes import keys, render
from storage.models import ChangeEventKind, ChangeRequest, ChangeStatus, Decision


def _decision_ref(session: Session, change: ChangeRequest) -> str | None:
    decision = session.get(Decision, change.decision_id) if change.decision_id else None
    return decision.ref if decision else None


def _post(
    session: Session, change: ChangeRequest, key: str, channel: str, message: tuple[str, Any], now: datetime
) -> None:
    text, blocks = message
    outgoing.post(session, workspace_id=change.workspace_id, key=key, channel=channel, text=text, blocks=blocks,
                  now=now)  # fmt: skip


def _update(
    session: Session,
    change: ChangeRequest,
    key: str,
    of_key: str,
    channel: str,
    message: tuple[str, Any],
    now: datetime,
) -> None:
    """Bring a message this outbox posted up to date (nothing if it was never posted)."""
    if outbox.find(session, workspace_id=change.workspace_id, key=of_key) is None:
        return
    text, blocks = message
    outgoing.update(session, workspace_id=change.workspace_id, key=key, of_key=of_key, conversation=channel,
                    text=text, blocks=blocks, now=now)  # fmt: skip


def raised(session: Session, change: ChangeRequest, *, now: datetime, answer: str = "") -> None:
    """A new request (or one sent again): its card in the channel, and each approver's DM with the buttons."""
    shifts = changes.shifts(session, change)
    card = render.card(change, shifts)
    if change.revision == 1:
        _post(session, change, keys.card(change.id), change.project.channel_id, card, now)
    else:
        _refresh_card(session, change, card, now)
    for approver in change.approver_ids:
        request = render.request(change, shifts, answer=answer)
        _post(session, change, keys.request(change.id, approver, change.revision), approver, request, now)
    for approver, stand_ins in _stand_ins(session, change, now=now).items():
        request = render.request(change, shifts, answer=answer, away=approver)
        for person in stand_ins:  # one DM for each approver they stand in for
            key = keys.request_for(change.id, approver, person, change.revision)
            _post(session, change, key, person, request, now)


def _stand_ins(session: Session, change: ChangeRequest, *, now: datetime) -> dict[str, list[str]]:
    """Each approver away, with whoever stands in for them (able to see the channel) and is not an approver already
    (noted for their return); nobody to stand in, it waits for them (noted as held)."""
    found: dict[str, list[str]] = {}
    approvers = [str(a) for a in change.approver_ids]
    for approver in approvers:
        to = away.stand_ins(session, workspace_id=change.workspace_id, user_id=approver, project=change.project,
                            now=now)  # fmt: skip
        if not to:
            away.hold(session, workspace_id=change.workspace_id, user_id=approver, ref=change.ref,
                      what="approval, waiting for you", now=now)  # fmt: skip
            continue
        others = [person for person in to if person not in approvers]
        if to != [approver] and others:
            found[approver] = others
            away.note_routed(session, workspace_id=change.workspace_id, user_id=approver, to=others, ref=change.ref,
                             what="approval", now=now)  # fmt: skip
    return found


def _refresh_card(session: Session, change: ChangeRequest, card: tuple[str, Any], now: datetime) -> None:
    key = keys.card_update(change.id, change.revision, change.status)
    _update(session, change, key, keys.card(change.id), change.project.channel_id, card, now)


def _closed(session: Session, change: ChangeRequest, *, now: datetime) -> list[changes.Shift]:
    """The card and every approver's DM of this revision say what happened; no button is left live."""
    shifts = changes.shifts(session, change)
    decision_ref = _decision_ref(session, change)
    _refresh_card(session, change, render.card(change, shifts, decision_ref=decision_ref), now)
    closed = render.request_closed(change, shifts, decision_ref=decision_ref)
    for approver in map(str, change.approver_ids):
        of_key = keys.request(change.id, approver, change.revision)
        key = keys.request_update(change.id, approver, change.revision, change.status)
        _update(session, change, key, of_key, approver, closed, now)
    for approver, person in away.stood_in_for(session, workspace_id=change.workspace_id, ref=change.ref):
        of_key = keys.request_for(change.id, approver, person, change.revision)
        key = keys.request_for_update(change.id, approver, person, change.revision, change.status)
        _update(session, change, key, of_key, person, closed, now)
    return shifts


def decided(session: Session, change: ChangeRequest, *, now: datetime) -> None:
    """Approved or rejected: the card and DMs updated, a notice in the channel, the requester told (and a question
    they were still to answer loses its Answer button)."""
    shifts = _closed(session, change, now=now)
    _settle_question(session, change, revision=change.revision, now=now)
    decision_ref = _decision_ref(session, change)
    notice = render.result(change, shifts, decision_ref=decision_ref)
    _post(session, change, keys.result(change.id, change.status), change.project.channel_id, notice, now)
    told = render.told(change, shifts, decision_ref=decision_ref)
    _post(session, change, keys.told(change.id, change.status), change.requester_id, told, now)


def asked(session: Session, change: ChangeRequest, *, now: datetime) -> None:
    """Sent back for more: the card and DMs say so, and the requester gets the question with an Answer button."""
    _closed(session, change, now=now)
    asker, question = _question(session, change)
    message = render.asked(change, asker=asker, question=question)
    _post(session, change, keys.asked(change.id, change.revision), change.requester_id, message, now)


def updated(session: Session, change: ChangeRequest, *, now: datetime, answer: str, before: Sequence[str] = ()) -> None:
    """The requester answered: their question's DM loses its button, the previous revision's requests (sent to
    `before`, its approvers) keep none either, and the approvers are asked again."""
    previous = change.revision - 1
    _settle_question(session, change, revision=previous, now=now)
    superseded = render.request_superseded(change)
    for approver in before:
        closed = keys.request_update(change.id, approver, previous, ChangeStatus.MORE_INFO)
        if outbox.find(session, workspace_id=change.workspace_id, key=closed) is not None:
            continue  # already closed when the question was asked
        of_key = keys.request(change.id, approver, previous)
        key = keys.request_update(change.id, approver, previous, "superseded")
        _update(session, change, key, of_key, approver, superseded, now)
    for approver, person in away.stood_in_for(session, workspace_id=change.workspace_id, ref=change.ref):
        closed = keys.request_for_update(change.id, approver, person, previous, ChangeStatus.MORE_INFO)
        if outbox.find(session, workspace_id=change.workspace_id, key=closed) is not None:
            continue
        of_key = keys.request_for(change.id, approver, person, previous)
        key = keys.request_for_update(change.id, approver, person, previous, "superseded")
        _update(session, change, key, of_key, person, superseded, now)
    raised(session, change, now=now, answer=answer)


def withdrawn(session: Session, change: ChangeRequest, *, now: datetime) -> None:
    """The requester took it back: the card and DMs say so, and an open question's Answer button goes."""
    _closed(session, change, now=now)
    _settle_question(session, change, revision=change.revision, now=now)


def _settle_question(session: Session, change: ChangeRequest, *, revision: int, now: datetime) -> None:
    of_key = keys.asked(change.id, revision)
    if outbox.find(session, workspace_id=change.workspace_id, key=of_key) is None:
        return
    asker, question = _question(session, change)
    message = render.asked(change, asker=asker, question=question, answered=True)
    _update(session, change, keys.asked_update(change.id, revision), of_key, change.requester_id, message, now)


def _question(session: Session, change: ChangeRequest) -> tuple[str | None, str]:
    """Who asked for more last, and what."""
    for event in reversed(changes.history(session, change)):
        if event.kind == ChangeEventKind.ASKED:
            return event.actor_id, event.note
    return None, change.note
