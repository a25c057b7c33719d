"""Forget a person (`/pm forget @user`): their personal data goes, the team's records stay without them.

- Deleted: their cached profile and channel memberships, stand-up answers, time away, digest subscription,
  meeting notes they wrote, and every message pmbot sent or meant to send them directly.
- Handed to a successor (the admin who asked, unless they name someone): what is still open and theirs:
  action items, risks and issues, blockers, decisions awaiting their approval.
- Anonymised: their name on history and on closed records becomes FORMER_MEMBER ("a former member"), and
  they leave leads, stand-up participants, deciders, attendees and invitees.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import String, cast, delete, select, update
from sqlalchemy.orm import Session

from domain.text import FORMER_MEMBER, user_mention
from storage.models import (
    ActionEvent,
    ActionItem,
    ActionStatus,
    Away,
    Blocker,
    BlockerStatus,
    ChannelMember,
    Decision,
    DecisionRevision,
    DecisionStatus,
    DigestSubscription,
    FormDraft,
    Meeting,
    MeetingSeries,
    Member,
    OutboxMessage,
    Project,
    Risk,
    RiskEvent,
    RiskStatus,
    Standup,
    StandupAnswer,
)


def forget(session: Session, *, workspace_id: int, user_id: str, successor: str) -> Counter[str]:
    """Remove `user_id`'s personal data from the workspace; return what was deleted, handed over or anonymised."""
    done: Counter[str] = Counter()

    def run(kind: str, statement: Any) -> None:
        result = session.execute(statement.execution_options(synchronize_session=False))
        done[kind] += int(result.rowcount)  # type: ignore[attr-defined]

    projects = select(Project.id).where(Project.workspace_id == workspace_id).scalar_subquery()
    standups = select(Standup.id).where(Standup.workspace_id == workspace_id).scalar_subquery()
    actions = select(ActionItem.id).where(ActionItem.workspace_id == workspace_id).scalar_subquery()
    risks = select(Risk.id).where(Risk.workspace_id == workspace_id).scalar_subquery()
    decisions = select(Decision.id).where(Decision.workspace_id == workspace_id).scalar_subquery()

    # Deleted: what is about them.
    run("profile", delete(Member).where(Member.workspace_id == workspace_id, Member.user_id == user_id))
    run("stand-up answers", delete(StandupAnswer).where(StandupAnswer.standup_id.in_(standups),
                                                        StandupAnswer.user_id == user_id))  # fmt: skip
    run("time away", delete(Away).where(Away.workspace_id == workspace_id, Away.user_id == user_id))
    run("channel memberships", delete(ChannelMember).where(ChannelMember.workspace_id == workspace_id,
                                                          ChannelMember.user_id == user_id))  # fmt: skip
    run("digest subscription", delete(DigestSubscription).where(DigestSubscription.workspace_id == workspace_id,
                                                                DigestSubscription.user_id == user_id))  # fmt: skip
    run("kept forms", delete(FormDraft).where(FormDraft.workspace_id == workspace_id, FormDraft.user_id == user_id))
    run("direct messages", delete(OutboxMessage).where(OutboxMessage.workspace_id == workspace_id,
                                                       OutboxMessage.channel == user_id))  # fmt: skip

    # Handed over: what is still open and theirs.
    item, risk, blocker = ActionItem, Risk, Blocker
    run("open actions handed over", update(item).where(item.workspace_id == workspace_id, item.owner_id == user_id,
                                                       item.status == ActionStatus.OPEN)
        .values(owner_id=successor))  # fmt: skip
    run("open risks handed over", update(risk).where(risk.workspace_id == workspace_id, risk.owner_id == user_id,
                                                     risk.status == RiskStatus.OPEN)
        .values(owner_id=successor))  # fmt: skip
    run("open blockers handed over", update(blocker).where(blocker.workspace_id == workspace_id,
                                                           blocker.owner_id == user_id,
                                                           blocker.status == BlockerStatus.OPEN)
        .values(owner_id=successor))  # fmt: skip
    run("approvals handed over", update(Decision).where(Decision.workspace_id == workspace_id,
                                                        Decision.approver_id == user_id,
                                                        Decision.status == DecisionStatus.PROPOSED)
        .values(approver_id=successor))  # fmt: skip

    # Anonymised: their name on the record.
    anonymise = [
        (ActionItem, ActionItem.workspace_id == workspace_id, ("owner_id", "creator_id", "completed_by")),
        (ActionEvent, ActionEvent.action_id.in_(actions), ("actor_id",)),
        (Risk, Risk.workspace_id == workspace_id, ("owner_id", "creator_id")),
        (RiskEvent, RiskEvent.risk_id.in_(risks), ("actor_id",)),
        (Decision, Decision.workspace_id == workspace_id, ("creator_id", "approver_id")),
        (DecisionRevision, DecisionRevision.decision_id.in_(decisions), ("author_id",)),
        (Blocker, Blocker.workspace_id == workspace_id, ("owner_id", "resolved_by")),
        (Meeting, Meeting.workspace_id == workspace_id, ("started_by",)),
        (MeetingSeries, MeetingSeries.project_id.in_(projects), ("created_by",)),
    ]
    for model, scope, columns in anonymise:
        for name in columns:
            column = getattr(model, name)
            run("anonymised", update(model).where(scope, column == user_id).values({name: FORMER_MEMBER}))

    # Lists of people: they leave them (their meeting notes go too).
    for project in session.scalars(select(Project).where(Project.workspace_id == workspace_id)):
        done["lists left"] += _leave(project, "lead_user_ids", user_id)
    for standup in session.scalars(select(Standup).where(Standup.workspace_id == workspace_id)):
        done["lists left"] += _leave(standup, "participants", user_id)
    for decision in session.scalars(select(Decision).where(Decision.workspace_id == workspace_id)):
        done["lists left"] += _leave(decision, "decided_by", user_id)
    for meeting in session.scalars(select(Meeting).where(Meeting.workspace_id == workspace_id)):
        done["lists left"] += _leave(meeting, "attendees", user_id) + _leave(meeting, "invited", user_id)
        notes = [n for n in meeting.notes if n.get("user") != user_id]
        if len(notes) != len(meeting.notes):
            done["meeting notes"] += len(meeting.notes) - len(notes)
            meeting.notes = notes
    # Their id inside recorded details and in the copies of what pmbot posted.
    scrub = [
        (ActionEvent.detail, ActionEvent.action_id.in_(actions)),
        (RiskEvent.detail, RiskEvent.risk_id.in_(risks)),
        (OutboxMessage.payload, OutboxMessage.workspace_id == workspace_id),
    ]
    for column, scope in scrub:
        holder = column.class_
        for record in session.scalars(select(holder).where(scope, cast(column, String).contains(user_id))):
            setattr(record, column.key, _scrubbed(getattr(record, column.key), user_id))
            done["records scrubbed"] += 1
    return Counter({kind: n for kind, n in done.items() if n})


def _scrubbed(value: Any, user_id: str) -> Any:
    """`value` (JSON data) with every mention of the user, and their bare id, replaced."""
    if isinstance(value, dict):
        return {k: _scrubbed(v, user_id) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v, user_id) for v in value]
    if isinstance(value, str):
        return value.replace(f"<@{user_id}>", user_mention(FORMER_MEMBER)).replace(user_id, FORMER_MEMBER)
    return value


def _leave(record: Any, field: str, user_id: str) -> int:
    people = list(getattr(record, field) or [])
    if user_id not in people:
        return 0
    setattr(record, field, [p for p in people if p != user_id])
    return 1
