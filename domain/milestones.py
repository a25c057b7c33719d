"""Milestones: a baseline and a forecast, moves and slips, links to the records that feed them, dependencies.

A milestone is due on a day of its project's calendar; both dates are kept as the end of that working day in the
project's zone, so readers see them in their own zone. The baseline is the promise (set when the milestone is made
and moved only by an approved change request or a lead); the forecast is what its owner expects now. Every change is
an event, so the old baselines stay in its history.

Its status is worked out from facts, not typed: done; late when its forecast is past its baseline or its day has
passed; at risk when something it waits for is in trouble (an overdue action linked to it, an open critical risk
against it, a milestone it depends on forecast after it or late); otherwise on track.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from domain import sequences
from domain.calendar import end_of_working_day, local_day, working_days_between
from domain.errors import Conflict, InvalidInput, PermissionDenied
from domain.text import escape
from domain.visibility import unseen
from domain.workspaces import is_lead, working_hours
from storage.models import (
    ActionItem,
    ActionStatus,
    Decision,
    Milestone,
    MilestoneDependency,
    MilestoneEvent,
    MilestoneEventKind,
    MilestoneLink,
    MilestoneStatus,
    Project,
    Risk,
    RiskStatus,
)
from storage.queries import insert_once

NAME_LIMIT = 200
WHY_LIMIT = 1000
CODE_LIMIT = 12
CRITICAL_SCORE = 20  # as the status rules: an open risk scored 20 or more
CHAIN_LIMIT = 10  # how far a slip is followed through dependencies
LINKABLE = {"A": "action", "R": "risk", "D": "decision"}

# After `M-`, a code that starts with a letter (`M-UAT`, `M-API2`): `M-3` stays a meeting's id.
_REF = re.compile(rf"[Mm]-([A-Za-z][A-Za-z0-9]{{0,{CODE_LIMIT - 1}}})")


@dataclass(frozen=True)
class Slip:
    """A forecast moved later, past the baseline: what the alerts say."""

    milestone: Milestone
    number: int  # the milestone's slips, counting this one (the alerts' key: once per slip)
    previous: datetime  # the forecast before the move
    working_days: int  # how far past the baseline the forecast now is
    why: str


@dataclass
class Facts:
    """What the status of one milestone is worked out from, besides its own dates."""

    overdue_actions: list[str] = field(default_factory=list)  # refs of linked open actions past due
    critical_risks: list[str] = field(default_factory=list)  # refs of linked open risks scored 20+
    late_upstreams: list[str] = field(default_factory=list)  # refs of milestones it waits for, late or after it


def parse_ref(ref: str) -> str | None:
    """The code in a milestone id (`M-UAT` or `m-uat` -> `UAT`); None when it is not one."""
    found = _REF.fullmatch(ref.strip())
    return found.group(1).upper() if found else None


def code_from(name: str) -> str:
    """A code for a milestone from its name: its first word's letters and digits, upper case (`UAT sign-off`->UAT)."""
    for word in name.split():
        letters = re.sub(r"[^A-Za-z0-9]", "", word).upper()
        if letters and letters[0].isalpha():
            return letters[:CODE_LIMIT]
    return "MS"


def due_moment(day: date, project: Project) -> datetime:
    """When a milestone due on `day` is due: the end of that working day in the project's zone."""
    return end_of_working_day(day, tz=project.time_zone, hours=working_hours(project))


def day_of(moment: datetime, project: Project) -> date:
    """The project's calendar day of a milestone's date."""
    return local_day(moment, project.time_zone)


def slip_days(milestone: Milestone) -> int:
    """How many working days the forecast is past the baseline (0 when it is not)."""
    if milestone.forecast_at <= milestone.baseline_at:
        return 0
    project = milestone.project
    return max(
        1,
        working_days_between(
            milestone.baseline_at, milestone.forecast_at, tz=project.time_zone, hours=working_hours(project)
        ),
    )


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(
            "Name the milestone.", hint='Like `/milestone "UAT sign-off" 2027-01-15 @owner`.', field="name"
        )
    if len(name) > NAME_LIMIT:
        raise InvalidInput(f"Keep a milestone's name under {NAME_LIMIT} characters.", field="name")
    return name


