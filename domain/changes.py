"""Change requests: raised with their impact, routed to the project's approvers by category, approved (moving the
affected milestones' baselines and recording a decision that links back), rejected, or sent back for more.

Approvers are fixed when a request is raised (or raised again after "ask for more"): the project's approvers for
its category (`/change approvers <category> @people`), else its leads. Any one of them decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from domain import away, decisions, milestones, sequences, visibility
from domain.calendar import local_day
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
    MilestoneEvent,
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
    return chosen_approvers(project, category) or [str(u) for u in project.lead_user_ids or []]


def chosen_approvers(project: Project, category: str) -> list[str]:
    """The approvers a lead named for this category (none: its leads approve)."""
    return [str(u) for u in ((project.settings or {}).get(SETTING) or {}).get(category) or []]


NO_APPROVERS = "Nobody here approves change requests yet, so a request could not be sent to anyone."
NAME_APPROVERS = "A lead names them: `/pm config leads @someone`, or `/change approvers <category> @someone`."


def require_approvers(project: Project) -> None:
    """Raise unless someone here approves change requests of some category (the form is not worth filling in)."""
    if not any(approvers_for(project, category) for category in ChangeCategory):
        raise InvalidInput(NO_APPROVERS, hint=NAME_APPROVERS)


def category_of(word: str) -> str:
    """The category a word names (`Cost`, `resources`), or the answer listing the categories there are."""
    word = word.strip().lower()
    word = {"resources": ChangeCategory.RESOURCE.value}.get(word, word)
    if word not in set(ChangeCategory):
        raise InvalidInput(
            "Choose a category: " + ", ".join(c.value for c in ChangeCategory) + ".",
            hint="Like `/change approvers cost` to see who approves it.",
        )
    return word


def require_may_choose_approvers(project: Project, actor: str, *, is_admin: bool) -> None:
    """Raise unless this person may name a category's approvers here: a lead, or a workspace admin."""
    if not (is_admin or is_lead(project, actor)):
        raise PermissionDenied("Only a project lead or a workspace admin can choose who approves change requests.")


def set_approvers(project: Project, *, category: str, user_ids: list[str], actor: str, is_admin: bool) -> None:
    """A lead (or an admin) names the approvers of a category; an empty `user_ids` puts it back to the leads (the
    caller asks for that in so many words: `/change approvers cost leads`)."""
    require_may_choose_approvers(project, actor, is_admin=is_admin)
    category = category_of(category)
    settings = dict(project.settings or {})
    chosen = dict(settings.get(SETTING) or {})
    if user_ids:
        chosen[category] = list(dict.fromkeys(user_ids))
    else:
        chosen.pop(category, None)
    settings[SETTING] = chosen
    project.settings = settings  # a new dict, so the JSON column is written


def require_ahead(baselines: Iterable[tuple[str, date]], *, impact_days: int, today: date) -> None:
    """Refuse (beside the impact on dates) an impact that would move a baseline, each given as `(ref, its day)`,
    to a day before `today` (the project's calendar): a baseline is a date ahead, and approving the request would
    be refused. Pure, so the form can tell before it closes when it knows the days."""
    found = list(baselines)
    past = [(ref, day + timedelta(days=impact_days)) for ref, day in found if day + timedelta(days=impact_days) < today]
    if not past:
        return
    ref, day = min(past, key=lambda p: p[1])
    least = max((today - day).days for _ref, day in found)
    raise InvalidInput(
        f"That moves {escape(ref)}'s baseline to {day:%a} {day.day} {day:%b %Y}, a day that has passed: a baseline "
        "is a date ahead.",
        hint=f"Make the impact on dates at least {least:+d}, or leave that milestone out.",
        field="impact_days",
    )


def _require_ahead(project: Project, found: list[Milestone], proposal: Proposal, now: datetime) -> None:
    """Refuse an impact that moves an open affected milestone's baseline before today in the project's calendar
    (a done one keeps its baseline when the request is approved, so it is not counted): the form's own check, on
    the milestones as they stand."""
    if proposal.impact_days:
        require_ahead(
            [(m.ref, milestones.day_of(m.baseline_at, project)) for m in found if m.done_at is None],
            impact_days=proposal.impact_days,
            today=local_day(now, project.time_zone),
        )


