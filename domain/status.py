"""A project's state in numbers: Green/Amber/Red by stated rules, the weekly digest and the escalation digest.

Rules (the reasons are listed with the status):
* Red: an open critical risk (score 20+), an action overdue by more than 5 working days, a stale blocker
  (open for more than 2 working days), or a milestone not done whose date has passed or whose forecast is more
  than 5 working days past its baseline.
* Amber: an open high risk (score 10-16), any overdue action, a decision or an open change request past its
  needed-by date, or any late milestone (forecast past its baseline).
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

from domain import milestones as milestone_rules
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
    ChangeRequest,
    ChangeStatus,
    Decision,
    DecisionStatus,
    Milestone,
    Project,
    Risk,
    RiskEvent,
    RiskStatus,
)

RED_OVERDUE_DAYS = 5
STALE_BLOCKER_DAYS = 2
REVIEW_OVERDUE = timedelta(days=7)
MILESTONES_AHEAD = timedelta(days=14)  # the weekly digest's milestones due soon
LATE_MILESTONES_READ = 200  # late milestones read per project to find the worst (a project has tens, not hundreds)


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
    late_milestone_count: int = 0
    overdue: list[ActionItem] = field(default_factory=list)  # oldest due date first
    critical_risks: list[Risk] = field(default_factory=list)  # score 20+, highest first
    high_risks: list[Risk] = field(default_factory=list)  # score 10-16, highest first
    late_decisions: list[Decision] = field(default_factory=list)
    late_changes: list[ChangeRequest] = field(default_factory=list)  # open past their needed-by, oldest first
    stale_blockers: list[Blocker] = field(default_factory=list)
    late_milestones: list[Milestone] = field(default_factory=list)  # date passed first, then the longest slip
    open_risks: list[Risk] = field(default_factory=list)  # the digests' only
    done_this_week: list[ActionItem] = field(default_factory=list)
    due_today: list[ActionItem] = field(default_factory=list)  # still ahead today, in the project's zone
    due_next_week: list[ActionItem] = field(default_factory=list)  # from tomorrow, seven days
    changed_risks: list[Risk] = field(default_factory=list)
    decisions_made: list[Decision] = field(default_factory=list)
    open_blockers: list[Blocker] = field(default_factory=list)
    review_overdue: list[Risk] = field(default_factory=list)
    response_rate: float | None = None
    milestones_due: list[Milestone] = field(default_factory=list)  # forecast within MILESTONES_AHEAD, soonest first
    milestones_slipped: list[Milestone] = field(default_factory=list)  # forecast past baseline or date passed
    milestones_done: list[Milestone] = field(default_factory=list)  # done in the last seven days
    changes_raised: list[ChangeRequest] = field(default_factory=list)  # in the last seven days
    changes_approved: list[ChangeRequest] = field(default_factory=list)  # decided in the last seven days
    changes_rejected: list[ChangeRequest] = field(default_factory=list)
    changes_waiting: list[ChangeRequest] = field(default_factory=list)  # pending or asked for more, oldest first

    @cached_property
    def hours(self) -> WorkingHours:
        return working_hours(self.project)

    def overdue_days(self, item: ActionItem) -> int:
        assert item.due_at is not None
        return working_days_between(item.due_at, self.now, tz=self.project.time_zone, hours=self.hours)

    def milestone_late_why(self, milestone: Milestone) -> tuple[bool, str]:
        """(whether it makes the status Red, why it is late) for a late milestone."""
        if milestone.forecast_at < self.now:
            return True, "its date has passed and it is not done"
        days = milestone_rules.slip_days(milestone)
        return days > RED_OVERDUE_DAYS, f"forecast {plural(days, 'working day')} past its baseline"

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
        late = [(m, *self.milestone_late_why(m)) for m in self.late_milestones]
        red += [f"{m.ref} {m.name}: {why}" for m, is_red, why in late if is_red]
        if red:
            return "red", red
        amber = [f"{r.ref} is a high risk (score {r.score})" for r in self.high_risks]
        amber += [f"{a.ref} is overdue" for a in self.overdue]
        amber += [f"{d.ref} is past its needed-by date" for d in self.late_decisions]
        amber += [f"{c.ref} is past its needed-by date" for c in self.late_changes]
        amber += [f"{m.ref} {m.name}: {why}" for m, _red, why in late]
        if amber:
            return "amber", amber
        return "green", ["no critical or high risks, nothing overdue, no late decisions, change requests or milestones"]

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
    _milestones_and_changes(session, snap, since=week_ago)
    return snap


def _milestones_and_changes(session: Session, snap: Snapshot, *, since: datetime) -> None:
    """The weekly digest's milestones (due soon, slipped, done) and change requests (raised, decided, waiting)."""
    project, now = snap.project, snap.now
    by_forecast = (Milestone.forecast_at, Milestone.id)
    open_milestones = list(
        session.scalars(
            select(Milestone)
            .where(Milestone.project_id == project.id, Milestone.done_at.is_(None))
            .where(or_(Milestone.forecast_at < now + MILESTONES_AHEAD, Milestone.forecast_at > Milestone.baseline_at))
            .order_by(*by_forecast)
        )
    )
    snap.milestones_due = [m for m in open_milestones if now <= m.forecast_at < now + MILESTONES_AHEAD]
    snap.milestones_slipped = [m for m in open_milestones if m.forecast_at > m.baseline_at or m.forecast_at < now]
    snap.milestones_done = list(
        session.scalars(
            select(Milestone)
            .where(Milestone.project_id == project.id, Milestone.done_at >= since)
            .order_by(Milestone.done_at, Milestone.id)
        )
    )
    recent = list(
        session.scalars(
            select(ChangeRequest)
            .where(
                ChangeRequest.project_id == project.id,
                or_(
                    ChangeRequest.created_at >= since,
                    ChangeRequest.decided_at >= since,
                    ChangeRequest.status.in_((ChangeStatus.PENDING, ChangeStatus.MORE_INFO)),
                ),
            )
            .order_by(ChangeRequest.number)
        )
    )
    decided = [c for c in recent if c.decided_at is not None and c.decided_at >= since]
    snap.changes_raised = [c for c in recent if c.created_at >= since and c.status != ChangeStatus.WITHDRAWN]
    snap.changes_approved = [c for c in decided if c.status == ChangeStatus.APPROVED]
    snap.changes_rejected = [c for c in decided if c.status == ChangeStatus.REJECTED]
    snap.changes_waiting = [c for c in recent if c.status in (ChangeStatus.PENDING, ChangeStatus.MORE_INFO)]


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
    late_milestones = (
        Milestone.project_id.in_(ids),
        Milestone.done_at.is_(None),
        or_(Milestone.forecast_at > Milestone.baseline_at, Milestone.forecast_at < now),
    )
    for pid, count in session.execute(
        select(Milestone.project_id, func.count()).where(*late_milestones).group_by(Milestone.project_id)
    ):
        snaps[pid].late_milestone_count = int(count)

    late_changes = (
        ChangeRequest.project_id.in_(ids),
        ChangeRequest.status.in_((ChangeStatus.PENDING, ChangeStatus.MORE_INFO)),
        ChangeRequest.needed_by < now,
    )
    risk_order = (score.desc(), Risk.number)
    rows: list[tuple[str, Any]] = [
        ("overdue", _first(session, ActionItem, (*open_actions, ActionItem.due_at < now),
                           (ActionItem.due_at, ActionItem.number), listed)),
        ("critical_risks", _first(session, Risk, (*open_risks, score >= 20), risk_order, listed)),
        ("high_risks", _first(session, Risk, (*open_risks, score >= 10, score <= 16), risk_order, listed)),
        ("late_decisions", _first(session, Decision, late, (Decision.needed_by, Decision.id), listed)),
        ("late_changes", _first(session, ChangeRequest, late_changes, (ChangeRequest.needed_by, ChangeRequest.id),
                                listed)),
        ("stale_blockers", _first(session, Blocker, (*blockers, _stale(projects, now)), (Blocker.id,), listed)),
        ("late_milestones", _first(session, Milestone, late_milestones, (Milestone.forecast_at, Milestone.id),
                                   None if listed is None else LATE_MILESTONES_READ)),
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
        # The worst first: the working days of a slip are the calendar's to count, not SQL's.
        snap.late_milestones = sorted(snap.late_milestones, key=lambda m: _lateness(m, now))[:listed]
    for standup in _standups(session, ids):
        snaps[standup.project_id].response_rate = standups.response_rate(standups.stats(session, standup, now=now))
    return [snaps[p.id] for p in projects]


def _lateness(milestone: Milestone, now: datetime) -> tuple[int, float, float, int]:
    """A late milestone's place in the reasons: date passed first (oldest first), then the longest slip."""
    if milestone.forecast_at < now:
        return 0, milestone.forecast_at.timestamp(), 0.0, milestone.id
    return 1, -milestone_rules.slip_days(milestone), milestone.forecast_at.timestamp(), milestone.id


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

    kind: str  # action | risk | review | blocker | decision | change
    ref: str
    text: str
    owner: str | None
    since: datetime
    why: str = ""


def _days(n: int) -> str:
    return plural(n, "working day")


def escalations(snap: Snapshot) -> list[EscalationItem]:
    """Only what crossed a threshold, oldest first: escalated overdue actions, risks at the escalation score,
    risks past review by over a week, stale blockers, decisions and change requests past needed-by."""
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
    items += [
        EscalationItem(
            "change",
            c.ref,
            c.title,
            # whoever it waits on: its first approver, or its requester when an approver asked them for more
            c.requester_id if c.status == ChangeStatus.MORE_INFO else next(iter(map(str, c.approver_ids)), None),
            c.needed_by,
            f"{'waiting on its requester' if c.status == ChangeStatus.MORE_INFO else 'undecided'} "
            f"{_days(working_days_between(c.needed_by, snap.now, tz=tz, hours=hours))} past needed-by",
        )
        for c in snap.late_changes
        if c.needed_by
    ]
    return sorted(items, key=lambda i: i.since)
