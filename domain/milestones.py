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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby

from sqlalchemy import and_, delete, select
from sqlalchemy.orm import Session, aliased

from domain import members, sequences
from domain.calendar import end_of_working_day, local_day, working_days_between
from domain.due_phrases import parse_when, split_due
from domain.errors import Conflict, DueDateError, InvalidInput, PermissionDenied
from domain.members import require_can_own
from domain.sources import Source
from domain.text import USER_MENTION, escape, plain_from_slack, user_ids_in
from domain.visibility import unseen
from domain.workspaces import is_lead, working_hours
from storage.models import (
    ActionItem,
    ActionStatus,
    Decision,
    Member,
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
CODE_FIELD = "milestone_code"  # the new-milestone form's id field (its block id): an error about the id goes there
CRITICAL_SCORE = 20  # as the status rules: an open risk scored 20 or more
CHAIN_LIMIT = 10  # how far a slip is followed through dependencies
LINKABLE = {"A": "action", "R": "risk", "D": "decision"}
HIDDEN_UPSTREAM = "a milestone in another channel"  # how a status names what it waits for in a channel not public
# How a status names a linked record of another channel that is not public: the status is shown to everyone who
# sees the milestone, so it may say that such a record is in trouble (the milestone is at risk) but not which.
HIDDEN_ACTION = "an overdue action in another channel"
HIDDEN_RISK = "a critical risk in another channel"

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

    # refs of linked open actions past due: HIDDEN_ACTION for another channel's that is not public
    overdue_actions: list[str] = field(default_factory=list)
    # refs of linked open risks scored 20+: HIDDEN_RISK for another channel's that is not public
    critical_risks: list[str] = field(default_factory=list)
    # refs of milestones it waits for, late or after it: HIDDEN_UPSTREAM for another channel's that is not public
    late_upstreams: list[str] = field(default_factory=list)


def parse_ref(ref: str) -> str | None:
    """The code in a milestone id (`M-UAT` or `m-uat` -> `UAT`); None when it is not one."""
    found = _REF.fullmatch(ref.strip())
    return found.group(1).upper() if found else None


def _code_of(ref: str) -> str:
    """The code in a milestone id someone typed, or the answer that it is not one."""
    code = parse_ref(ref)
    if code is None:
        raise InvalidInput(f"`{escape(ref[:20])}` is not a milestone id.", hint="Milestone ids look like `M-UAT`.")
    return code


def _word_code(name: str) -> str | None:
    """A code for a milestone from its name: its first word's letters and digits, upper case (`UAT sign-off`->UAT);
    None when no word starts with an ASCII letter."""
    for word in name.split():
        letters = re.sub(r"[^A-Za-z0-9]", "", word).upper()
        if letters and letters[0].isascii() and letters[0].isalpha():
            return letters[:CODE_LIMIT]
    return None


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


def moved_by(slip: Slip) -> int:
    """How many working days later a slip moved the forecast (at least 1): what a channel that may not see the
    milestone's dates is told (pure)."""
    m = slip.milestone
    project = m.project
    days = working_days_between(slip.previous, m.forecast_at, tz=project.time_zone, hours=working_hours(project))
    return max(1, days)


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


def _free_code(session: Session, project: Project, wanted: str | None, *, number: int) -> str:
    """`wanted` when the project has no milestone with it, else `wanted2`..`wanted99`; past those, or for a name
    without ASCII letters, `MS{number}` (the milestone's number in the workspace), else the first free `MS{n}`."""
    taken = set(session.scalars(select(Milestone.code).where(Milestone.project_id == project.id)))
    tries = [wanted, *(f"{wanted[: CODE_LIMIT - 2]}{n}" for n in range(2, 100))] if wanted else []
    tries.append(f"MS{number}")
    for code in tries:
        if code not in taken:
            return code
    n = number + 1
    while f"MS{n}" in taken:  # only codes chosen by hand can be in the way: there are finitely many
        n += 1
    return f"MS{n}"


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
    why: str = "",
) -> Milestone:
    """Make a milestone due on `day`: its baseline and its forecast both that day (`why`: where it came from)."""
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
                field=CODE_FIELD,
            )
        if session.scalar(select(Milestone.id).where(Milestone.project_id == project.id, Milestone.code == wanted)):
            # Beside the id: the form, closed by then, is kept to open again as typed with this next to the id.
            raise Conflict(f"This channel already has M-{wanted}. Choose another id.", field=CODE_FIELD)
        code = wanted
    number = sequences.next_number(session, workspace_id=project.workspace_id, kind="milestone")
    if code is None:
        code = _free_code(session, project, _word_code(name), number=number)
    milestone = Milestone(
        workspace_id=project.workspace_id,
        project_id=project.id,
        number=number,
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
    _event(session, milestone, MilestoneEventKind.CREATED, actor=creator, now=now, why=why)
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
    session: Session,
    *,
    workspace_id: int,
    ref: str,
    project_id: int | None = None,
    for_update: bool = False,
    visible: Callable[[Project], bool] | None = None,
) -> Milestone:
    """The milestone for `M-UAT`: in the project given first; else the only one in the workspace with that code
    among the projects `visible` says the caller may read (a private channel's milestone is never counted, so the
    answer cannot tell an outsider that it exists)."""
    code = _code_of(ref)
    stmt = select(Milestone).where(Milestone.workspace_id == workspace_id, Milestone.code == code)
    if for_update:
        stmt = stmt.with_for_update()
    if project_id is not None:
        here = session.scalar(stmt.where(Milestone.project_id == project_id))
        if here is not None:
            return here
    found = [m for m in session.scalars(stmt.order_by(Milestone.id).limit(50)) if visible is None or visible(m.project)]
    if len(found) > 1:
        raise InvalidInput(
            f"More than one channel has M-{code}.", hint=f"Name its channel too, like `#channel M-{code}`."
        )
    if not found:
        raise unseen(f"M-{code}")
    return found[0]