def _affected(session: Session, project: Project, ids: list[int]) -> list[Milestone]:
    """The milestones chosen, each one the project's own (the form's word is not trusted)."""
    found = list(session.scalars(select(Milestone).where(Milestone.id.in_(ids)))) if ids else []
    if len(found) != len(ids) or any(
        m.workspace_id != project.workspace_id or m.project_id != project.id for m in found
    ):
        raise InvalidInput("One of the milestones chosen is gone. Choose again.", field="milestones")
    return sorted(found, key=lambda m: ids.index(m.id))


def _baselines(found: list[Milestone]) -> dict[str, str]:
    """Each milestone's baseline as the request is raised against it: {"milestone id": ISO moment}."""
    return {str(m.id): m.baseline_at.isoformat() for m in found}


def _route(session: Session, project: Project, category: str, requester: str) -> list[str]:
    """Who approves this request: the category's named approvers, else the project's leads who can see its channel
    (a role alone reads nothing of a channel the person cannot see). Nobody approves their own request: the others
    of those, else the other leads who can see it; only when nobody else could (a one-person project) does the
    requester approve it."""
    leads = visibility.may_hear(session, project=project, user_ids=[str(u) for u in project.lead_user_ids or []])
    pool = chosen_approvers(project, category) or leads
    if not pool:
        if project.lead_user_ids:
            raise InvalidInput("None of this project's leads can see this channel, so none can approve the request.",
                               hint=NAME_APPROVERS)  # fmt: skip
        raise InvalidInput(f"Nobody here approves {category} change requests yet.", hint=NAME_APPROVERS)
    return [a for a in pool if a != requester] or [lead for lead in leads if lead != requester] or pool


def create(session: Session, *, project: Project, requester: str, proposal: Proposal, now: datetime) -> ChangeRequest:
    """Raise a change request and route it to the category's approvers."""
    proposal = proposal.validate(now=now)
    found = _affected(session, project, proposal.milestone_ids)
    _require_ahead(project, found, proposal, now)
    approvers = _route(session, project, proposal.category, requester)
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
        baselines=_baselines(found),
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
    session: Session,
    change: ChangeRequest,
    kind: ChangeEventKind,
    *,
    actor: str,
    now: datetime,
    note: str = "",
    for_user: str | None = None,
) -> None:
    session.add(ChangeEvent(change_id=change.id, kind=kind, actor_id=actor, at=now, note=note, for_user_id=for_user))
    change.updated_at = now
    if for_user is not None:
        what = f"{kind}: {change.title}"
        away.log(session, workspace_id=change.workspace_id, user_id=for_user, kind=away.Kind.ACTED, now=now,
                 ref=change.ref, text=what, by=actor)  # fmt: skip


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


@dataclass(frozen=True)
class Shift:
    """What a change request does to one milestone's baseline: proposed while open, as made once approved."""

    milestone: Milestone
    before: datetime
    after: datetime
    before_day: date  # the same two, as the project's calendar days
    after_day: date


def shifts(session: Session, change: ChangeRequest) -> list[Shift]:
    """Each affected milestone's baseline before and after the request (for an approved one, what it moved)."""
    found = affected(session, change)
    made: dict[int, MilestoneEvent] = {}
    if change.status == ChangeStatus.APPROVED and found:
        events = session.scalars(
            select(MilestoneEvent)
            .where(MilestoneEvent.change_id == change.id, MilestoneEvent.old_baseline_at.is_not(None))
            .order_by(MilestoneEvent.id)
        )
        made = {e.milestone_id: e for e in events}
    result = []
    for milestone in found:
        event = made.get(milestone.id)
        if change.status == ChangeStatus.APPROVED and event is None:
            continue  # its baseline did not move
        if event is not None and event.old_baseline_at is not None:
            before, after = event.old_baseline_at, event.baseline_at
        else:  # proposed (or withdrawn, rejected): against the baseline it was raised on, whatever moved it since
            raised = (change.baselines or {}).get(str(milestone.id))
            before = datetime.fromisoformat(raised) if raised else milestone.baseline_at
            after = _moved_from(change, milestone, before)
        project = milestone.project
        result.append(
            Shift(milestone, before, after, milestones.day_of(before, project), milestones.day_of(after, project))
        )
    return result