def _why(why: str) -> str:
    why = " ".join(why.split())
    if len(why) > WHY_LIMIT:
        raise InvalidInput(f"Keep the reason under {WHY_LIMIT} characters.", field="why")
    return why


def _free_code(session: Session, project: Project, wanted: str) -> str:
    taken = set(session.scalars(select(Milestone.code).where(Milestone.project_id == project.id)))
    if wanted not in taken:
        return wanted
    stem = wanted[: CODE_LIMIT - 2]
    return next(f"{stem}{n}" for n in range(2, 100) if f"{stem}{n}" not in taken)


def create(
    session: Session,
    *,
    project: Project,
    creator: str,
    name: str,
    day: date,
    owner: str,
    now: datetime,
    code: str | None = None,
) -> Milestone:
    """Make a milestone due on `day`: its baseline and its forecast both that day."""
    name = _name(name)
    at = due_moment(day, project)
    if at <= now:
        raise InvalidInput(f"{day:%Y-%m-%d} has passed; a milestone is a date ahead.", field="date")
    if code is not None:
        wanted = parse_ref(f"M-{code}")
        if wanted is None:
            raise InvalidInput(
                f"`M-{escape(code[:20])}` can't be a milestone id.",
                hint=f"After `M-`, a letter then letters or digits, at most {CODE_LIMIT}: `M-UAT`.",
                field="code",
            )
        if session.scalar(select(Milestone.id).where(Milestone.project_id == project.id, Milestone.code == wanted)):
            raise Conflict(f"This channel already has M-{wanted}. Choose another id.")
        code = wanted
    else:
        code = _free_code(session, project, code_from(name))
    milestone = Milestone(
        workspace_id=project.workspace_id,
        project_id=project.id,
        number=sequences.next_number(session, workspace_id=project.workspace_id, kind="milestone"),
        code=code,
        name=name,
        owner_id=owner,
        creator_id=creator,
        baseline_at=at,
        forecast_at=at,
        status=MilestoneStatus.ON_TRACK,
        status_why="",
        slips=0,
        created_at=now,
        updated_at=now,
    )
    milestone.project = project
    session.add(milestone)
    session.flush()
    _event(session, milestone, MilestoneEventKind.CREATED, actor=creator, now=now)
    return milestone


def _event(
    session: Session,
    milestone: Milestone,
    kind: MilestoneEventKind,
    *,
    actor: str,
    now: datetime,
    old_baseline: datetime | None = None,
    old_forecast: datetime | None = None,
    why: str = "",
    change_id: int | None = None,
) -> None:
    session.add(
        MilestoneEvent(
            milestone_id=milestone.id,
            kind=kind,
            actor_id=actor,
            at=now,
            baseline_at=milestone.baseline_at,
            forecast_at=milestone.forecast_at,
            old_baseline_at=old_baseline,
            old_forecast_at=old_forecast,
            why=why,
            change_id=change_id,
        )
    )
    milestone.updated_at = now


def get(
    session: Session, *, workspace_id: int, ref: str, project_id: int | None = None, for_update: bool = False
) -> Milestone:
    """The milestone for `M-UAT`: in the project given first; else the only one in the workspace with that code."""
    code = parse_ref(ref)
    if code is None:
        raise InvalidInput(f"`{escape(ref[:20])}` is not a milestone id.", hint="Milestone ids look like `M-UAT`.")
    stmt = select(Milestone).where(Milestone.workspace_id == workspace_id, Milestone.code == code)
    if for_update:
        stmt = stmt.with_for_update()
    if project_id is not None:
        here = session.scalar(stmt.where(Milestone.project_id == project_id))
        if here is not None:
            return here
    found = list(session.scalars(stmt.limit(2)))
    if len(found) > 1:
        raise InvalidInput(
            f"More than one channel has M-{code}.", hint=f"Name its channel too, like `#channel M-{code}`."
        )
    if not found:
        raise unseen(f"M-{code}")
    return found[0]