def in_project(session: Session, *, project_id: int, ref: str, for_update: bool = False) -> Milestone:
    """The milestone `M-UAT` of one project (a channel named with it, as in `#proj-payments M-API`)."""
    code = _code_of(ref)
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
    if at <= now:
        raise InvalidInput(f"{day:%Y-%m-%d} has passed; a forecast is a date ahead.", field="date")
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
    carry_forecast: bool = False,
) -> None:
    """Move the baseline (an approved change request, or a lead); the old one stays in the history.

    With `carry_forecast`, a forecast that was on the old baseline (on plan) moves with it: the plan moved, nothing
    slipped, so no slip is counted; the same event keeps the old forecast beside the old baseline. A forecast its
    owner set elsewhere stays where it is.

    A milestone done keeps the baseline it was reached against: nothing changes (no error, so a change request
    naming it can still be approved for the others). A baseline before today (the project's day of `now`) is refused
    with InvalidInput (field "date"): a promise is a date ahead."""
    if at == milestone.baseline_at or milestone.done_at is not None:
        return
    project = milestone.project
    if day_of(at, project) < local_day(now, project.time_zone):
        raise InvalidInput(
            f"{milestone.ref}'s baseline can't move to {day_of(at, project):%Y-%m-%d}: that day has passed.",
            hint="A baseline is a date ahead; move it by fewer days.",
            field="date",
        )
    why = _why(why)
    old = milestone.baseline_at
    old_forecast = milestone.forecast_at if carry_forecast and milestone.forecast_at == old else None
    milestone.baseline_at = at
    if old_forecast is not None:
        milestone.forecast_at = at
    _event(
        session,
        milestone,
        MilestoneEventKind.REBASELINED,
        actor=actor,
        now=now,
        old_baseline=old,
        old_forecast=old_forecast,
        why=why,
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


def unlink(
    session: Session, milestone: Milestone, *, kind: str, record_id: int, ref: str, actor: str, now: datetime
) -> bool:
    """Take a linked record off the milestone (it stops counting for its status); return False when it was not
    linked. The history keeps that it was."""
    require_may_change(milestone, actor, "unlink records from")
    gone = session.execute(
        delete(MilestoneLink).where(
            MilestoneLink.milestone_id == milestone.id, MilestoneLink.kind == kind, MilestoneLink.record_id == record_id
        )
    )
    if not gone.rowcount:  # type: ignore[attr-defined]
        return False
    _event(session, milestone, MilestoneEventKind.UNLINKED, actor=actor, now=now, why=ref)
    return True


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
    if _waits_for(session, upstream, milestone):
        raise InvalidInput(
            f"{upstream.ref} already waits for {milestone.ref}; a dependency can't go round in a circle."
        )
    values = {"milestone_id": milestone.id, "upstream_id": upstream.id, "created_at": now, "created_by": actor}
    new = insert_once(session, MilestoneDependency, values, unique=["milestone_id", "upstream_id"])
    if new:
        _event(session, milestone, MilestoneEventKind.DEPENDS, actor=actor, now=now, why=upstream.ref)
    return new


def undepend(session: Session, milestone: Milestone, *, upstream: Milestone, actor: str, now: datetime) -> bool:
    """Record that `milestone` no longer waits for `upstream`; return False when it did not. The history keeps that
    it did."""
    require_may_change(milestone, actor, "take dependencies off")
    gone = session.execute(
        delete(MilestoneDependency).where(
            MilestoneDependency.milestone_id == milestone.id, MilestoneDependency.upstream_id == upstream.id
        )
    )
    if not gone.rowcount:  # type: ignore[attr-defined]
        return False
    _event(session, milestone, MilestoneEventKind.UNDEPENDS, actor=actor, now=now, why=upstream.ref)
    return True


def _waits_for(session: Session, milestone: Milestone, other: Milestone) -> bool:
    """Whether `milestone` waits for `other`, directly or through any number of others (one query a step)."""
    seen = {milestone.id}
    frontier = {milestone.id}
    while frontier:
        ups = set(
            session.scalars(
                select(MilestoneDependency.upstream_id).where(MilestoneDependency.milestone_id.in_(frontier))
            )
        )
        if other.id in ups:
            return True
        frontier = ups - seen
        seen |= frontier
    return False


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
    risky = [ref if ref == HIDDEN_ACTION else f"{ref} overdue" for ref in dict.fromkeys(facts.overdue_actions)]
    risky += [ref if ref == HIDDEN_RISK else f"{ref} critical" for ref in dict.fromkeys(facts.critical_risks)]
    risky += [f"waits for {ref}" for ref in dict.fromkeys(facts.late_upstreams)]
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

    def named(mid: int, project_id: int, private: bool | None) -> bool:
        """A status is shown on public cards, digests and exports: a linked record (or a milestone waited for) of
        another channel is named only when that channel is public; else it still counts, unnamed."""
        return project_id == by_id[mid].project_id or private is False

    overdue = session.execute(
        select(MilestoneLink.milestone_id, ActionItem.number, ActionItem.project_id, Project.is_private)
        .join(ActionItem, and_(MilestoneLink.kind == "action", ActionItem.id == MilestoneLink.record_id))
        .join(Project, Project.id == ActionItem.project_id)
        .where(
            MilestoneLink.milestone_id.in_(ids),
            ActionItem.status == ActionStatus.OPEN,
            ActionItem.due_at.is_not(None),
            ActionItem.due_at < now,
        )
        .order_by(ActionItem.number)
    )
    for mid, number, project_id, private in overdue:
        facts[mid].overdue_actions.append(f"A-{number}" if named(mid, project_id, private) else HIDDEN_ACTION)
    critical = session.execute(
        select(MilestoneLink.milestone_id, Risk.number, Risk.project_id, Project.is_private)
        .join(Risk, and_(MilestoneLink.kind == "risk", Risk.id == MilestoneLink.record_id))
        .join(Project, Project.id == Risk.project_id)
        .where(
            MilestoneLink.milestone_id.in_(ids),
            Risk.status == RiskStatus.OPEN,
            Risk.probability * Risk.impact >= CRITICAL_SCORE,
        )
        .order_by(Risk.number)
    )
    for mid, number, project_id, private in critical:
        facts[mid].critical_risks.append(f"R-{number}" if named(mid, project_id, private) else HIDDEN_RISK)
    up = aliased(Milestone)
    upstream_rows = session.execute(
        select(MilestoneDependency.milestone_id, up, Project.is_private)
        .join(up, up.id == MilestoneDependency.upstream_id)
        .join(Project, Project.id == up.project_id)
        .where(MilestoneDependency.milestone_id.in_(ids), up.done_at.is_(None))
        .order_by(up.id)
    )
    for mid, upstream, private in upstream_rows:  # late, or expected after the milestone that waits for it
        if upstream.status == MilestoneStatus.LATE or upstream.forecast_at > by_id[mid].forecast_at:
            shown = named(mid, upstream.project_id, private)
            facts[mid].late_upstreams.append(upstream.ref if shown else HIDDEN_UPSTREAM)
    return facts


def refresh(
    session: Session, milestones: Iterable[Milestone], *, now: datetime
) -> list[tuple[Milestone, MilestoneStatus]]:
    """Bring each milestone's status up to date; return those whose status changed, with the status before."""
    milestones = list(milestones)
    facts = facts_for(session, milestones, now=now)
    changed: list[tuple[Milestone, MilestoneStatus]] = []
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


@dataclass(frozen=True)
class Line:
    """What `/milestone "UAT sign-off" 2027-01-15 @owner` says."""

    name: str
    day: date  # the project's calendar day
    owner: str | None  # the one person mentioned outside a quoted name
    code: str | None  # as typed after `M-` in a leading `M-API`, checked by create()


QUOTES = '"\u201c\u201d\u201e'  # a name's quotes, straight or typographic
_CLOSING = re.compile('["\u201c\u201d]')
_QUOTE = re.compile(f"[{QUOTES}]")
_GROUP = re.compile(r"<!(?:subteam\^|here\b|channel\b|everyone\b)[^>]*>")  # a user group, @here, @channel...
_ISO_DAY = re.compile(r"(?<![\w-])\d{4}-\d{1,2}-\d{1,2}(?![\w-])")
_A_CODE = re.compile(r"[Mm]-\S+")
DATE_HINT = 'Like `/milestone "UAT sign-off" 2027-01-15 @owner` or `/milestone UAT sign-off jan 15`.'
QUOTE_HINT = 'Put the whole name between two quotes, like `/milestone "UAT sign-off" 2027-01-15 @owner`.'


def read_line(
    text: str,
    *,
    project: Project,
    now: datetime,
    locale: str | None = None,
    name_of: Callable[[str], str] | None = None,
) -> Line:
    """Read a one-line milestone: an optional `M-CODE`, the name (quoted, or up to the date), the date (read in the
    project's zone) and the owner (the one person mentioned outside a quoted name). Pure.

    A quoted name is kept as typed, a mention in it too (as `@name`, through `name_of`); a quote left open, a stray
    quote, an empty name, two owners or a group as the owner are refused rather than guessed."""
    text = " ".join(text.split())
    first, _, after = text.partition(" ")
    code = None
    if _A_CODE.fullmatch(first) and after:
        code, text = first[2:], after
    said_name: str | None = None
    rest = text
    if text[:1] in QUOTES:
        closing = _CLOSING.search(text, 1)
        if closing is None:
            raise InvalidInput("The milestone's name has an opening quote but no closing one.", hint=QUOTE_HINT)
        said_name, rest = text[1 : closing.start()], text[closing.end() :]
    if _QUOTE.search(rest):
        raise InvalidInput("A quote in that line has no partner: I can't tell where the name ends.", hint=QUOTE_HINT)
    if _GROUP.search(rest):
        raise InvalidInput(
            "A milestone's owner is one person, not a group.", hint="Name one person with @, or nobody to own it."
        )
    owners = user_ids_in(rest)
    if len(owners) > 1:
        raise InvalidInput(
            "One owner per milestone: name one person.",
            hint="Put the others in the name in quotes, or link their action items to it.",
        )
    owner = owners[0] if owners else None
    rest = " ".join(USER_MENTION.sub(" ", rest).split())
    tz, hours = project.time_zone, working_hours(project)
    if said_name is not None:
        name, phrase = said_name, rest
    elif iso := _ISO_DAY.search(rest):
        name, phrase = rest[: iso.start()], rest[iso.start() :]
    else:
        name, due = split_due(rest, now=now, tz=tz, locale=locale, hours=hours)
        if due is None:
            raise InvalidInput("When is the milestone due?", hint=DATE_HINT)
        return Line(_name(plain_from_slack(name, name_of=name_of)), local_day(due, tz), owner, code)
    name = _name(plain_from_slack(name, name_of=name_of))
    if not phrase:
        raise InvalidInput("When is the milestone due?", hint=DATE_HINT)
    due = parse_when(phrase, now=now, tz=tz, locale=locale, hours=hours)
    return Line(name, local_day(due, tz), owner, code)


# Slip and status alerts (the rules behind handlers/milestones/notices.py and jobs.py)


def held_until(chain: list[Milestone]) -> datetime:
    """The earliest the last milestone of a chain can be reached as the ones before it stand (pure)."""
    return max(m.forecast_at for m in chain[:-1])


def pushed_late(chain: list[Milestone]) -> bool:
    """Whether what the last milestone of a chain waits for is now expected after its own forecast (pure)."""
    return held_until(chain) > chain[-1].forecast_at


def refresh_along(
    session: Session, milestone: Milestone, found: list[tuple[Milestone, list[Milestone]]], *, now: datetime
) -> None:
    """Bring `milestone`'s status up to date, then those of `found` (its `downstream`), nearest first, so that each
    step sees the one before it refreshed."""
    refresh(session, [milestone], now=now)
    for _depth, step in groupby(found, key=lambda pair: len(pair[1])):
        refresh(session, [m for m, _chain in step], now=now)


def refresh_downstream(
    session: Session, milestones: Iterable[Milestone], *, now: datetime
) -> dict[int, MilestoneStatus]:
    """Bring these milestones' statuses up to date, then those waiting for any whose status changed, and so on
    (three queries and one more a step); return the status each changed one had before, by id."""
    before: dict[int, MilestoneStatus] = {}
    todo = list(milestones)
    for _ in range(CHAIN_LIMIT + 1):
        changed = refresh(session, todo, now=now)
        for milestone, status in changed:
            before.setdefault(milestone.id, status)
        if not changed:
            break
        waiting = select(MilestoneDependency.milestone_id).where(
            MilestoneDependency.upstream_id.in_([m.id for m, _ in changed])
        )
        todo = list(session.scalars(select(Milestone).where(Milestone.id.in_(waiting), Milestone.done_at.is_(None))))
    return before


_TROUBLE: dict[MilestoneStatus, int] = {MilestoneStatus.AT_RISK: 1, MilestoneStatus.LATE: 2}


def newly_troubled(milestones: Iterable[Milestone], before: dict[int, MilestoneStatus]) -> list[Milestone]:
    """The milestones that became at risk or late (or at risk to late), to tell their people (pure)."""
    return [m for m in milestones if m.id in before and _TROUBLE.get(m.status, 0) > _TROUBLE.get(before[m.id], 0)]


_LEADING_ISO = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})(?![\w-])")
# What ends the date part: a colon, a dash between spaces, an em or en dash, or "because".
_DATE_ENDS = re.compile(r"\s*(?::|\s-\s|[\u2014\u2013]|\bbecause\b)\s*", re.IGNORECASE)
MOVE_HINT = "Like `/milestone move M-UAT 2027-01-22: vendor late`."


