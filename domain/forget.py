"""Forget a person (`/pm forget @user`): their personal data goes, the team's records stay without them.

- Deleted: their cached profile and channel memberships, stand-up answers, time away, their delegation (and
  others' naming them) and what was noted while they were away, their retro votes, digest subscription,
  meeting notes they wrote, and every message pmbot sent or meant to send them directly.
- Handed to a successor (the admin who asked, unless they name someone): what is still open and theirs:
  action items, risks and issues, blockers, milestones, decisions and change requests awaiting their approval.
- Anonymised: their name on history, on closed records and on their retro notes becomes FORMER_MEMBER ("a former
  member"), and they leave leads, stand-up participants, deciders, attendees and invitees.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import String, cast, delete, select, update
from sqlalchemy.orm import Session

from domain import away, outbox, retros
from domain import golive as golives
from domain.changes import OPEN as OPEN_CHANGES
from domain.changes import SETTING as APPROVERS
from domain.text import FORMER_MEMBER, user_mention
from storage.models import (
    ActionEvent,
    ActionItem,
    ActionStatus,
    Away,
    Blocker,
    BlockerStatus,
    ChangeEvent,
    ChangeRequest,
    ChannelMember,
    Decision,
    DecisionRevision,
    DecisionStatus,
    DigestSubscription,
    FormDraft,
    Lesson,
    Meeting,
    MeetingSeries,
    Member,
    Milestone,
    MilestoneDependency,
    MilestoneEvent,
    MilestoneLink,
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
    milestones = select(Milestone.id).where(Milestone.workspace_id == workspace_id).scalar_subquery()
    changes = select(ChangeRequest.id).where(ChangeRequest.workspace_id == workspace_id).scalar_subquery()

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
    outbox.forget_pace(session, workspace_id=workspace_id, channel=user_id)  # a DM's pace is named by the person
    done["delegation and time away notes"] += away.forget(session, workspace_id=workspace_id, user_id=user_id)
    done["retro votes and notes"] += retros.forget(session, workspace_id=workspace_id, user_id=user_id)
    done["go-lives"] += golives.forget(session, workspace_id=workspace_id, user_id=user_id, successor=successor)

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
    run("open milestones handed over", update(Milestone).where(Milestone.workspace_id == workspace_id,
                                                               Milestone.owner_id == user_id,
                                                               Milestone.done_at.is_(None))
        .values(owner_id=successor))  # fmt: skip

    # Anonymised: their name on the record.
    anonymise = [
        (ActionItem, ActionItem.workspace_id == workspace_id, ("owner_id", "creator_id", "completed_by")),
        (ActionEvent, ActionEvent.action_id.in_(actions), ("actor_id",)),
        (Risk, Risk.workspace_id == workspace_id, ("owner_id", "creator_id")),
        (RiskEvent, RiskEvent.risk_id.in_(risks), ("actor_id",)),
        (Decision, Decision.workspace_id == workspace_id, ("creator_id", "approver_id")),
        (DecisionRevision, DecisionRevision.decision_id.in_(decisions), ("author_id", "for_user_id")),
        (Blocker, Blocker.workspace_id == workspace_id, ("owner_id", "resolved_by")),
        (Meeting, Meeting.workspace_id == workspace_id, ("started_by",)),
        (MeetingSeries, MeetingSeries.project_id.in_(projects), ("created_by",)),
        (Milestone, Milestone.workspace_id == workspace_id, ("owner_id", "creator_id")),
        (MilestoneEvent, MilestoneEvent.milestone_id.in_(milestones), ("actor_id",)),
        (MilestoneLink, MilestoneLink.milestone_id.in_(milestones), ("created_by",)),
        (MilestoneDependency, MilestoneDependency.milestone_id.in_(milestones), ("created_by",)),
        (ChangeRequest, ChangeRequest.workspace_id == workspace_id, ("requester_id", "decided_by")),
        (ChangeEvent, ChangeEvent.change_id.in_(changes), ("actor_id", "for_user_id")),
        (Lesson, Lesson.workspace_id == workspace_id, ("author_id",)),
    ]
    for model, scope, columns in anonymise:
        for name in columns:
            column = getattr(model, name)
            run("anonymised", update(model).where(scope, column == user_id).values({name: FORMER_MEMBER}))

    # Lists of people: they leave them (their meeting notes go too).
    for project in session.scalars(select(Project).where(Project.workspace_id == workspace_id)):
        done["lists left"] += _leave(project, "lead_user_ids", user_id) + _leave_approvers(project, user_id)
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
    for change in session.scalars(select(ChangeRequest).where(ChangeRequest.workspace_id == workspace_id)):
        done["approvals handed over" if change.status in OPEN_CHANGES else "anonymised"] += _replace(
            change, "approver_ids", user_id, successor if change.status in OPEN_CHANGES else FORMER_MEMBER
        )
    # Their id inside recorded details and in the copies of what pmbot posted.
    scrub = [
        (ActionEvent.detail, ActionEvent.action_id.in_(actions)),
        (RiskEvent.detail, RiskEvent.risk_id.in_(risks)),
        (MilestoneEvent.why, MilestoneEvent.milestone_id.in_(milestones)),
        (ChangeRequest.note, ChangeRequest.workspace_id == workspace_id),
        (ChangeEvent.note, ChangeEvent.change_id.in_(changes)),
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


def _replace(record: Any, field: str, user_id: str, by: str) -> int:
    """Put `by` in the person's place in a list of people (once: `by` may be there already)."""
    people = list(getattr(record, field) or [])
    if user_id not in people:
        return 0
    setattr(record, field, list(dict.fromkeys(by if p == user_id else p for p in people)))
    return 1


def _leave_approvers(project: Project, user_id: str) -> int:
    """They stop approving a category of change requests (none left: its approvers are the leads again)."""
    settings = dict(project.settings or {})
    chosen = {category: list(people) for category, people in (settings.get(APPROVERS) or {}).items()}
    left = [category for category, people in chosen.items() if user_id in people]
    for category in left:
        chosen[category] = [p for p in chosen[category] if p != user_id]
        if not chosen[category]:
            del chosen[category]
    if left:
        settings[APPROVERS] = chosen
        project.settings = settings  # a new dict, so the JSON column is written
    return len(left)


def _leave(record: Any, field: str, user_id: str) -> int:
    people = list(getattr(record, field) or [])
    if user_id not in people:
        return 0
    setattr(record, field, [p for p in people if p != user_id])
    return 1