def _require_open(change: ChangeRequest) -> None:
    if change.status not in OPEN:
        raise Conflict(f"{change.ref} is already {change.status.replace('_', ' ')}.")


def _require_approver(
    change: ChangeRequest, actor: str, *, session: Session | None = None, now: datetime | None = None
) -> str | None:
    """Raise unless `actor` is an approver, or (given `session` and `now`) stands in for one who is away; return
    that approver when standing in."""
    if actor in change.approver_ids:
        return None
    if session is not None and now is not None:
        ws, approvers = change.workspace_id, [str(a) for a in change.approver_ids]
        stand_in = away.acting_for(session, workspace_id=ws, actor=actor, user_ids=approvers, project=change.project,
                                   now=now)  # fmt: skip
        if stand_in is not None:
            return stand_in
    raise PermissionDenied(f"Only {change.ref}'s approvers can decide it.")


def require_revision(change: ChangeRequest, revision: int | None) -> None:
    """Raise unless a button or form naming this revision is about the request as it stands now."""
    _require_open(change)
    if revision != change.revision:
        raise Conflict(
            f"{change.ref} changed since this message: it is now revision {change.revision}, sent to its approvers "
            f"again. Answer the latest request, or read it with `/change show {change.ref}`."
        )


def require_may_decide(
    change: ChangeRequest,
    actor: str,
    revision: int | None = None,
    *,
    session: Session | None = None,
    now: datetime | None = None,
) -> str | None:
    """Raise unless this person may answer it now: one of its approvers (or, given `session` and `now`, the stand-in
    of one who is away: that approver is returned), while it waits for them (and, with `revision`, only about the
    revision they were shown)."""
    stand_in = _require_approver(change, actor, session=session, now=now)
    if change.status != ChangeStatus.PENDING:
        _require_open(change)
        raise Conflict(f"{change.ref} is waiting for its requester's answer; it can be decided once they reply.")
    if revision is not None:
        require_revision(change, revision)
    return stand_in


def require_may_update(change: ChangeRequest, actor: str, revision: int | None = None) -> None:
    """Raise unless this person may change it now: its requester, while it waits for their answer (an approver
    asked for more); with `revision`, only the revision that question was about."""
    if actor != change.requester_id:
        raise PermissionDenied(f"Only {change.ref}'s requester can change it.")
    _require_open(change)
    if change.status != ChangeStatus.MORE_INFO:
        raise Conflict(f"{change.ref} was already answered and is back with its approvers; nothing was changed.")
    if revision is not None:
        require_revision(change, revision)


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


def require_baselines_unmoved(change: ChangeRequest, found: list[Milestone]) -> None:
    """Raise a Conflict if an affected milestone's baseline moved since the request was raised (or answered): its
    impact was written against the old one, and adding it again would move the baseline twice."""
    for milestone in found:
        raised = (change.baselines or {}).get(str(milestone.id))
        if raised is None or datetime.fromisoformat(raised) == milestone.baseline_at:
            continue
        day = milestones.day_of(milestone.baseline_at, milestone.project)
        raise Conflict(
            f"{milestone.ref}'s baseline moved since {change.ref} was raised (now {day:%b} {day.day}), so its "
            f"impact of {change.impact_days:+d} days no longer says where it goes. Ask for more (the requester "
            "answers against the new baseline) or reject it; nothing was decided."
        )


def _moved_baseline(change: ChangeRequest, milestone: Milestone) -> datetime:
    """Where the request moves this milestone's baseline: its day plus the impact, at the end of that day."""
    return _moved_from(change, milestone, milestone.baseline_at)


