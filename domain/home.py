"""A person's own dashboard: what they owe, what waits for them, how their projects stand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Text, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from domain import risks as risk_rules
from domain import standups
from domain import status as status_rules
from domain.standup_schedule import current_day
from storage.models import (
    ActionItem,
    ActionStatus,
    ChangeRequest,
    ChangeStatus,
    Decision,
    DecisionStatus,
    Milestone,
    Project,
    Risk,
    RiskStatus,
    Standup,
)
from storage.models.retros import Retro, RetroParticipant, RetroStatus, RetroVote

SHOWN = 20  # rows of each list the Home tab shows (it counts them all)
PROJECTS_SHOWN = 15
RETROS_SHOWN = 3


@dataclass(frozen=True)
class RetroTodo:
    """An open retro in a channel the person is in that waits for them: their notes (they were asked and have not
    added any), or, once revealed, their votes (they have some left)."""

    retro_id: int
    ref: str
    title: str
    channel_id: str
    collect_until: datetime
    revealed: bool


@dataclass
class Dashboard:
    """What one person sees on their Home tab (only from the projects they may see)."""

    actions: list[ActionItem] = field(default_factory=list)  # the first SHOWN, soonest due first
    action_count: int = 0
    reviews: list[Risk] = field(default_factory=list)
    standups_owed: list[tuple[Standup, date]] = field(default_factory=list)
    approvals: list[Decision] = field(default_factory=list)  # the first SHOWN
    approval_count: int = 0
    milestones: list[Milestone] = field(default_factory=list)  # open ones they own, the first SHOWN by forecast
    milestone_count: int = 0
    changes: list[ChangeRequest] = field(default_factory=list)  # pending with them as an approver, the first SHOWN
    change_count: int = 0
    projects: list[status_rules.Snapshot] = field(default_factory=list)
    retros: list[RetroTodo] = field(default_factory=list)  # the first RETROS_SHOWN, soonest reveal first


def dashboard(session: Session, *, user_id: str, projects: list[Project], now: datetime) -> Dashboard:
    """Gather the viewer's dashboard from the given (visible) projects: each list counted in SQL, and only the rows
    the Home tab shows read."""
    ids = [p.id for p in projects]
    board = Dashboard()
    if not ids:
        return board
    mine = (ActionItem.project_id.in_(ids), ActionItem.owner_id == user_id, ActionItem.status == ActionStatus.OPEN)
    board.action_count = session.scalar(select(func.count()).select_from(ActionItem).where(*mine)) or 0
    soonest = (ActionItem.due_at.is_(None), ActionItem.due_at, ActionItem.number)
    board.actions = list(session.scalars(select(ActionItem).where(*mine).order_by(*soonest).limit(SHOWN)))
    owned = session.scalars(
        select(Risk).where(Risk.project_id.in_(ids), Risk.owner_id == user_id, Risk.status == RiskStatus.OPEN)
    )
    board.reviews = [r for r in owned if risk_rules.next_review(r) <= now]
    waiting = (
        Decision.project_id.in_(ids),
        Decision.approver_id == user_id,
        Decision.status == DecisionStatus.PROPOSED,
    )
    board.approval_count = session.scalar(select(func.count()).select_from(Decision).where(*waiting)) or 0
    board.approvals = list(session.scalars(select(Decision).where(*waiting).order_by(Decision.id).limit(SHOWN)))
    milestones = (Milestone.project_id.in_(ids), Milestone.owner_id == user_id, Milestone.done_at.is_(None))
    board.milestone_count = session.scalar(select(func.count()).select_from(Milestone).where(*milestones)) or 0
    board.milestones = list(
        session.scalars(select(Milestone).where(*milestones).order_by(Milestone.forecast_at, Milestone.id).limit(SHOWN))
    )
    # approver_ids is a JSON list of ids: `"U123"` (quoted) in its text is exactly one of them, on both databases.
    deciding = (
        ChangeRequest.project_id.in_(ids),
        ChangeRequest.status == ChangeStatus.PENDING,
        cast(ChangeRequest.approver_ids, Text).contains(f'"{user_id}"', autoescape=True),
    )
    board.change_count = session.scalar(select(func.count()).select_from(ChangeRequest).where(*deciding)) or 0
    found = session.scalars(select(ChangeRequest).where(*deciding).order_by(ChangeRequest.number).limit(SHOWN))
    board.changes = [c for c in found if user_id in c.approver_ids]
    for standup in session.scalars(select(Standup).where(Standup.project_id.in_(ids), Standup.paused.is_(False))):
        if user_id not in standup.participants:
            continue
        person = next(p for p in standups.participants(session, standup) if p.user_id == user_id)
        day = current_day(standups.plan(session, standup), person, now)
        if day is not None and (day, user_id) not in standups.answers_for(session, standup, [day]):
            board.standups_owed.append((standup, day))
    board.retros = retros_waiting(session, user_id=user_id, project_ids=ids)
    board.projects = status_rules.snapshots(session, projects[:PROJECTS_SHOWN], now=now, listed=1)
    return board


def retros_waiting(session: Session, *, user_id: str, project_ids: list[int]) -> list[RetroTodo]:
    """The open retros of these projects waiting for the person, in one statement: collecting, when they were asked
    and have added no notes; revealed, while they have votes left."""
    used = (
        select(func.count())
        .select_from(RetroVote)
        .where(RetroVote.retro_id == Retro.id, RetroVote.user_id == user_id)
        .correlate(Retro)
        .scalar_subquery()
    )
    asked = and_(RetroParticipant.retro_id == Retro.id, RetroParticipant.user_id == user_id)
    rows = session.execute(
        select(Retro.id, Retro.number, Retro.title, Project.channel_id, Retro.collect_until, Retro.status)
        .join(Project, Project.id == Retro.project_id)
        .outerjoin(RetroParticipant, asked)
        .where(
            Retro.project_id.in_(project_ids),
            or_(
                and_(
                    Retro.status == RetroStatus.COLLECTING,
                    RetroParticipant.asked_at.is_not(None),
                    RetroParticipant.done.is_(False),
                ),
                and_(Retro.status == RetroStatus.REVEALED, used < Retro.votes_each),
            ),
        )
        .order_by(Retro.collect_until, Retro.id)
        .limit(RETROS_SHOWN)
    )
    found = []
    for row in rows:
        revealed = row.status == RetroStatus.REVEALED
        found.append(RetroTodo(row.id, f"RT-{row.number}", row.title, row.channel_id, row.collect_until, revealed))
    return found
