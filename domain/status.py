"""A project's state in numbers: Green/Amber/Red by stated rules, the weekly digest and the escalation digest.

Rules (the reasons are listed with the status):
* Red: an open critical risk (score 20+), an action overdue by more than 5 working days, or a stale blocker
  (open for more than 2 working days).
* Amber: an open high risk (score 10-16), any overdue action, or a decision past its needed-by date.
* Green: none of the above.
A lead may override the status with a note; the computed one is shown beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from domain import risks as risk_rules
from domain import standups
from domain.calendar import WorkingHours, local_day, local_to_utc, working_days_between, zone
from domain.text import plural
from domain.workspaces import working_hours
from storage.models import (
    ActionItem,
    ActionStatus,
    Blocker,
    BlockerStatus,
    Decision,
    DecisionStatus,
    Project,
    Risk,
    RiskEvent,
    RiskStatus,
)

RED_OVERDUE_DAYS = 5
STALE_BLOCKER_DAYS = 2
REVIEW_OVERDUE = timedelta(days=7)


LISTED = 20  # the most reasons a status shows (the weekly digest shows 20, /pm status 15, the Home tab none)


@dataclass
class Snapshot:
    """Everything the digests, /status and the Home tab show about a project at an instant.

    The numbers are counted in SQL. The lists hold rows in the order they are shown: every one for the digests
    (`snapshot`), only the first `listed` of each for /pm status and the Home tab (`snapshots`), which is all
    the reasons they can show; the weekly digest's own lists (done, due, blockers...) are filled only for it.
    """

    project: Project
    now: datetime
    open_count: int = 0
    overdue_count: int = 0
    high_count: int = 0  # open risks scored 10 and up (high and critical)
    late_count: int = 0
    blocker_count: int = 0
    overdue: list[ActionItem] = field(default_factory=list)  # oldest due date first
    critical_risks: list[Risk] = field(default_factory=list)  # score 20+, highest first
    high_risks: list[Risk] = field(default_factory=list)  # score 10-16, highest first
    late_decisions: list[Decision] = field(default_factory=list)
    stale_blockers: list[Blocker] = field(default_factory=list)
    open_risks: list[Risk] = field(default_factory=list)  # the digests' only
    done_this_week: list[ActionItem] = field(default_factory=list)
    due_today: list[ActionItem] = field(default_factory=list)  # still ahead today, in the project's zone
    due_next_week: list[ActionItem] = field(default_factory=list)  # from tomorrow, seven days
    changed_risks: list[Risk] = field(default_factory=list)
    decisions_made: list[Decision] = field(default_factory=list)
    open_blockers: list[Blocker] = field(default_factory=list)
    review_overdue: list[Risk] = field(default_factory=list)
    response_rate: float | None = None

    @cached_property
    def hours(self) -> WorkingHours:
        return working_hours(self.project)

    def overdue_days(self, item: ActionItem) -> int:
        assert item.due_at is not None
        return working_days_between(item.due_at, self.now, tz=self.project.time_zone, hours=self.hours)

    @cached_property
    def computed(self) -> tuple[str, list[str]]:
        """The status by the rules, with the reasons (the first `LISTED` of each kind at least); worked out once,
        when the lists are filled."""
        red = [f"{r.ref} is a critical risk (score {r.score})" for r in self.critical_risks]
        red += [
            f"{a.ref} is overdue by {d} working days"
            for a in self.overdue
            if (d := self.overdue_days(a)) > RED_OVERDUE_DAYS
        ]
        red += [
            f"blocker B-{b.id} has been open for over {STALE_BLOCKER_DAYS} working days" for b in self.stale_blockers
        ]
        if red:
            return "red", red
        amber = [f"{r.ref} is a high risk (score {r.score})" for r in self.high_risks]
        amber += [f"{a.ref} is overdue" for a in self.overdue]
        amber += [f"{d.ref} is past its needed-by date" for d in self.late_decisions]
        if amber:
            return "amber", amber
        return "green", ["no critical or high risks, nothing overdue, no late decisions"]

    @property
    def override(self) -> dict[str, Any] | None:
        found = (self.project.settings or {}).get("status_override")
        return found if isinstance(found, dict) else None

    @property
    def status(self) -> str:
        """The status shown: a lead's override if there is one, else the computed one."""
        return str(self.override["status"]) if self.override else self.computed[0]