def read_day_and_why(text: str, *, project: Project, now: datetime, locale: str | None = None) -> tuple[date, str]:
    """`2027-01-22 vendor late` -> the project's day and the reason. Pure.

    A leading ISO date is the date on its own, whatever follows (`2027-01-22 2 weeks late`). Else the date part
    ends at a colon, ` - `, a dash or `because` when what comes before reads as a day. Else the leading phrase of
    at most four words that reads as a day, the longest; when two leading phrases read as different days
    (`friday 2 weeks late`) it refuses and shows both readings."""
    text = " ".join(text.split())
    if not text:
        raise InvalidInput("To which date?", hint=MOVE_HINT)
    tz, hours = project.time_zone, working_hours(project)

    def day(phrase: str) -> date:
        return local_day(parse_when(phrase, now=now, tz=tz, locale=locale, hours=hours), tz)

    iso = _LEADING_ISO.match(text)
    if iso:
        return day(iso.group(1)), _reason(text[iso.end() :])
    cut = _DATE_ENDS.search(text)
    if cut and cut.start() > 0:
        try:
            return day(text[: cut.start()]), text[cut.end() :].strip()
        except DueDateError:
            pass  # the separator is inside the reason: read the leading phrase
    words = text.split()
    readings: list[tuple[str, date]] = []
    refusal: DueDateError | None = None
    for count in range(min(4, len(words)), 0, -1):
        phrase = " ".join(words[:count])
        try:
            readings.append((phrase, day(phrase)))
        except DueDateError as err:
            refusal = err
    if not readings:
        assert refusal is not None
        raise refusal
    (longest, first), *shorter = readings
    other = next(((phrase, d) for phrase, d in reversed(shorter) if d != first), None)
    if other is not None:

        def colon(phrase: str) -> str:
            return f"`{escape(phrase)}: {escape(text[len(phrase) :].strip())}`"

        raise InvalidInput(
            f"I can read that date two ways: “{escape(longest)}” is {first:%a %Y-%m-%d}, "
            f"“{escape(other[0])}” is {other[1]:%a %Y-%m-%d}.",
            hint=f"Put the reason after a colon: {colon(longest)} or {colon(other[0])}.",
            field="date",
        )
    return first, _reason(text[len(longest) :])


