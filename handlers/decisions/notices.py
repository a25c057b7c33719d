"""What follows from a decision: the channel card, the approval DM, the announcement, the stakeholder broadcast."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from domain import away, outbox
from handlers import outgoing
from handlers.decisions import keys, render
from storage.models import Decision, DecisionStatus


def _post(session: Session, decision: Decision, key: str, channel: str, now: datetime, **links: str | None) -> None:
    text, blocks = render.card(decision, **links)
    outgoing.post(
        session,
        workspace_id=decision.workspace_id,
        key=key,
        channel=channel,
        text=text,
        blocks=blocks,
        now=now,
    )


def recorded(session: Session, decision: Decision, *, now: datetime, supersedes: str | None = None) -> None:
    """Post it in the channel, ask the approver if it is proposed, broadcast it if it is decided."""
    _post(session, decision, keys.card(decision.id), decision.project.channel_id, now, supersedes=supersedes)
    if decision.status == DecisionStatus.PROPOSED and decision.approver_id:
        text, blocks = render.approval_request(decision)
        outgoing.post(
            session,
            workspace_id=decision.workspace_id,
            key=keys.approval(decision.id),
            channel=decision.approver_id,
            text=text,
            blocks=blocks,
            now=now,
        )
        _to_stand_ins(session, decision, now=now)
    if decision.status == DecisionStatus.APPROVED:
        broadcast(session, decision, now=now)


def _to_stand_ins(session: Session, decision: Decision, *, now: datetime) -> None:
    """An approver away: their delegate (else the leads) gets the request too, and may answer it for them; only
    someone who can see the project's channel (nobody such: it is held for the approver)."""
    assert decision.approver_id is not None
    ws, approver = decision.workspace_id, decision.approver_id
    to = away.stand_ins(session, workspace_id=ws, user_id=approver, project=decision.project, now=now)
    if to == [approver]:
        return
    if not to:  # nobody who can see the channel stands in: it waits in the approver's DM, noted for their return
        away.hold(session, workspace_id=ws, user_id=approver, ref=decision.ref, what="approval, waiting for you",
                  now=now)  # fmt: skip
        return
    text, blocks = render.approval_request(decision, away=approver)
    for person in to:
        outgoing.post(session, workspace_id=ws, key=keys.approval_for(decision.id, person), channel=person,
                      text=text, blocks=blocks, now=now)  # fmt: skip
    away.note_routed(session, workspace_id=ws, user_id=approver, to=to, ref=decision.ref,
                     what="approval", now=now)  # fmt: skip


def _close_stand_ins(session: Session, decision: Decision, result: tuple[str, Any], *, now: datetime) -> None:
    """The requests sent to the approver's stand-ins lose their buttons and say who decided (the approver back,
    or a stand-in for them)."""
    ws = decision.workspace_id
    text, blocks = result
    for person in away.stood_in(session, workspace_id=ws, ref=decision.ref):
        of_key = keys.approval_for(decision.id, person)
        if outbox.find(session, workspace_id=ws, key=of_key) is None:
            continue  # a stand-in for another record of that name, or for its nudges alone
        outgoing.update(session, workspace_id=ws, key=keys.approval_for_closed(decision.id, person, decision.status),
                        of_key=of_key, conversation=person, text=text, blocks=blocks, now=now)  # fmt: skip


def revised(session: Session, decision: Decision, *, now: datetime, superseded_by: str | None = None) -> None:
    """Refresh the decision's card in the channel, and its stakeholders' copy, to its latest revision and status.

    A revision of a decision the stakeholders were told of is announced to them again; a supersession is announced
    by the new decision's copy (which says what it supersedes).
    """
    supersedes = _ref(session, decision.supersedes_id)
    text, blocks = render.card(decision, supersedes=supersedes, superseded_by=superseded_by)
    outgoing.update(
        session,
        workspace_id=decision.workspace_id,
        key=keys.card_update(decision.id, decision.revision),
        of_key=keys.card(decision.id),
        conversation=decision.project.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )
    channel = _stakeholders(decision)
    copy = keys.broadcast(decision.id)
    if channel is None or outbox.find(session, workspace_id=decision.workspace_id, key=copy) is None:
        return
    outgoing.update(
        session,
        workspace_id=decision.workspace_id,
        key=keys.broadcast_update(decision.id, decision.revision),
        of_key=copy,
        conversation=channel,
        text=text,
        blocks=blocks,
        now=now,
    )
    if decision.status != DecisionStatus.SUPERSEDED:
        text, blocks = render.revised(decision, supersedes=supersedes)
        outgoing.post(
            session,
            workspace_id=decision.workspace_id,
            key=keys.announcement(decision.id, decision.revision),
            channel=channel,
            text=text,
            blocks=blocks,
            now=now,
        )


def decided(session: Session, decision: Decision, *, now: datetime, acted_by: str | None = None) -> None:
    """Announce the approver's answer in the channel, saying who gave it (`acted_by`: their stand-in), and
    broadcast an approval."""
    revised(session, decision, now=now)
    text, blocks = render.result(decision, supersedes=_ref(session, decision.supersedes_id), acted_by=acted_by)
    _close_stand_ins(session, decision, (text, blocks), now=now)
    outgoing.post(
        session,
        workspace_id=decision.workspace_id,
        key=keys.result(decision.id, decision.status),
        channel=decision.project.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )
    if decision.status == DecisionStatus.APPROVED:
        broadcast(session, decision, now=now)


def broadcast(session: Session, decision: Decision, *, now: datetime) -> None:
    """Post a new or approved decision to the project's stakeholder channel, if it has one (once per decision)."""
    channel = _stakeholders(decision)
    if channel is None:
        return
    supersedes = _ref(session, decision.supersedes_id)
    text, blocks = (
        render.result(decision, supersedes=supersedes)
        if decision.approver_id
        else render.card(decision, supersedes=supersedes)
    )
    outgoing.post(
        session,
        workspace_id=decision.workspace_id,
        key=keys.broadcast(decision.id),
        channel=channel,
        text=text,
        blocks=blocks,
        now=now,
    )


def _stakeholders(decision: Decision) -> str | None:
    channel = (decision.project.settings or {}).get("stakeholder_channel")
    return str(channel) if channel else None


def _ref(session: Session, decision_id: int | None) -> str | None:
    other = session.get(Decision, decision_id) if decision_id else None
    return other.ref if other else None