def in_project(session: Session, *, project_id: int, ref: str, for_update: bool = False) -> Milestone:
    """The milestone `M-UAT` of one project (a channel named with it, as in `#proj-payments M-API`)."""
    code = parse_ref(ref)
    if code is None:
        raise InvalidInput(f"`{escape(ref[:20])}` is not a milestone id.", hint="Milestone ids look like `M-UAT`.")
    stmt = select(Milestone).where(Milestone.project_id == project_id, Milestone.code == code)
    found = session.scalar(stmt.with_for_update() if for_update else stmt)
    if found is None:
        raise unseen(f"M-{code}")
    return found


def may_change(milestone: Milestone, user_id: str) -> bool:
    """Its owner, its creator or a project lead may move it, link it or mark it done."""
    return user_id in (milestone.owner_id, milestone.creator_id) or is_lead(milestone.project, user_id)


def require_may_change(milestone: Milestone, actor: str, verb: str) -> None:
    if not may_change(milestone, actor):
        raise PermissionDenied(f"Only {milestone.ref}'s owner, its creator or a project lead can {verb} it.")


def move(session: Session, milestone: Milestone, *, actor: str, day: date, why: str, now: datetime) -> Slip | None:
    """Set the forecast to `day`; return the slip when it moves later and past the baseline."""
    require_may_change(milestone, actor, "move")
    if milestone.done_at is not None:
        raise Conflict(f"{milestone.ref} is done; reopen it first.")
    why = _why(why)
    at = due_moment(day, milestone.project)
    if at == milestone.forecast_at:
        raise InvalidInput(f"{milestone.ref} is already forecast for {day:%Y-%m-%d}.", field="date")
    old = milestone.forecast_at
    milestone.forecast_at = at
    slipped = at > old and at > milestone.baseline_at
    if slipped:
        milestone.slips += 1
    _event(session, milestone, MilestoneEventKind.MOVED, actor=actor, now=now, old_forecast=old, why=why)
    if not slipped:
        return None
    return Slip(milestone, milestone.slips, old, slip_days(milestone), why)


def rebaseline(
    session: Session,
    milestone: Milestone,
    *,
    actor: str,
    at: datetime,
    now: datetime,
    why: str = "",
    change_id: int | None = None,
) -> None:
    """Move the baseline (an approved change request, or a lead); the old one stays in the history."""
    if at == milestone.baseline_at:
        return
    old = milestone.baseline_at
    milestone.baseline_at = at
    _event(
        session,
        milestone,
        MilestoneEventKind.REBASELINED,
        actor=actor,
        now=now,
        old_baseline=old,
        why=_why(why),
        change_id=change_id,
    )


def complete(session: Session, milestone: Milestone, *, actor: str, now: datetime) -> None:
    """Mark it reached."""
    require_may_change(milestone, actor, "mark done")
    if milestone.done_at is not None:
        raise Conflict(f"{milestone.ref} is already done.")
    milestone.done_at = now
    milestone.status = MilestoneStatus.DONE
    milestone.status_why = ""
    _event(session, milestone, MilestoneEventKind.DONE, actor=actor, now=now)


def reopen(session: Session, milestone: Milestone, *, actor: str, now: datetime) -> None:
    """Take back a milestone marked done."""
    require_may_change(milestone, actor, "reopen")
    if milestone.done_at is None:
        raise Conflict(f"{milestone.ref} is not done.")
    milestone.done_at = None
    _event(session, milestone, MilestoneEventKind.REOPENED, actor=actor, now=now)
    refresh(session, [milestone], now=now)


def linkable_kind(ref: str) -> tuple[str, int] | None:
    """(`action`, 12) for `A-12`, likewise R- and D-; None for anything else."""
    found = re.fullmatch(r"([ARDard])-?([0-9]{1,9})", ref.strip())
    return (LINKABLE[found.group(1).upper()], int(found.group(2))) if found else None


def link(
    session: Session, milestone: Milestone, *, kind: str, record_id: int, ref: str, actor: str, now: datetime
) -> bool:
    """Link a record that feeds the milestone; return False when it was linked already."""
    require_may_change(milestone, actor, "link records to")
    values = {
        "milestone_id": milestone.id,
        "kind": kind,
        "record_id": record_id,
        "created_at": now,
        "created_by": actor,
    }
    new = insert_once(session, MilestoneLink, values, unique=["milestone_id", "kind", "record_id"])
    if new:
        _event(session, milestone, MilestoneEventKind.LINKED, actor=actor, now=now, why=ref)
    return new


