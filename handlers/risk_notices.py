"""What follows from a change to a RAID entry: the channel card, and escalation once per rise."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from domain import risks
from handlers import outgoing
from handlers.render import risks as render
from storage.models import Risk


def card_key(risk: Risk) -> str:
    return f"risk:{risk.id}:card"


def created(session: Session, risk: Risk, *, now: datetime) -> None:
    """Post the entry's card in the channel, and escalate it if it is already over the threshold."""
    text, blocks = render.card(risk)
    outgoing.post(
        session,
        workspace_id=risk.workspace_id,
        key=card_key(risk),
        channel=risk.project.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )
    escalate_if_risen(session, risk, now=now)


def changed(session: Session, risk: Risk, *, now: datetime) -> None:
    """Refresh the card and escalate a rise to the threshold."""
    text, blocks = render.card(risk)
    outgoing.update(
        session,
        workspace_id=risk.workspace_id,
        key=f"{card_key(risk)}:r{risk.revision}",
        of_key=card_key(risk),
        conversation=risk.project.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )
    escalate_if_risen(session, risk, now=now)


def escalate_if_risen(session: Session, risk: Risk, *, now: datetime) -> None:
    """Post to the leads and the escalation channel when the score has risen to the threshold (once per rise)."""
    if risks.needs_escalation(risk):
        reason = f"{risk.ref} is at score {risk.score} ({risks.level(risk.score)})."
        send_escalation(session, risk, key=f"score-{risk.score}-r{risk.revision}", reason=reason, now=now)
        risks.mark_escalated(session, risk, now=now, reason=reason)


def send_escalation(session: Session, risk: Risk, *, key: str, reason: str, now: datetime) -> int:
    """Queue an escalation to each lead and the escalation channel; return how many recipients."""
    project = risk.project
    recipients = [*project.lead_user_ids, *([project.escalation_channel_id] if project.escalation_channel_id else [])]
    text, blocks = render.escalation(risk, reason=reason)
    for to in recipients:
        outgoing.post(
            session,
            workspace_id=risk.workspace_id,
            key=f"risk:{risk.id}:escalation:{key}:{to}",
            channel=to,
            text=text,
            blocks=blocks,
            now=now,
        )
    return len(recipients)
