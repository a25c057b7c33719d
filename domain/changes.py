"""Change requests: raised with their impact, routed to the project's approvers by category, approved (moving the
affected milestones' baselines and recording a decision that links back), rejected, or sent back for more.

Approvers are fixed when a request is raised (or raised again after "ask for more"): the project's approvers for
its category (`/change approvers <category> @people`), else its leads. Any one of them decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from domain import decisions, milestones, sequences
from domain.decisions import Wording
from domain.errors import Conflict, InvalidInput, PermissionDenied
from domain.text import escape, short_number
from domain.visibility import unseen
from domain.workspaces import is_lead
from storage.models import (
    ChangeCategory,
    ChangeEvent,
    ChangeEventKind,
    ChangeRequest,
    ChangeStatus,
    Decision,
    DecisionStatus,
    Milestone,
    Project,
)

TITLE_LIMIT = 200
TEXT_LIMIT = 2900
NOTE_LIMIT = 1000
IMPACT_DAYS_LIMIT = 3650
OPEN = (ChangeStatus.PENDING, ChangeStatus.MORE_INFO)
SETTING = "change_approvers"  # project.settings[SETTING][category] = [user ids]


@dataclass(frozen=True)
class Proposal:
    """What a change request says."""

    title: str
    category: str
    description: str = ""
    justification: str = ""
    impact_days: int = 0  # calendar days the affected milestones' baselines move (negative: earlier)
    impact_cost: str = ""
    milestone_ids: list[int] = field(default_factory=list)
    needed_by: datetime | None = None

    def validate(self, *, now: datetime | None = None) -> Proposal:
        title = " ".join(self.title.split())
        if not title:
            raise InvalidInput("What is the change? The title is empty.", field="title")
        if len(title) > TITLE_LIMIT:
            raise InvalidInput(f"Keep the title under {TITLE_LIMIT} characters.", field="title")
        if self.category not in set(ChangeCategory):
            raise InvalidInput(
                "Choose a category: " + ", ".join(c.value for c in ChangeCategory) + ".", field="category"
            )
        for name in ("description", "justification", "impact_cost"):
            if len(getattr(self, name)) > TEXT_LIMIT:
                raise InvalidInput(f"The {name.replace('_', ' ')} can be at most {TEXT_LIMIT} characters.", field=name)
        if abs(self.impact_days) > IMPACT_DAYS_LIMIT:
            raise InvalidInput("A schedule impact is at most ten years.", field="impact_days")
        if self.impact_days and not self.milestone_ids:
            raise InvalidInput("Which milestones does the schedule impact move? Choose them.", field="milestones")
        if now is not None and self.needed_by is not None and self.needed_by <= now:
            raise InvalidInput("The needed-by date is in the past.", field="needed_by")
        return replace(
            self,
            title=title,
            description=self.description.strip(),
            justification=self.justification.strip(),
            impact_cost=self.impact_cost.strip(),
            milestone_ids=list(dict.fromkeys(self.milestone_ids)),
        )


def approvers_for(project: Project, category: str) -> list[str]:
    """Who approves this category here: the approvers set for it, else the project's leads."""
    chosen = ((project.settings or {}).get(SETTING) or {}).get(category) or []
    return [str(u) for u in chosen] or [str(u) for u in project.lead_user_ids or []]


def set_approvers(project: Project, *, category: str, user_ids: list[str], actor: str, is_admin: bool) -> None:
    """A lead (or an admin) names the approvers of a category; none puts it back to the leads."""
    if not (is_admin or is_lead(project, actor)):
        raise PermissionDenied("Only a project lead or a workspace admin can choose who approves change requests.")
    if category not in set(ChangeCategory):
        raise InvalidInput("Choose a category: " + ", ".join(c.value for c in ChangeCategory) + ".")
    settings = dict(project.settings or {})
    chosen = dict(settings.get(SETTING) or {})
    if user_ids:
        chosen[category] = list(dict.fromkeys(user_ids))
    else:
        chosen.pop(category, None)
    settings[SETTING] = chosen
    project.settings = settings  # a new dict, so the JSON column is written


def _affected(session: Session, project: Project, ids: list[int]) -> list[Milestone]:
    found = list(session.scalars(select(Milestone).where(Milestone.id.in_(ids)))) if ids else []
    if len(found) != len(ids) or any(m.workspace_id != project.workspace_id for m in found):
        raise InvalidInput("One of the milestones chosen is gone. Choose again.", field="milestones")
    return sorted(found, key=lambda m: ids.index(m.id))