def links(session: Session, milestone: Milestone) -> list[ActionItem | Risk | Decision]:
    """The records linked to a milestone, actions then risks then decisions, by number."""
    found: list[ActionItem | Risk | Decision] = []
    for kind, model in (("action", ActionItem), ("risk", Risk), ("decision", Decision)):
        ids = select(MilestoneLink.record_id).where(
            MilestoneLink.milestone_id == milestone.id, MilestoneLink.kind == kind
        )
        found.extend(session.scalars(select(model).where(model.id.in_(ids)).order_by(model.number)))
    return found


def upstreams(session: Session, milestone: Milestone) -> list[Milestone]:
    """The milestones this one waits for."""
    ids = select(MilestoneDependency.upstream_id).where(MilestoneDependency.milestone_id == milestone.id)
    return list(session.scalars(select(Milestone).where(Milestone.id.in_(ids)).order_by(Milestone.id)))


def dependents(session: Session, milestone: Milestone) -> list[Milestone]:
    """The milestones that wait for this one."""
    ids = select(MilestoneDependency.milestone_id).where(MilestoneDependency.upstream_id == milestone.id)
    return list(session.scalars(select(Milestone).where(Milestone.id.in_(ids)).order_by(Milestone.id)))


def depend(session: Session, milestone: Milestone, *, upstream: Milestone, actor: str, now: datetime) -> bool:
    """Record that `milestone` waits for `upstream`; return False when it did already. No cycles."""
    require_may_change(milestone, actor, "add dependencies to")
    if upstream.id == milestone.id:
        raise InvalidInput(f"{milestone.ref} can't depend on itself.")
    if upstream.workspace_id != milestone.workspace_id:
        raise unseen(upstream.ref)
    if any(m.id == milestone.id for m, _chain in downstream(session, milestone, reverse=True, start=upstream)):
        raise InvalidInput(
            f"{upstream.ref} already waits for {milestone.ref}; a dependency can't go round in a circle."
        )
    values = {"milestone_id": milestone.id, "upstream_id": upstream.id, "created_at": now, "created_by": actor}
    new = insert_once(session, MilestoneDependency, values, unique=["milestone_id", "upstream_id"])
    if new:
        _event(session, milestone, MilestoneEventKind.DEPENDS, actor=actor, now=now, why=upstream.ref)
    return new


def downstream(
    session: Session, milestone: Milestone, *, reverse: bool = False, start: Milestone | None = None
) -> list[tuple[Milestone, list[Milestone]]]:
    """Every milestone that waits for `milestone`, directly or through others, each once with the chain it comes
    through (`[milestone, ..., it]`), nearest first, at most CHAIN_LIMIT steps. With `reverse`, from `start` up
    through what it waits for instead."""
    origin = start or milestone
    seen = {origin.id}
    found: list[tuple[Milestone, list[Milestone]]] = []
    frontier: list[list[Milestone]] = [[origin]]
    for _ in range(CHAIN_LIMIT):
        following: list[list[Milestone]] = []
        for chain in frontier:
            nexts = upstreams(session, chain[-1]) if reverse else dependents(session, chain[-1])
            for other in nexts:
                if other.id in seen:
                    continue
                seen.add(other.id)
                found.append((other, [*chain, other]))
                following.append([*chain, other])
        if not following:
            break
        frontier = following
    return found


def assess(milestone: Milestone, facts: Facts, *, now: datetime) -> tuple[MilestoneStatus, str]:
    """The status the facts give and why, in words (pure)."""
    if milestone.done_at is not None:
        return MilestoneStatus.DONE, ""
    late: list[str] = []
    if milestone.forecast_at > milestone.baseline_at:
        days = slip_days(milestone)
        late.append(f"forecast {days} working day{'s' if days != 1 else ''} past its baseline")
    if now > milestone.forecast_at:
        late.append("its date has passed")
    if late:
        return MilestoneStatus.LATE, "; ".join(late)
    risky = [f"{ref} overdue" for ref in facts.overdue_actions]
    risky += [f"{ref} critical" for ref in facts.critical_risks]
    risky += [f"waits for {ref}" for ref in facts.late_upstreams]
    if risky:
        return MilestoneStatus.AT_RISK, ", ".join(risky)
    return MilestoneStatus.ON_TRACK, ""