def snapshot(session: Session, project: Project, *, now: datetime) -> Snapshot:
    """Gather a project's numbers at `now` with every row the weekly and escalation digests list."""
    [snap] = snapshots(session, [project], now=now, listed=None)
    week_ago = now - timedelta(days=7)
    local_today = local_day(now, project.time_zone)
    tomorrow = datetime.combine(local_today + timedelta(days=1), time(0), tzinfo=zone(project.time_zone))
    upcoming = session.scalars(
        select(ActionItem)
        .where(ActionItem.project_id == project.id, ActionItem.status == ActionStatus.OPEN, ActionItem.due_at >= now)
        .where(ActionItem.due_at < tomorrow + timedelta(days=7))
        .order_by(ActionItem.due_at, ActionItem.number)
    ).all()
    snap.due_today = [a for a in upcoming if a.due_at and a.due_at < tomorrow]
    snap.due_next_week = [a for a in upcoming if a.due_at and tomorrow <= a.due_at]
    snap.done_this_week = list(
        session.scalars(
            select(ActionItem).where(
                ActionItem.project_id == project.id,
                ActionItem.status == ActionStatus.DONE,
                ActionItem.completed_at >= week_ago,
            )
        )
    )
    snap.open_risks = risk_rules.list_open(session, project_id=project.id, limit=10_000)
    changed_ids = set(
        session.scalars(
            select(RiskEvent.risk_id)
            .join(Risk, Risk.id == RiskEvent.risk_id)
            .where(Risk.project_id == project.id, RiskEvent.at >= week_ago, RiskEvent.kind.in_(("created", "updated")))
        )
    )
    snap.changed_risks = [r for r in snap.open_risks if r.id in changed_ids]
    snap.review_overdue = [
        r for r in snap.open_risks if r.owner_id and risk_rules.next_review(r) + REVIEW_OVERDUE < now
    ]
    snap.decisions_made = list(
        session.scalars(
            select(Decision).where(
                Decision.project_id == project.id,
                Decision.status == DecisionStatus.APPROVED,
                Decision.decided_at >= week_ago,
            )
        )
    )
    snap.open_blockers = list(
        session.scalars(
            select(Blocker)
            .where(Blocker.project_id == project.id, Blocker.status == BlockerStatus.OPEN)
            .order_by(Blocker.id)
        )
    )
    return snap


def snapshots(
    session: Session, projects: list[Project], *, now: datetime, listed: int | None = LISTED
) -> list[Snapshot]:
    """Gather each project's numbers and status at `now` in a fixed number of queries, however many items they
    hold: counts from GROUP BY, and only the first `listed` rows of each list (None: every row)."""
    snaps = {p.id: Snapshot(project=p, now=now) for p in projects}
    ids = list(snaps)
    if not ids:
        return []
    open_actions = (ActionItem.project_id.in_(ids), ActionItem.status == ActionStatus.OPEN)
    overdue = case((ActionItem.due_at < now, 1), else_=0)
    for pid, opened, late in session.execute(
        select(ActionItem.project_id, func.count(), func.sum(overdue))
        .where(*open_actions)
        .group_by(ActionItem.project_id)
    ):
        snaps[pid].open_count, snaps[pid].overdue_count = int(opened), int(late or 0)
    open_risks = (Risk.project_id.in_(ids), Risk.status == RiskStatus.OPEN, Risk.kind == "risk")
    score = Risk.probability * Risk.impact
    for pid, high in session.execute(
        select(Risk.project_id, func.count()).where(*open_risks, score >= 10).group_by(Risk.project_id)
    ):
        snaps[pid].high_count = int(high)
    late = (Decision.project_id.in_(ids), Decision.status == DecisionStatus.PROPOSED, Decision.needed_by < now)
    for pid, count in session.execute(
        select(Decision.project_id, func.count()).where(*late).group_by(Decision.project_id)
    ):
        snaps[pid].late_count = int(count)
    blockers = (Blocker.project_id.in_(ids), Blocker.status == BlockerStatus.OPEN)
    for pid, count in session.execute(
        select(Blocker.project_id, func.count()).where(*blockers).group_by(Blocker.project_id)
    ):
        snaps[pid].blocker_count = int(count)

    risk_order = (score.desc(), Risk.number)
    rows: list[tuple[str, Any]] = [
        ("overdue", _first(session, ActionItem, (*open_actions, ActionItem.due_at < now),
                           (ActionItem.due_at, ActionItem.number), listed)),
        ("critical_risks", _first(session, Risk, (*open_risks, score >= 20), risk_order, listed)),
        ("high_risks", _first(session, Risk, (*open_risks, score >= 10, score <= 16), risk_order, listed)),
        ("late_decisions", _first(session, Decision, late, (Decision.needed_by, Decision.id), listed)),
        ("stale_blockers", _first(session, Blocker, (*blockers, _stale(projects, now)), (Blocker.id,), listed)),
    ]  # fmt: skip
    for name, found in rows:
        for row in found:
            getattr(snaps[row.project_id], name).append(row)
    for snap in snaps.values():
        hours = working_hours(snap.project)
        snap.stale_blockers = [
            b
            for b in snap.stale_blockers
            if working_days_between(b.created_at, now, tz=snap.project.time_zone, hours=hours) > STALE_BLOCKER_DAYS
        ]
    for standup in _standups(session, ids):
        snaps[standup.project_id].response_rate = standups.response_rate(standups.stats(session, standup, now=now))
    return [snaps[p.id] for p in projects]