def create(session: Session, *, project: Project, requester: str, proposal: Proposal, now: datetime) -> ChangeRequest:
    """Raise a change request and route it to the category's approvers."""
    proposal = proposal.validate(now=now)
    _affected(session, project, proposal.milestone_ids)
    approvers = approvers_for(project, proposal.category)
    if not approvers:
        raise InvalidInput(
            "Nobody here approves change requests yet.",
            hint="A lead is needed: `/pm config leads @someone`, or `/change approvers <category> @someone`.",
        )
    change = ChangeRequest(
        workspace_id=project.workspace_id,
        project_id=project.id,
        number=sequences.next_number(session, workspace_id=project.workspace_id, kind="change"),
        status=ChangeStatus.PENDING,
        requester_id=requester,
        approver_ids=approvers,
        created_at=now,
        updated_at=now,
        revision=1,
        note="",
        **_fields(proposal),
    )
    change.project = project
    session.add(change)
    session.flush()
    _event(session, change, ChangeEventKind.RAISED, actor=requester, now=now)
    return change


def _fields(proposal: Proposal) -> dict[str, Any]:
    return {
        "title": proposal.title,
        "category": proposal.category,
        "description": proposal.description,
        "justification": proposal.justification,
        "impact_days": proposal.impact_days,
        "impact_cost": proposal.impact_cost,
        "milestone_ids": proposal.milestone_ids,
        "needed_by": proposal.needed_by,
    }


def proposal_of(change: ChangeRequest) -> Proposal:
    """What the request says now (to fill its form again)."""
    return Proposal(
        title=change.title,
        category=change.category,
        description=change.description,
        justification=change.justification,
        impact_days=change.impact_days,
        impact_cost=change.impact_cost,
        milestone_ids=[int(i) for i in change.milestone_ids],
        needed_by=change.needed_by,
    )


def _event(
    session: Session, change: ChangeRequest, kind: ChangeEventKind, *, actor: str, now: datetime, note: str = ""
) -> None:
    session.add(ChangeEvent(change_id=change.id, kind=kind, actor_id=actor, at=now, note=note))
    change.updated_at = now


def get(session: Session, *, workspace_id: int, ref: str, for_update: bool = False) -> ChangeRequest:
    """The change request for a short id like `CR-3`."""
    number = short_number(ref, "CR")
    if number is None:
        raise InvalidInput(
            f"`{escape(ref[:20])}` is not a change request id.", hint="Change request ids look like `CR-3`."
        )
    stmt = select(ChangeRequest).where(ChangeRequest.workspace_id == workspace_id, ChangeRequest.number == number)
    change = session.scalar(stmt.with_for_update() if for_update else stmt)
    if change is None:
        raise unseen(f"CR-{number}")
    return change


def affected(session: Session, change: ChangeRequest) -> list[Milestone]:
    """The milestones it affects that still exist, in the order chosen."""
    ids = [int(i) for i in change.milestone_ids]
    found = {m.id: m for m in session.scalars(select(Milestone).where(Milestone.id.in_(ids)))} if ids else {}
    return [found[i] for i in ids if i in found]


def _require_open(change: ChangeRequest) -> None:
    if change.status not in OPEN:
        raise Conflict(f"{change.ref} is already {change.status.replace('_', ' ')}.")


def _require_approver(change: ChangeRequest, actor: str) -> None:
    if actor not in change.approver_ids:
        raise PermissionDenied(f"Only {change.ref}'s approvers can decide it.")


def _note(note: str, *, required: str | None = None) -> str:
    note = note.strip()
    if required and not note:
        raise InvalidInput(required, field="note")
    if len(note) > NOTE_LIMIT:
        raise InvalidInput(f"Keep it under {NOTE_LIMIT} characters.", field="note")
    return note


@dataclass(frozen=True)
class Approved:
    """What an approval changed: the decision recorded, and each milestone's baseline before."""

    decision: Decision
    moved: list[tuple[Milestone, datetime]]


def approve(session: Session, change: ChangeRequest, *, actor: str, now: datetime, note: str = "") -> Approved:
    """Approve: the affected milestones' baselines move by the schedule impact, and a decision is recorded."""
    _require_approver(change, actor)
    if change.status != ChangeStatus.PENDING:
        _require_open(change)
        raise Conflict(f"{change.ref} is waiting for its requester's answer; it can be decided once they reply.")
    note = _note(note)
    moved: list[tuple[Milestone, datetime]] = []
    for milestone in affected(session, change):
        old = milestone.baseline_at
        day = milestones.day_of(old, milestone.project) + timedelta(days=change.impact_days)
        milestones.rebaseline(
            session,
            milestone,
            actor=actor,
            at=milestones.due_moment(day, milestone.project),
            now=now,
            why=f"{change.ref} approved: {change.title}",
            change_id=change.id,
        )
        if milestone.baseline_at != old:
            moved.append((milestone, old))
    milestones.refresh(session, [m for m, _old in moved], now=now)
    rationale = "\n".join(part for part in (change.justification, note) if part)
    decision = decisions.create(
        session,
        project=change.project,
        creator=actor,
        wording=Wording(
            statement=f"Change request {change.ref} approved: {change.title}"[: decisions.STATEMENT_LIMIT],
            context=change.description[: decisions.TEXT_LIMIT],
            rationale=rationale[: decisions.TEXT_LIMIT],
        ),
        now=now,
        status=DecisionStatus.APPROVED,
        decided_by=[actor],
        links=[change.ref],
    )
    change.status, change.decided_by, change.decided_at, change.note = ChangeStatus.APPROVED, actor, now, note
    change.decision_id = decision.id
    _event(session, change, ChangeEventKind.APPROVED, actor=actor, now=now, note=note)
    return Approved(decision, moved)


