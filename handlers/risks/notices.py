"""What follows from a change to a RAID entry: the channel card, and escalation once per rise."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from domain import escalations, risks
from handlers import outgoing
from handlers.escalations import jobs as escalation_jobs
from handlers.risks import keys, render
from storage.models import Risk


def created(session: Session, risk: Risk, *, now: datetime) -> None:
    """Post the entry's card in the channel, and escalate it if it is already over the threshold."""
    text, blocks = render.card(risk)
    outgoing.post(
        session,
        workspace_id=risk.workspace_id,
        key=keys.card(risk.id),
        channel=risk.project.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )
    escalate_if_risen(session, risk, now=now, author=risk.creator_id)


def changed(session: Session, risk: Risk, *, now: datetime) -> None:
    """Refresh the card and escalate a rise to the threshold."""
    text, blocks = render.card(risk)
    outgoing.update(
        session,
        workspace_id=risk.workspace_id,
        key=keys.card_update(risk.id, risk.revision),
        of_key=keys.card(risk.id),
        conversation=risk.project.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )
    escalate_if_risen(session, risk, now=now)


def escalate_if_risen(session: Session, risk: Risk, *, now: datetime, author: str | None = None) -> None:
    """Escalate a rise of the score to the threshold (once per rise), sent at once where it is due now.

    The `author` of a fresh entry is not told about it: she knows.
    """
    if risks.needs_escalation(risk):
        reason = f"score {risk.score} ({risks.level(risk.score)})"
        fresh = frozenset({author}) if author else frozenset()
        cause = keys.score_rise(risk.score, risk.revision)
        sent_to = send_escalation(session, risk, cause=cause, reason=reason, now=now, exclude=fresh)
        risks.mark_escalated(session, risk, now=now, reason=f"{risk.ref} is at {reason}.")
        escalation_jobs.flush(session, now=now, workspace_id=risk.workspace_id, to=frozenset(sent_to))


def send_escalation(
    session: Session,
    risk: Risk,
    *,
    cause: keys.Cause,
    reason: str,
    now: datetime,
    exclude: frozenset[str] = frozenset(),
) -> list[str]:
    """Note an escalation for each lead (in their working hours) and the escalation channel; return who."""
    recipients = escalations.recipients(session, risk.project, now=now, exclude=exclude)
    note = escalations.Note(risk.project_id, "risk", risk.id, reason)
    for to, at in recipients:
        message = escalations.held(keys.escalation(risk.id, cause, to), to=to, note=note, not_before=at)
        escalations.hold(session, workspace_id=risk.workspace_id, message=message, now=now)
    return [to for to, _ in recipients]