def facts_for(session: Session, milestones: Iterable[Milestone], *, now: datetime) -> dict[int, Facts]:
    """The facts of each milestone, in three queries whatever their number."""
    by_id = {m.id: m for m in milestones}
    facts = {mid: Facts() for mid in by_id}
    if not by_id:
        return facts
    ids = list(by_id)
    overdue = session.execute(
        select(MilestoneLink.milestone_id, ActionItem.number)
        .join(ActionItem, and_(MilestoneLink.kind == "action", ActionItem.id == MilestoneLink.record_id))
        .where(
            MilestoneLink.milestone_id.in_(ids),
            ActionItem.status == ActionStatus.OPEN,
            ActionItem.due_at.is_not(None),
            ActionItem.due_at < now,
        )
        .order_by(ActionItem.number)
    )
    for mid, number in overdue:
        facts[mid].overdue_actions.append(f"A-{number}")
    critical = session.execute(
        select(MilestoneLink.milestone_id, Risk.number)
        .join(Risk, and_(MilestoneLink.kind == "risk", Risk.id == MilestoneLink.record_id))
        .where(
            MilestoneLink.milestone_id.in_(ids),
            Risk.status == RiskStatus.OPEN,
            Risk.probability * Risk.impact >= CRITICAL_SCORE,
        )
        .order_by(Risk.number)
    )
    for mid, number in critical:
        facts[mid].critical_risks.append(f"R-{number}")
    up = aliased(Milestone)
    upstream_rows = session.execute(
        select(MilestoneDependency.milestone_id, up)
        .join(up, up.id == MilestoneDependency.upstream_id)
        .where(MilestoneDependency.milestone_id.in_(ids), up.done_at.is_(None))
        .order_by(up.id)
    )
    for mid, upstream in upstream_rows:  # late, or expected after the milestone that waits for it
        if upstream.status == MilestoneStatus.LATE or upstream.forecast_at > by_id[mid].forecast_at:
            facts[mid].late_upstreams.append(upstream.ref)
    return facts


def refresh(session: Session, milestones: Iterable[Milestone], *, now: datetime) -> list[tuple[Milestone, str]]:
    """Bring each milestone's status up to date; return those whose status changed, with the status before."""
    milestones = list(milestones)
    facts = facts_for(session, milestones, now=now)
    changed: list[tuple[Milestone, str]] = []
    for milestone in milestones:
        status, why = assess(milestone, facts[milestone.id], now=now)
        if status != milestone.status or why != milestone.status_why:
            if status != milestone.status:
                changed.append((milestone, milestone.status))
            milestone.status, milestone.status_why = status, why
    return changed


def list_for(session: Session, *, project_id: int, include_done: bool = False) -> list[Milestone]:
    """A project's milestones by forecast, the done ones only when asked."""
    stmt = select(Milestone).where(Milestone.project_id == project_id)
    if not include_done:
        stmt = stmt.where(Milestone.done_at.is_(None))
    return list(session.scalars(stmt.order_by(Milestone.forecast_at, Milestone.id)))


def history(session: Session, milestone: Milestone) -> list[MilestoneEvent]:
    """Every change, oldest first."""
    return list(
        session.scalars(
            select(MilestoneEvent).where(MilestoneEvent.milestone_id == milestone.id).order_by(MilestoneEvent.id)
        )
    )


def baselines(session: Session, milestone: Milestone) -> list[tuple[datetime, datetime, str, int | None]]:
    """Each baseline it has had: (baseline, set at, by whom, the change request that set it), oldest first."""
    return [
        (e.baseline_at, e.at, e.actor_id, e.change_id)
        for e in history(session, milestone)
        if e.kind in (MilestoneEventKind.CREATED, MilestoneEventKind.REBASELINED)
    ]