def reject(session: Session, change: ChangeRequest, *, actor: str, now: datetime, note: str = "") -> None:
    """Reject, with a reason if given; nothing else changes."""
    _require_approver(change, actor)
    _require_open(change)
    note = _note(note)
    change.status, change.decided_by, change.decided_at, change.note = ChangeStatus.REJECTED, actor, now, note
    _event(session, change, ChangeEventKind.REJECTED, actor=actor, now=now, note=note)


def ask_more(session: Session, change: ChangeRequest, *, actor: str, question: str, now: datetime) -> None:
    """Send it back to the requester with a question; it waits for their answer."""
    _require_approver(change, actor)
    if change.status != ChangeStatus.PENDING:
        _require_open(change)
        raise Conflict(f"{change.ref} is already waiting for its requester's answer.")
    question = _note(question, required="What more do you need to know? Write the question.")
    change.status, change.note = ChangeStatus.MORE_INFO, question
    _event(session, change, ChangeEventKind.ASKED, actor=actor, now=now, note=question)


def update(
    session: Session, change: ChangeRequest, *, actor: str, proposal: Proposal, now: datetime, answer: str = ""
) -> None:
    """The requester changes it or answers a question: it goes back to the approvers as a new revision."""
    if actor != change.requester_id:
        raise PermissionDenied(f"Only {change.ref}'s requester can change it.")
    _require_open(change)
    proposal = proposal.validate(now=now)
    _affected(session, change.project, proposal.milestone_ids)
    for name, value in _fields(proposal).items():
        setattr(change, name, value)
    change.approver_ids = approvers_for(change.project, proposal.category) or change.approver_ids
    change.status, change.revision = ChangeStatus.PENDING, change.revision + 1
    _event(session, change, ChangeEventKind.UPDATED, actor=actor, now=now, note=_note(answer))


def withdraw(session: Session, change: ChangeRequest, *, actor: str, now: datetime) -> None:
    """The requester takes it back."""
    if actor != change.requester_id:
        raise PermissionDenied(f"Only {change.ref}'s requester can withdraw it.")
    _require_open(change)
    change.status = ChangeStatus.WITHDRAWN
    _event(session, change, ChangeEventKind.WITHDRAWN, actor=actor, now=now)


def history(session: Session, change: ChangeRequest) -> list[ChangeEvent]:
    """Every step, oldest first."""
    return list(session.scalars(select(ChangeEvent).where(ChangeEvent.change_id == change.id).order_by(ChangeEvent.id)))


def list_for(session: Session, *, project_id: int, waiting: bool = False) -> list[ChangeRequest]:
    """A project's change requests, newest first; only those still open when `waiting`."""
    stmt = select(ChangeRequest).where(
        ChangeRequest.project_id == project_id, ChangeRequest.status != ChangeStatus.WITHDRAWN
    )
    if waiting:
        stmt = stmt.where(ChangeRequest.status.in_(OPEN))
    return list(session.scalars(stmt.order_by(ChangeRequest.number.desc())))


def search(session: Session, *, project_id: int, query: str, limit: int = 20) -> list[ChangeRequest]:
    """Change requests whose title, description or justification holds every word given, newest first."""
    words = query.split()[:8]
    if not words:
        raise InvalidInput("Search for what?", hint="Like `/change search vendor`.")
    stmt = select(ChangeRequest).where(
        ChangeRequest.project_id == project_id, ChangeRequest.status != ChangeStatus.WITHDRAWN
    )
    for word in words:
        columns = (ChangeRequest.title, ChangeRequest.description, ChangeRequest.justification)
        stmt = stmt.where(or_(*(col.icontains(word, autoescape=True) for col in columns)))
    return list(session.scalars(stmt.order_by(ChangeRequest.number.desc()).limit(limit)))


def waiting_on(session: Session, *, workspace_id: int, user_id: str) -> list[ChangeRequest]:
    """Open change requests this person is an approver of and must answer (pending), oldest first."""
    pending = session.scalars(
        select(ChangeRequest)
        .where(ChangeRequest.workspace_id == workspace_id, ChangeRequest.status == ChangeStatus.PENDING)
        .order_by(ChangeRequest.number)
    )
    return [c for c in pending if user_id in c.approver_ids]