def _moved_from(change: ChangeRequest, milestone: Milestone, baseline: datetime) -> datetime:
    day = milestones.day_of(baseline, milestone.project) + timedelta(days=change.impact_days)
    return milestones.due_moment(day, milestone.project)


def approve(
    session: Session, change: ChangeRequest, *, actor: str, now: datetime, note: str = "", revision: int | None = None
) -> Approved:
    """Approve: the affected milestones' baselines move by the schedule impact, and a decision is recorded.
    Everything is checked before anything changes."""
    stand_in = require_may_decide(change, actor, revision, session=session, now=now)
    note = _note(note)
    found = affected(session, change)
    require_baselines_unmoved(change, found)
    targets = [(m, _moved_baseline(change, m)) for m in found]
    moved: list[tuple[Milestone, datetime]] = []
    for milestone, at in targets:
        old = milestone.baseline_at
        why = f"{change.ref} approved: {change.title}"
        try:
            milestones.rebaseline(session, milestone, actor=actor, at=at, now=now, why=why, change_id=change.id,
                                  carry_forecast=True)  # fmt: skip
        except InvalidInput as refused:  # the caller rolls the request back whole: no baseline moved, none decided
            raise Conflict(
                f"{change.ref} cannot be approved as it stands: {milestone.ref}: {refused.message}",
                hint="Ask for more (the requester can change the impact) or reject it; nothing was decided.",
            ) from refused
        if milestone.baseline_at != old:
            moved.append((milestone, old))
    # A forecast that was on the old baseline moved with it (the plan moved, nothing slipped); one its owner set
    # elsewhere stayed. Their statuses are left as they were: what follows a milestone changed elsewhere (the
    # milestones feature's record kind) brings them up to date and tells whoever must hear that one turned at risk
    # or late.
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
    _event(session, change, ChangeEventKind.APPROVED, actor=actor, now=now, note=note, for_user=stand_in)
    return Approved(decision, moved)


def reject(
    session: Session, change: ChangeRequest, *, actor: str, now: datetime, note: str = "", revision: int | None = None
) -> None:
    """Reject, with a reason if given; nothing else changes (with `revision`: only the revision the approver saw)."""
    stand_in = _require_approver(change, actor, session=session, now=now)
    _require_open(change)
    if revision is not None:
        require_revision(change, revision)
    note = _note(note)
    change.status, change.decided_by, change.decided_at, change.note = ChangeStatus.REJECTED, actor, now, note
    _event(session, change, ChangeEventKind.REJECTED, actor=actor, now=now, note=note, for_user=stand_in)


def ask_more(
    session: Session, change: ChangeRequest, *, actor: str, question: str, now: datetime, revision: int | None = None
) -> None:
    """Send it back to the requester with a question; it waits for their answer."""
    stand_in = _require_approver(change, actor, session=session, now=now)
    if change.status != ChangeStatus.PENDING:
        _require_open(change)
        raise Conflict(f"{change.ref} is already waiting for its requester's answer.")
    if revision is not None:
        require_revision(change, revision)
    question = _note(question, required="What more do you need to know? Write the question.")
    change.status, change.note = ChangeStatus.MORE_INFO, question
    _event(session, change, ChangeEventKind.ASKED, actor=actor, now=now, note=question, for_user=stand_in)


def update(
    session: Session,
    change: ChangeRequest,
    *,
    actor: str,
    proposal: Proposal,
    now: datetime,
    answer: str = "",
    revision: int | None = None,
) -> None:
    """The requester changes it or answers a question: it goes back to the approvers as a new revision."""
    require_may_update(change, actor, revision)
    proposal = proposal.validate(now=now)
    found = _affected(session, change.project, proposal.milestone_ids)
    _require_ahead(change.project, found, proposal, now)
    for name, value in _fields(proposal).items():
        setattr(change, name, value)
    change.baselines = _baselines(found)  # the answer is written against the baselines as they stand now
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
