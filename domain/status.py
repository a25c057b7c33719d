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
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import risks as risk_rules
from domain import standups
from domain.dates import WorkingHours, is_working_day
from domain.text import plural
from domain.workspaces import working_hours
from domain.zones import zone
from storage.models import ActionItem, Blocker, Decision, Project, Risk, RiskEvent
from storage.models.actions import DONE, OPEN

RED_OVERDUE_DAYS = 5
STALE_BLOCKER_DAYS = 2
REVIEW_OVERDUE = timedelta(days=7)


def working_days_between(start: datetime, end: datetime, *, tz: str, hours: WorkingHours) -> int:
    """Count working days after `start`'s local date up to and including `end`'s."""
    local_zone = zone(tz)
    day, last, count = start.astimezone(local_zone).date(), end.astimezone(local_zone).date(), 0
    while day < last and count < 1000:
        day += timedelta(days=1)
        count += is_working_day(day, hours)
    return count


@dataclass
class Snapshot:
    """Everything the digests, /status and the Home tab show about a project at an instant."""

    project: Project
    now: datetime
    open_actions: list[ActionItem] = field(default_factory=list)
    overdue: list[ActionItem] = field(default_factory=list)
    done_this_week: list[ActionItem] = field(default_factory=list)
    due_today: list[ActionItem] = field(default_factory=list)  # still ahead today, in the project's zone
    due_next_week: list[ActionItem] = field(default_factory=list)  # from tomorrow, seven days
    open_risks: list[Risk] = field(default_factory=list)
    changed_risks: list[Risk] = field(default_factory=list)
    decisions_made: list[Decision] = field(default_factory=list)
    late_decisions: list[Decision] = field(default_factory=list)
    open_blockers: list[Blocker] = field(default_factory=list)
    stale_blockers: list[Blocker] = field(default_factory=list)
    review_overdue: list[Risk] = field(default_factory=list)
    response_rate: float | None = None

    def overdue_days(self, item: ActionItem) -> int:
        assert item.due_at is not None
        return working_days_between(item.due_at, self.now, tz=self.project.time_zone, hours=working_hours(self.project))

    @property
    def computed(self) -> tuple[str, list[str]]:
        """The status by the rules, with the reasons."""
        red = [
            f"{r.ref} is a critical risk (score {r.score})"
            for r in self.open_risks
            if r.score >= 20 and r.kind == "risk"
        ]
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
        amber = [
            f"{r.ref} is a high risk (score {r.score})"
            for r in self.open_risks
            if 10 <= r.score <= 16 and r.kind == "risk"
        ]
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
    """Gather a project's numbers at `now` (a handful of queries)."""
    snap = Snapshot(project=project, now=now)
    week_ago = now - timedelta(days=7)
    snap.open_actions = list(
        session.scalars(select(ActionItem).where(ActionItem.project_id == project.id, ActionItem.status == OPEN))
    )
    snap.overdue = sorted((a for a in snap.open_actions if a.due_at and a.due_at < now), key=lambda a: a.due_at or now)
    local_today = now.astimezone(zone(project.time_zone)).date()
    tomorrow = datetime.combine(local_today + timedelta(days=1), time(0), tzinfo=zone(project.time_zone))
    upcoming = sorted((a for a in snap.open_actions if a.due_at and a.due_at >= now), key=lambda a: a.due_at or now)
    snap.due_today = [a for a in upcoming if a.due_at and a.due_at < tomorrow]
    snap.due_next_week = [a for a in upcoming if a.due_at and tomorrow <= a.due_at < tomorrow + timedelta(days=7)]
    snap.done_this_week = list(
        session.scalars(
            select(ActionItem).where(
                ActionItem.project_id == project.id, ActionItem.status == DONE, ActionItem.completed_at >= week_ago
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
                Decision.project_id == project.id, Decision.status == "approved", Decision.decided_at >= week_ago
            )
        )
    )
    snap.late_decisions = list(
        session.scalars(
            select(Decision)
            .where(Decision.project_id == project.id, Decision.status == "proposed", Decision.needed_by < now)
            .order_by(Decision.needed_by)
        )
    )
    snap.open_blockers = list(
        session.scalars(
            select(Blocker).where(Blocker.project_id == project.id, Blocker.status == "open").order_by(Blocker.id)
        )
    )
    hours = working_hours(project)
    snap.stale_blockers = [
        b
        for b in snap.open_blockers
        if working_days_between(b.created_at, now, tz=project.time_zone, hours=hours) > STALE_BLOCKER_DAYS
    ]
    snap.response_rate = _response_rate(session, project, now=now)
    return snap


def _response_rate(session: Session, project: Project, *, now: datetime) -> float | None:
    from storage.models import Standup

    standup = session.scalar(select(Standup).where(Standup.project_id == project.id))
    if standup is None:
        return None
    return standups.response_rate(standups.stats(session, standup, now=now))


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