def _reason(rest: str) -> str:
    """What follows the date, without the separator that ends it."""
    rest = rest.strip().lstrip(",;").strip()
    found = _DATE_ENDS.match(" " + rest)
    return (" " + rest)[found.end() :].strip() if found else rest


def search(session: Session, *, project_id: int, words: str) -> list[Milestone]:
    """A project's milestones whose name (or id) has every word, done ones too, by forecast."""
    wanted = [w.lower() for w in words.split()][:10]
    return [
        m
        for m in list_for(session, project_id=project_id, include_done=True)
        if all(w in f"{m.ref} {m.name}".lower() for w in wanted)
    ]


def linkable(session: Session, *, workspace_id: int, ref: str) -> tuple[str, ActionItem | Risk | Decision]:
    """The kind and the record that `A-12`, `R-3` or `D-4` names in the workspace; the answer for a missing record
    when there is none, or it was deleted or withdrawn."""
    found = linkable_kind(ref)
    if found is None:
        raise InvalidInput(f"`{escape(ref[:20])}` is not an action, risk or decision id.")
    kind, number = found
    record: ActionItem | Risk | Decision | None
    if kind == "action":
        record = session.scalar(
            select(ActionItem).where(ActionItem.workspace_id == workspace_id, ActionItem.number == number)
        )
    elif kind == "risk":
        record = session.scalar(select(Risk).where(Risk.workspace_id == workspace_id, Risk.number == number))
    else:
        record = session.scalar(
            select(Decision).where(Decision.workspace_id == workspace_id, Decision.number == number)
        )
    if record is None or record.status in ("deleted", "withdrawn"):
        raise unseen(f"{kind[0].upper()}-{number}")
    return kind, record


def create_from_text(
    session: Session,
    *,
    project: Project,
    author: str,
    said: str,
    now: datetime,
    people: Callable[[str], Member],
    source: Source | None = None,
) -> Milestone:
    """Make a milestone from a line as `/milestone` reads it (`"UAT sign-off" 2027-01-15 @owner`), owned by the
    person named, else by its author; `people` gives a user id's member; `source` (a meeting) is kept as the why
    of its 'created' event."""
    line = read_line(said, project=project, now=now, locale=people(author).locale, name_of=members.name_in_text(people))
    owner = people(line.owner or author)
    require_can_own(owner, "own milestones")
    return create(
        session,
        project=project,
        creator=author,
        name=line.name,
        day=line.day,
        owner=owner.user_id,
        now=now,
        code=line.code,
        why=f"From the {source.kind} “{source.label[:200]}”." if source is not None else "",
    )
