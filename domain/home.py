"""A person's own dashboard: what they owe, what waits for them, how their projects stand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import risks as risk_rules
from domain import standups
from domain import status as status_rules
from domain.standup_schedule import current_day
from storage.models import ActionItem, Decision, Project, Risk, Standup
from storage.models.actions import OPEN


@dataclass
class Dashboard:
    """What one person sees on their Home tab (only from the projects they may see)."""

    actions: list[ActionItem] = field(default_factory=list)
    reviews: list[Risk] = field(default_factory=list)
    standups_owed: list[tuple[Standup, date]] = field(default_factory=list)
    approvals: list[Decision] = field(default_factory=list)
    projects: list[status_rules.Snapshot] = field(default_factory=list)


def dashboard(session: Session, *, user_id: str, projects: list[Project], now: datetime) -> Dashboard:
    """Gather the viewer's dashboard from the given (visible) projects."""
    ids = [p.id for p in projects]
    board = Dashboard()
    if not ids:
        return board
    actions = session.scalars(
        select(ActionItem).where(
            ActionItem.project_id.in_(ids), ActionItem.owner_id == user_id, ActionItem.status == OPEN
        )
    )
    board.actions = sorted(actions, key=lambda a: (a.due_at is None, a.due_at or now, a.number))
    owned = session.scalars(
        select(Risk).where(Risk.project_id.in_(ids), Risk.owner_id == user_id, Risk.status == "open")
    )
    board.reviews = [r for r in owned if risk_rules.next_review(r) <= now]
    board.approvals = list(
        session.scalars(
            select(Decision).where(
                Decision.project_id.in_(ids), Decision.approver_id == user_id, Decision.status == "proposed"
            )
        )
    )
    for standup in session.scalars(select(Standup).where(Standup.project_id.in_(ids), Standup.paused.is_(False))):
        if user_id not in standup.participants:
            continue
        person = next(p for p in standups.participants(session, standup) if p.user_id == user_id)
        day = current_day(standups.plan(session, standup), person, now)
        if day is not None and (day, user_id) not in standups.answers_for(session, standup, [day]):
            board.standups_owed.append((standup, day))
    board.projects = [status_rules.snapshot(session, p, now=now) for p in projects]
    return board