def _first(
    session: Session, model: Any, where: tuple[ColumnElement[bool], ...], order: tuple[Any, ...], listed: int | None
) -> list[Any]:
    """The rows matching `where` in `order`: every one, or only each project's first `listed` (one query)."""
    if listed is None:
        return list(session.scalars(select(model).where(*where).order_by(*order)))
    rank = func.row_number().over(partition_by=model.project_id, order_by=order).label("rank")
    ranked = select(model.id, rank).where(*where).subquery()
    stmt = select(model).join(ranked, ranked.c.id == model.id).where(ranked.c.rank <= listed).order_by(*order)
    return list(session.scalars(stmt))


def _stale(projects: list[Project], now: datetime) -> ColumnElement[bool]:
    """Blockers opened before the day from which they are not yet stale (each one's count then confirms it)."""
    return or_(*(and_(Blocker.project_id == p.id, Blocker.created_at < stale_from(p, now)) for p in projects))


def stale_from(project: Project, now: datetime) -> datetime:
    """The start of the local day from which a blocker opened is not yet stale at `now`: the blockers opened before
    it have been open more than STALE_BLOCKER_DAYS working days."""
    hours, tz = working_hours(project), project.time_zone
    day, found = local_day(now, tz), 0
    while True:  # the (STALE_BLOCKER_DAYS + 1)-th working day back from today, today counted
        if day.weekday() in hours.days:
            found += 1
            if found > STALE_BLOCKER_DAYS:
                return local_to_utc(day, time(0), tz)
        day -= timedelta(days=1)


def _standups(session: Session, ids: list[int]) -> list[Any]:
    """Each project's stand-up (one at most)."""
    from storage.models import Standup

    return list(session.scalars(select(Standup).where(Standup.project_id.in_(ids))))


@dataclass(frozen=True)
class EscalationItem:
    """One thing over a threshold, for the escalation digest, with why it is there."""

    kind: str  # action | risk | review | blocker | decision
    ref: str
    text: str
    owner: str | None
    since: datetime
    why: str = ""


def _days(n: int) -> str:
    return plural(n, "working day")


def escalations(snap: Snapshot) -> list[EscalationItem]:
    """Only what crossed a threshold, oldest first: escalated overdue actions, risks at the escalation score,
    risks past review by over a week, stale blockers, decisions past needed-by."""
    threshold = risk_rules.escalation_score(snap.project)
    tz, hours = snap.project.time_zone, working_hours(snap.project)
    items = [
        EscalationItem("action", a.ref, a.title, a.owner_id, a.due_at, f"overdue by {_days(snap.overdue_days(a))}")
        for a in snap.overdue
        if a.due_at and a.escalation_level >= 1
    ]
    items += [
        EscalationItem(
            "risk", r.ref, r.title, r.owner_id, r.created_at, f"score {r.score} ({risk_rules.level(r.score)})"
        )
        for r in snap.open_risks
        if r.score >= threshold
    ]
    items += [
        EscalationItem(
            "review", r.ref, r.title, r.owner_id, risk_rules.next_review(r), "review overdue by more than a week"
        )
        for r in snap.review_overdue
    ]
    items += [
        EscalationItem(
            "blocker",
            f"B-{b.id}",
            b.text,
            b.owner_id,
            b.created_at,
            f"blocking for {_days(working_days_between(b.created_at, snap.now, tz=tz, hours=hours))}",
        )
        for b in snap.stale_blockers
    ]
    items += [
        EscalationItem(
            "decision",
            d.ref,
            d.statement,
            d.approver_id,
            d.needed_by,
            f"undecided {_days(working_days_between(d.needed_by, snap.now, tz=tz, hours=hours))} past needed-by",
        )
        for d in snap.late_decisions
        if d.needed_by
    ]
    return sorted(items, key=lambda i: i.since)
