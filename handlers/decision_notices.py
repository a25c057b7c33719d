"""What follows from a decision: the channel card, the approval DM, the announcement, the stakeholder broadcast."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from handlers import outgoing
from handlers.render import decisions as render
from storage.models import Decision


def _post(session: Session, decision: Decision, key: str, channel: str, now: datetime, **links: str | None) -> None:
    text, blocks = render.card(decision, **links)
    outgoing.post(
        session,
        workspace_id=decision.workspace_id,
        key=f"decision:{decision.id}:{key}",
        channel=channel,
        text=text,
        blocks=blocks,
        now=now,
    )


def recorded(session: Session, decision: Decision, *, now: datetime, supersedes: str | None = None) -> None:
    """Post it in the channel, ask the approver if it is proposed, broadcast it if it is decided."""
    _post(session, decision, "card", decision.project.channel_id, now, supersedes=supersedes)
    if decision.status == "proposed" and decision.approver_id:
        text, blocks = render.approval_request(decision)
        outgoing.post(
            session,
            workspace_id=decision.workspace_id,
            key=f"decision:{decision.id}:approval",
            channel=decision.approver_id,
            text=text,
            blocks=blocks,
            now=now,
        )
    if decision.status == "approved":
        broadcast(session, decision, now=now)


def revised(session: Session, decision: Decision, *, now: datetime, superseded_by: str | None = None) -> None:
    """Refresh the decision's card in the channel to its latest revision and status."""
    text, blocks = render.card(decision, superseded_by=superseded_by)
    outgoing.update(
        session,
        workspace_id=decision.workspace_id,
        key=f"decision:{decision.id}:card:r{decision.revision}",
        of_key=f"decision:{decision.id}:card",
        conversation=decision.project.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )


def decided(session: Session, decision: Decision, *, now: datetime) -> None:
    """Announce the approver's answer in the channel, and broadcast an approval."""
    revised(session, decision, now=now)
    _post(session, decision, f"result-{decision.status}", decision.project.channel_id, now)
    if decision.status == "approved":
        broadcast(session, decision, now=now)


def broadcast(session: Session, decision: Decision, *, now: datetime) -> None:
    """Post a new or approved decision to the project's stakeholder channel, if it has one (once per decision)."""
    channel = (decision.project.settings or {}).get("stakeholder_channel")
    if channel:
        _post(session, decision, "broadcast", str(channel), now)
